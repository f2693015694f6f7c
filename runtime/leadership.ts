/**
 * Which replica runs the duties only one process may run (the scoring
 * schedule, webhook delivery). With Kafka configured the leader is elected
 * through a consumer group (runtime/kafka-leadership.ts); without Kafka the
 * single process is the leader.
 */

export type Role = 'leader' | 'follower';

export interface Leadership {
  readonly role: Role;
  /** How the role is decided, for /readyz and the logs. */
  readonly mechanism: 'single-process' | 'kafka-group';
  /**
   * Calls `listener` with the current role now and on every change; the first call
   * also enters the election. Returns an unsubscribe function.
   */
  watch(listener: (role: Role) => void): () => void;
  /** Leaves the election (a follower takes over at once). */
  close(): Promise<void>;
}

/** The process is the leader for its whole life. */
export function singleProcessLeadership(): Leadership {
  return {
    role: 'leader',
    mechanism: 'single-process',
    watch(listener) {
      listener('leader');
      return () => undefined;
    },
    close: async () => undefined,
  };
}
