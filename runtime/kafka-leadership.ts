import type { Logger } from 'pino';
import type { KafkaClient } from '../ingest/index.js';
import { errorMessage } from '../schemas/errors.js';
import type { Leadership, Role } from './leadership.js';

/**
 * Leader election through Kafka's group membership, no consensus of our own:
 * every replica joins one consumer group subscribed to a one-partition control
 * topic (nothing is ever produced to it). The broker's group coordinator
 * assigns that partition to exactly one member: the leader. When the leader
 * leaves (stop) the group rebalances at once; when it dies or hangs, the
 * coordinator drops it after `sessionTimeoutMs` without a heartbeat and the
 * rebalance hands partition 0 to a surviving replica.
 *
 * A replica steps down as soon as a rebalance starts and only leads again when
 * the new assignment gives it partition 0, so two replicas never both believe
 * they lead while each hears from the coordinator. A leader cut off from the
 * broker learns it lost the group at its next failed heartbeat, then steps down.
 */

export interface KafkaLeadershipOptions {
  /** Group and topic name (the same for every replica of one deployment). */
  name: string;
  sessionTimeoutMs: number;
  logger: Logger;
}

const CONTROL_PARTITION = 0;

export async function kafkaLeadership(kafka: KafkaClient, options: KafkaLeadershipOptions): Promise<Leadership> {
  const { name, logger } = options;
  await kafka.ensureTopics([{ topic: name, partitions: 1 }]);
  const consumer = kafka.groupConsumer({
    groupId: name,
    topics: [name],
    sessionTimeoutMs: options.sessionTimeoutMs,
    // Several heartbeats per session: a rebalance is noticed within a heartbeat.
    heartbeatIntervalMs: Math.max(100, Math.floor(options.sessionTimeoutMs / 10)),
    rebalanceTimeoutMs: options.sessionTimeoutMs,
    maxWaitTimeMs: Math.max(100, Math.floor(options.sessionTimeoutMs / 10)),
  });
  const listeners = new Set<(role: Role) => void>();
  let role: Role = 'follower';
  let closed = false;
  const set = (next: Role, why: string) => {
    if (next === role) return;
    role = next;
    logger.info({ role, election: name, why }, next === 'leader' ? 'elected leader' : 'no longer the leader');
    for (const listener of [...listeners]) listener(next);
  };
  consumer.onEvent((event) => {
    switch (event.type) {
      case 'joined':
        set(closed ? 'follower' : (event.assignment[name] ?? []).includes(CONTROL_PARTITION) ? 'leader' : 'follower', 'group joined');
        break;
      case 'rebalancing':
        set('follower', 'group rebalancing');
        break;
      case 'crashed':
        logger.warn({ err: errorMessage(event.error), restarting: event.restarting }, 'leader election consumer failed');
        set('follower', 'election consumer failed');
        break;
      case 'stopped':
        set('follower', 'left the group');
        break;
    }
  });
  // Joined on the first watch, when the service is ready to lead (after start-up work such as loading example data).
  let joined = false;
  const join = () => {
    if (joined || closed) return;
    joined = true;
    // Nothing is produced to the control topic; the handler only exists to keep the member fetching (and heartbeating).
    consumer.start(async () => undefined).catch((error: unknown) => {
      logger.error({ err: errorMessage(error) }, 'cannot join the leader election: this replica stays a follower');
    });
  };
  return {
    get role() {
      return role;
    },
    mechanism: 'kafka-group',
    watch(listener) {
      listeners.add(listener);
      listener(role);
      join();
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      set('follower', 'shutting down');
      listeners.clear();
      // Leaving (rather than going silent) lets another replica take over at once.
      if (joined) await consumer.stop();
    },
  };
}
