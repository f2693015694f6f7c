import { ingestFile, replayDlqFile, replayDlqTopic, type IngestSummary } from '../ingest/index.js';
import { parseOptionsFor } from './ingestion.js';
import type { Runtime } from './open.js';

/** Events read from a file, stdin or the dead-letter topic by a command, with the runtime's store, limits and products. */

export { assertInputReadable } from '../ingest/index.js';
export type { IngestSummary } from '../ingest/index.js';

export interface FileInput {
  /** File path, or `-` for `stdin`. */
  path: string;
  stdin?: NodeJS.ReadableStream;
  /** Write rejected lines here as NDJSON; omitted: only the rejections table. */
  dlqPath?: string | undefined;
  /** Product of events that name none (default: the products file's). */
  defaultProduct?: string | undefined;
}

function options(runtime: Runtime, input: { dlqPath?: string | undefined; defaultProduct?: string | undefined }) {
  return {
    store: runtime.store,
    config: runtime.config.ingest,
    parse: parseOptionsFor(runtime, input.defaultProduct),
    logger: runtime.logger,
    ...(input.dlqPath === undefined ? {} : { dlqPath: input.dlqPath }),
  };
}

/** `ingest --file`: NDJSON events into the store. */
export function ingestEventsFile(runtime: Runtime, input: FileInput): Promise<IngestSummary> {
  return ingestFile({ ...options(runtime, input), path: input.path, ...(input.stdin ? { stdin: input.stdin } : {}) });
}

/** `dlq replay`: dead-lettered messages re-validated, those that now pass stored. */
export function replayDeadLetters(
  runtime: Runtime,
  source: { topic: string } | { file: string },
  input: { dlqPath?: string | undefined; defaultProduct?: string | undefined },
): Promise<IngestSummary> {
  if ('file' in source) return replayDlqFile(source.file, options(runtime, input));
  return replayDlqTopic(runtime.kafka!, source.topic, options(runtime, input));
}
