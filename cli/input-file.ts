import { readFile } from 'node:fs/promises';
import { ReadinessError, ERROR_CODES } from '../schemas/errors.js';

/** Reads a whole input file, or stdin for `-`. */
export async function readInput(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
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
