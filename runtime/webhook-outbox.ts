import { createHash } from 'node:crypto';
import { subscriptionIdentity, type WebhookConfig, type WebhookSubscription } from '../schemas/config.js';
import { matchesFilter, type FlagTransition } from '../schemas/flags.js';
import type { FlagSink } from '../scoring/index.js';
import { enqueueOutbox, pendingOutbox, settleOutbox, type Store } from '../transforms/index.js';

/**
 * The durable side of webhooks: every process that records flag transitions
 * (a command, any replica) writes the matching messages to the outbox; only
 * the leader's dispatcher (server/webhooks.ts) sends them and settles them.
 */

/** Durable record of webhook messages (see transforms/webhook-outbox.ts). */
export interface WebhookOutbox {
  enqueue(webhook: string, messages: ReadonlyArray<{ transition_id: string; body: string }>): Promise<void>;
  /** Records a message's state after `attempts` attempts (`pending`: more will follow). */
  settle(
    webhook: string,
    message: { transition_id: string; body: string; state: 'pending' | 'delivered' | 'failed'; attempts: number; enqueuedAt: string },
  ): Promise<void>;
  pending(webhook: string): Promise<Array<{ transition_id: string; body: string; enqueued_at: string; attempts: number }>>;
}

/** Outbox key of a subscription: its identity (id, or URL and filters), hashed so credentials in a URL are not stored. */
export function webhookKey(subscription: WebhookSubscription): string {
  return createHash('sha256').update(subscriptionIdentity(subscription)).digest('hex').slice(0, 24);
}

/** A flag sink that only records matching transitions in the outbox; the leader delivers them. */
export function webhookOutboxSink(config: WebhookConfig, outbox: WebhookOutbox): FlagSink {
  return {
    async publish(transitions: readonly FlagTransition[]) {
      for (const subscription of config.subscriptions) {
        const messages = transitions.filter((t) => matchesFilter(t, subscription)).map((t) => ({ transition_id: t.transition_id, body: JSON.stringify(t) }));
        if (messages.length > 0) await outbox.enqueue(webhookKey(subscription), messages);
      }
    },
  };
}

/** Most pending messages re-queued per subscription by one `resume()`. */
const OUTBOX_RESUME_LIMIT = 100_000;

/** The outbox kept in the store's `webhook_outbox` table. */
export function storeWebhookOutbox(store: Store): WebhookOutbox {
  return {
    enqueue: (webhook, messages) => enqueueOutbox(store, webhook, messages),
    settle: (webhook, message) => settleOutbox(store, webhook, message),
    pending: (webhook) => pendingOutbox(store, webhook, OUTBOX_RESUME_LIMIT),
  };
}
