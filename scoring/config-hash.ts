import { createHash } from 'node:crypto';
import type { ProductsConfig, ProductSettings, Weights } from '../schemas/products.js';

/** JSON with keys sorted at every level, so equal settings always hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Hash of everything in the configuration that can change one product's
 * scores (its profile, thresholds and the scorecard weights). Stored with each
 * snapshot, so an explanation can tell a configuration change from a data change.
 */
export function productConfigHash(product: ProductSettings, weights: Weights): string {
  const text = canonical({ profile: product.profile, thresholds: product.thresholds, weights });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Product name → configuration hash, for every product of a products file. */
export function configHashes(config: ProductsConfig): Map<string, string> {
  return new Map(Object.values(config.products).map((p) => [p.name, productConfigHash(p, config.weights)]));
}
