import type { TopicPartitionOffset } from './kafka-client.js';

/**
 * Which offsets may be committed, kept apart from any client so the rules can be tested alone.
 *
 * Batches are sealed in the order their records were read; each holds, per partition, the last
 * offset it took. A partition's offset may be committed up to the end of the last stored batch
 * that has no unstored batch before it holding the same partition, whatever order the stores
 * finish in. What is returned is always the next offset to read (last + 1), the Kafka convention.
 */

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

interface SealedBatch {
  id: number;
  /** Last offset taken per partition. */
  offsets: Map<string, TopicPartitionOffset>;
  stored: boolean;
}

export class OffsetLedger {
  private nextId = 1;
  private readonly batches: SealedBatch[] = [];
  /** Stored and not yet committed: next offset to read per partition. */
  private readonly ready = new Map<string, TopicPartitionOffset>();
  /** Partitions of the last assignment (`retain`); undefined before the first. */
  private owned: Set<string> | undefined;

  /**
   * Records a sealed batch by the last offset it took per partition; returns its id. Partitions
   * revoked since their records were taken (a batch filling across a rebalance) are left out, as
   * `retain` leaves them out of the batches sealed before.
   */
  seal(lastOffsets: Iterable<TopicPartitionOffset>): number {
    const offsets = new Map<string, TopicPartitionOffset>();
    for (const o of lastOffsets) {
      const key = keyOf(o.topic, o.partition);
      if (this.owned === undefined || this.owned.has(key)) offsets.set(key, o);
    }
    const id = this.nextId++;
    this.batches.push({ id, offsets, stored: false });
    return id;
  }

  /** A batch is stored (rows written, dead-letter copies produced). */
  stored(id: number): void {
    const batch = this.batches.find((b) => b.id === id);
    if (batch) batch.stored = true;
    this.advance();
  }

  /** Offsets that may be committed now (empty when nothing new is stored). */
  committable(): TopicPartitionOffset[] {
    return [...this.ready.values()];
  }

  /** These offsets were committed; later ones stored meanwhile stay ready. */
  committed(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const key = keyOf(o.topic, o.partition);
      if (this.ready.get(key)?.offset === o.offset) this.ready.delete(key);
    }
  }

  /**
   * The group gave this member a new assignment. Offsets of partitions it no longer owns are
   * dropped, ready or pending: committing them would move the new owner's position (backwards,
   * or past messages it has not stored). Their rows are still stored when their batch finishes;
   * the new owner reads them again from the last commit and the idempotent tables absorb it.
   */
  retain(assignment: Readonly<Record<string, readonly number[]>>): void {
    const owned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => keyOf(topic, p))));
    this.owned = owned;
    for (const key of [...this.ready.keys()]) if (!owned.has(key)) this.ready.delete(key);
    for (const batch of this.batches) for (const key of [...batch.offsets.keys()]) if (!owned.has(key)) batch.offsets.delete(key);
    this.advance();
  }

  /** Sealed batches not yet released (stored and committable, or waiting for an earlier one). */
  get pendingBatches(): number {
    return this.batches.length;
  }

  private advance(): void {
    const blocked = new Set<string>();
    for (const batch of this.batches) {
      for (const [key, o] of batch.offsets) {
        if (!batch.stored) {
          blocked.add(key);
        } else if (!blocked.has(key)) {
          const next = (BigInt(o.offset) + 1n).toString();
          const known = this.ready.get(key);
          // Max, not last: a batch re-delivered after a rebalance may end below what is already stored.
          if (!known || BigInt(known.offset) < BigInt(next)) this.ready.set(key, { topic: o.topic, partition: o.partition, offset: next });
          batch.offsets.delete(key);
        }
      }
    }
    // A stored batch whose partitions were all released is done.
    for (let i = this.batches.length - 1; i >= 0; i--) {
      const b = this.batches[i]!;
      if (b.stored && b.offsets.size === 0) this.batches.splice(i, 1);
    }
  }
}
