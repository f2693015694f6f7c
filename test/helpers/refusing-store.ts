import { StoreQueryError } from '../../schemas/errors.js';
import type { Store } from '../../transforms/index.js';

/**
 * The real store, except that an events insert holding a row whose bytes contain `marker`
 * fails as the engine fails on a statement error: the whole insert refused, nothing stored.
 */
export function refusingStore(real: Store, marker: string): Store & { refusals: () => number } {
  let refusals = 0;
  return {
    ...real,
    insertBody: async (table, columns, body, format, where) => {
      if (table === 'events' && body.includes(marker)) {
        refusals++;
        throw new StoreQueryError(`insert into events failed: Code: 27. DB::Exception: Cannot parse input: injected refusal of ${marker}. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)`);
      }
      await real.insertBody(table, columns, body, format, where);
    },
    refusals: () => refusals,
  };
}
