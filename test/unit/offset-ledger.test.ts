import { describe, expect, it } from 'vitest';
import { roomFor, isDue } from '../../ingest/batch-policy.js';
import type { TopicPartitionOffset } from '../../ingest/kafka-client.js';
import { OffsetLedger } from '../../ingest/offset-ledger.js';

const at = (partition: number, offset: number, topic = 't'): TopicPartitionOffset => ({ topic, partition, offset: String(offset) });

/** A consumer that records what it commits and refuses commits while `down`. */
class FakeConsumer {
  committed = new Map<string, string>();
  down = false;
  calls = 0;
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.calls++;
    if (this.down) throw new Error('coordinator unavailable');
    for (const o of offsets) this.committed.set(`${o.topic}/${o.partition}`, o.offset);
  }
}

/** The consume loop's commit step: commit what the ledger releases, tell it on success. */
async function commitReady(ledger: OffsetLedger, consumer: FakeConsumer): Promise<boolean> {
  const offsets = ledger.committable();
  if (offsets.length === 0) return true;
  try {
    await consumer.commit(offsets);
    ledger.committed(offsets);
    return true;
  } catch {
    return false;
  }
}

describe('offset ledger', () => {
  it('commits the next offset to read once a batch is stored', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    const b = ledger.seal([at(0, 9), at(1, 4)]);
    expect(ledger.committable()).toEqual([]);
    ledger.stored(b);
    await commitReady(ledger, consumer);
    expect(Object.fromEntries(consumer.committed)).toEqual({ 't/0': '10', 't/1': '5' });
    expect(ledger.committable()).toEqual([]);
  });

  it('out-of-order completion: a later batch waits for an earlier one on the same partition only', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    const first = ledger.seal([at(0, 9), at(1, 4)]);
    const second = ledger.seal([at(0, 19), at(2, 7)]);
    ledger.stored(second);
    await commitReady(ledger, consumer);
    // Partition 2 is only in the stored batch; partition 0 must not pass the unstored first batch.
    expect(Object.fromEntries(consumer.committed)).toEqual({ 't/2': '8' });
    ledger.stored(first);
    await commitReady(ledger, consumer);
    expect(Object.fromEntries(consumer.committed)).toEqual({ 't/0': '20', 't/1': '5', 't/2': '8' });
    expect(ledger.pendingBatches).toBe(0);
  });

  it('a batch that is never stored (shutdown gave up) holds back its partitions', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    ledger.seal([at(0, 9)]);
    const later = ledger.seal([at(0, 19), at(1, 3)]);
    ledger.stored(later);
    await commitReady(ledger, consumer);
    expect(Object.fromEntries(consumer.committed)).toEqual({ 't/1': '4' });
  });

  it('revocation mid-batch: pending commits of revoked partitions are dropped, the others still commit', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    const done = ledger.seal([at(0, 9), at(1, 9)]);
    ledger.stored(done);
    const inFlight = ledger.seal([at(0, 19), at(1, 19)]);
    // A rebalance before the commit: this member keeps partition 1 only.
    ledger.retain({ t: [1] });
    ledger.stored(inFlight);
    await commitReady(ledger, consumer);
    expect(Object.fromEntries(consumer.committed)).toEqual({ 't/1': '20' });
    // Partition 0 comes back later: nothing of the old assignment is committed for it.
    ledger.retain({ t: [0, 1] });
    expect(ledger.committable()).toEqual([]);
  });

  it('a batch filling across a rebalance is sealed without the partitions revoked meanwhile', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    ledger.retain({ t: [0, 1] });
    // Records of both partitions were taken into the batch being filled; then partition 0 is revoked.
    ledger.retain({ t: [1] });
    const filled = ledger.seal([at(0, 29), at(1, 29)]);
    ledger.stored(filled);
    await commitReady(ledger, consumer);
    expect(Object.fromEntries(consumer.committed)).toEqual({ 't/1': '30' });
  });

  it('a re-delivered batch ending below what is stored never moves a commit backwards', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    const a = ledger.seal([at(0, 50)]);
    ledger.stored(a);
    const again = ledger.seal([at(0, 30)]);
    ledger.stored(again);
    await commitReady(ledger, consumer);
    expect(consumer.committed.get('t/0')).toBe('51');
  });

  it('commit failure and retry: offsets stay ready until a commit succeeds, newer ones replace them', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    consumer.down = true;
    const a = ledger.seal([at(0, 9)]);
    ledger.stored(a);
    expect(await commitReady(ledger, consumer)).toBe(false);
    expect(ledger.committable()).toEqual([at(0, 10)]);
    const b = ledger.seal([at(0, 19)]);
    ledger.stored(b);
    expect(await commitReady(ledger, consumer)).toBe(false);
    consumer.down = false;
    expect(await commitReady(ledger, consumer)).toBe(true);
    expect(consumer.committed.get('t/0')).toBe('20');
    expect(consumer.calls).toBe(3);
    expect(ledger.committable()).toEqual([]);
  });

  it('a commit that succeeds after newer offsets were stored keeps the newer ones ready', async () => {
    const ledger = new OffsetLedger();
    const consumer = new FakeConsumer();
    const a = ledger.seal([at(0, 9)]);
    ledger.stored(a);
    const offered = ledger.committable();
    const b = ledger.seal([at(0, 19)]);
    ledger.stored(b);
    await consumer.commit(offered);
    ledger.committed(offered);
    expect(ledger.committable()).toEqual([at(0, 20)]);
  });
});

describe('batch policy', () => {
  const limits = { batchMaxRows: 100, batchMaxWaitMs: 1000 };
  it('BATCH_MAX_ROWS is a maximum: a larger fetch gets only the room left', () => {
    expect(roomFor(0, 5500, limits)).toBe(100);
    expect(roomFor(60, 5500, limits)).toBe(40);
    expect(roomFor(100, 10, limits)).toBe(0);
    expect(roomFor(10, 5, limits)).toBe(5);
  });
  it('is due when full or old enough, never when empty', () => {
    expect(isDue(0, 0, 10_000, true, limits)).toBe(false);
    expect(isDue(100, 5_000, 5_001, false, limits)).toBe(true);
    expect(isDue(1, 5_000, 5_999, false, limits)).toBe(false);
    expect(isDue(1, 5_000, 6_000, false, limits)).toBe(true);
    expect(isDue(1, 5_000, 5_001, true, limits)).toBe(true);
  });
});
