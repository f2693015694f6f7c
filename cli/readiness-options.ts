import { readFile } from 'node:fs/promises';
import { daySchema } from '../schemas/day.js';
import { ReadinessError, ERROR_CODES, UsageError } from '../schemas/errors.js';
import type { ProductsConfig } from '../schemas/products.js';
import { loadProductsFile } from '../scoring/index.js';
import type { CommandContext } from './context.js';

/** Option parsing shared by the readiness subcommands (score, report, accounts, assess). */

/** Validates a day option, naming the option and the value on failure. */
export function dayOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = daySchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${name} ${JSON.stringify(value)} ${parsed.error.issues[0]?.message ?? 'is not a day'} (expected YYYY-MM-DD, UTC)`);
  return parsed.data;
}

/** The products file given by --products, else PRODUCTS_FILE, else the shipped default. */
export function loadProducts(ctx: CommandContext, path: string | undefined): Promise<ProductsConfig> {
  return loadProductsFile(path ?? ctx.config.scoring.productsFile);
}

/** Reads a whole input file, or stdin for `-`. */
export async function readInput(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (path !== '-') {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new ReadinessError(ERROR_CODES.INPUT_NOT_FOUND, `input file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export const PRODUCTS_HELP = 'products file (JSON); default: PRODUCTS_FILE, else the shipped config/products.json';
