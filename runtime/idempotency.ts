import { ERROR_CODES, ReadinessError } from '../schemas/errors.js';
import { keyedQueue, readIdempotencyKey, recordIdempotencyKey, type Store } from '../transforms/index.js';

/** A request made with an Idempotency-Key. */
export interface KeyedRequest<R> {
  /** Where keys are unique (e.g. one account-product's assessments). */
  scope: string;
  key: string;
  /** Digest of the request as sent: the same key with another request is refused. */
  sha256: string;
  /** The resolved request (defaults filled in), what `act` is given. */
  value: R;
  /** Status recorded with the answer. */
  status: number;
  /** Message of the IDEMPOTENCY_KEY_REUSED error. */
  reusedMessage: string;
}

/**
 * Acts once per key: the first request with a key acts and its answer is recorded; a retry with
 * the same key and request gets that answer back (`replayed`); the same key with another request
 * is refused. A first attempt that died midway left its resolved request, and acting again uses
 * that one, not the retry's (its defaults, such as a time, were filled in then). Only an answer is
 * recorded, not a failure: a retry after one acts again. Requests with the same key run one after
 * another within this process.
 */
export function createIdempotency(store: Store) {
  const queued = keyedQueue<string>();
  return <R, T>(request: KeyedRequest<R>, act: (value: R) => Promise<T>): Promise<{ body: T; replayed: boolean }> =>
    queued(`${request.scope}\u0000${request.key}`, async () => {
      const { scope, key, sha256 } = request;
      const prior = await readIdempotencyKey(store, scope, key);
      if (prior && prior.request_sha256 !== sha256) throw new ReadinessError(ERROR_CODES.IDEMPOTENCY_KEY_REUSED, request.reusedMessage);
      if (prior?.state === 'done') return { body: JSON.parse(prior.response) as T, replayed: true };
      const value = prior ? (JSON.parse(prior.request) as R) : request.value;
      if (!prior) await recordIdempotencyKey(store, scope, key, { request_sha256: sha256, state: 'started', request: JSON.stringify(value), status: 0, response: '' });
      const body = await act(value);
      await recordIdempotencyKey(store, scope, key, { request_sha256: sha256, state: 'done', request: JSON.stringify(value), status: request.status, response: JSON.stringify(body) });
      return { body, replayed: false };
    });
}
