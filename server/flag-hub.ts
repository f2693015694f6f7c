import type { FlagTransition } from '../schemas/flags.js';

/**
 * In-process fan-out of flag transitions. The scoring pass publishes to it as
 * one of its sinks; SSE streams and the webhook dispatcher subscribe. A
 * listener that throws is reported and never stops delivery to the others.
 */

export type TransitionListener = (transition: FlagTransition) => void;

export interface FlagHub {
  publish(transitions: readonly FlagTransition[]): Promise<void>;
  subscribe(listener: TransitionListener): () => void;
  readonly listenerCount: number;
}

export function createFlagHub(onListenerError: (error: unknown) => void): FlagHub {
  const listeners = new Set<TransitionListener>();
  return {
    async publish(transitions) {
      for (const transition of transitions) {
        for (const listener of [...listeners]) {
          try {
            listener(transition);
          } catch (error) {
            onListenerError(error);
          }
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}

/** Optional filter by flag code and severity, shared by SSE streams and webhooks. */
export interface TransitionFilter {
  codes?: readonly string[] | undefined;
  severities?: readonly string[] | undefined;
}

export function matchesFilter(transition: FlagTransition, filter: TransitionFilter): boolean {
  if (filter.codes && filter.codes.length > 0 && !filter.codes.includes(transition.code)) return false;
  if (filter.severities && filter.severities.length > 0 && !filter.severities.includes(transition.severity)) return false;
  return true;
}
