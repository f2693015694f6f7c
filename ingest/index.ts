/** Public surface of ingestion: sources, batching, retries. */
export { ingestFile } from './file-source.js';
export type { FileIngestOptions, IngestSummary, DlqFileEntry } from './file-source.js';
export { BatchWriter } from './batch-writer.js';
export type { BatchWriterOptions, FlushResult } from './batch-writer.js';
export { retryWithBackoff, canRetry } from './retry.js';
export type { RetryOptions } from './retry.js';
export { splitLines } from './lines.js';
export type { RawLine } from './lines.js';
