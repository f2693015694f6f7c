import { readFile } from 'node:fs/promises';
import { ReadinessError, ERROR_CODES } from '../schemas/errors.js';
import { parseProducts, type ProductsConfig } from '../schemas/products.js';

/** Reads and validates a products file; errors name the file and the reason. */
export async function loadProductsFile(path: string): Promise<ProductsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ReadinessError(ERROR_CODES.INPUT_NOT_FOUND, `products file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return parseProducts(text, path);
}
