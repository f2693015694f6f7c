import type { FlagTransition } from '../schemas/flags.js';

export { matchesFilter, type TransitionFilter } from '../schemas/flags.js';

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
