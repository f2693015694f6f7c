import type { Store } from './store.js';
import { toDateTime64 } from './datetime.js';

/**
 * The webhook outbox: each message is recorded `pending` before delivery
 * starts and replaced by `delivered` or `failed` when it ends, so a restart
 * resumes what a stop or crash left undelivered (at least once).
 */

export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxMessage {
  transition_id: string;
  body: string;
}


export async function enqueueOutbox(store: Store, webhook: string, messages: readonly OutboxMessage[]): Promise<void> {
  const at = toDateTime64();
  await store.insert(
    'webhook_outbox',
    messages.map((m) => ({ webhook, transition_id: m.transition_id, body: m.body, state: 'pending', attempts: 0, enqueued_at: at, updated_at: at })),
  );
}

export async function settleOutbox(
  store: Store,
  webhook: string,
  message: OutboxMessage & { state: OutboxState; attempts: number; enqueuedAt: string },
): Promise<void> {
  await store.insert('webhook_outbox', [
    {
      webhook,
      transition_id: message.transition_id,
      body: message.body,
      state: message.state,
      attempts: message.attempts,
      enqueued_at: toDateTime64(message.enqueuedAt),
      updated_at: toDateTime64(),
    },
  ]);
}

export interface PendingOutboxMessage extends OutboxMessage {
  enqueued_at: string;
  /** Attempts already made (by this or an earlier run). */
  attempts: number;
}

/** Messages of one webhook still pending, oldest first. */
export async function pendingOutbox(store: Store, webhook: string, limit: number): Promise<PendingOutboxMessage[]> {
  const rows = await store.query<Omit<PendingOutboxMessage, 'attempts'> & { attempts: number | string }>(
    `SELECT o.transition_id AS transition_id, o.body AS body, o.attempts AS attempts,
            formatDateTime(o.enqueued_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS enqueued_at
     FROM {db}.webhook_outbox AS o FINAL
     WHERE o.webhook = {webhook:String} AND o.state = 'pending'
     ORDER BY o.enqueued_at, o.transition_id
     LIMIT {limit:UInt32}`,
    { webhook, limit },
  );
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
}

export async function outboxStates(store: Store, webhook: string): Promise<Array<{ transition_id: string; state: OutboxState; attempts: number }>> {
  const rows = await store.query<{ transition_id: string; state: OutboxState; attempts: number | string }>(
    `SELECT o.transition_id AS transition_id, o.state AS state, o.attempts AS attempts
     FROM {db}.webhook_outbox AS o FINAL
     WHERE o.webhook = {webhook:String}
     ORDER BY o.enqueued_at, o.transition_id`,
    { webhook },
  );
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
}
