import { daySchema } from '../schemas/day.js';
import { UsageError } from '../schemas/errors.js';

/** Option parsing shared by the readiness subcommands (score, report, accounts, assess). */

/** Validates a day option, naming the option and the value on failure. */
export function dayOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = daySchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${name} ${JSON.stringify(value)} ${parsed.error.issues[0]?.message ?? 'is not a day'} (expected YYYY-MM-DD, UTC)`);
  return parsed.data;
}

export const PRODUCTS_HELP = 'products file (JSON); default: PRODUCTS_FILE, else the shipped config/products.json';
