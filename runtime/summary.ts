import type { ProductsConfig } from '../schemas/products.js';
import { readProductTypeCounts, readUsageTrends, type Store } from '../transforms/index.js';
import { rollupByProductType, trendRules, withTrends, type ProductTypeRollup } from '../scoring/index.js';

/** The product-type summary the API, the CLI and the dashboard show: the rollup of the latest snapshots' typed columns (counted in the store) with each type's and product's weekly trend. */

export interface ProductTypeSummary {
  /** Latest scored day among the reports (null when nothing is scored); the trend's weeks end on it. */
  as_of: string | null;
  items: ProductTypeRollup[];
}

export async function productTypeSummary(store: Store, products: ProductsConfig, query: { asOf?: string } = {}): Promise<ProductTypeSummary> {
  const counts = await readProductTypeCounts(store, query.asOf);
  const asOf = counts.reduce<string | null>((max, r) => (max === null || r.as_of > max ? r.as_of : max), null);
  const rollups = rollupByProductType(counts);
  if (asOf === null) return { as_of: null, items: rollups };
  const rows = await readUsageTrends(store, asOf, trendRules(products));
  return { as_of: asOf, items: withTrends(rollups, rows, products) };
}
