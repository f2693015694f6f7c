import { eventParseOptions } from '../ingest/index.js';
import type { ParseOptions } from '../schemas/event.js';
import type { CommandContext } from './context.js';
import { loadProducts } from './readiness-options.js';

export const DEFAULT_PRODUCT_HELP = "product for events that name none (default: the products file's default_product, else none)";

/**
 * Event validation settings for a command that reads events: the configured
 * limits, and the default product from --default-product or the products file.
 */
export async function eventOptions(ctx: CommandContext, opts: { defaultProduct?: string; products?: string }): Promise<ParseOptions> {
  const defaultProduct = opts.defaultProduct ?? (await loadProducts(ctx, opts.products)).defaultProduct;
  return eventParseOptions(ctx.config.ingest, defaultProduct);
}
