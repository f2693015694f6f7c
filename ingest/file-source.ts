import { constants, createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { IngestConfig } from '../schemas/config.js';
import { parseEventBytes, type ParseOptions } from '../schemas/event.js';
import { ReadinessError, ERROR_CODES } from '../schemas/errors.js';
import { deadLetter, type RejectionReason } from '../schemas/result.js';
import type { Store } from '../transforms/index.js';
import { BatchWriter } from './batch-writer.js';
import { splitLines } from './lines.js';

/**
 * The embedded source: NDJSON events from a file or stdin, through the same
 * validation and batching as Kafka. Rejected lines go to an optional DLQ file
 * (one JSON object per line: line number, reason, message, original text) and
 * to the `rejections` table.
 */

export interface FileIngestOptions {
  /** File path, or `-` for stdin. */
  path: string;
  /** Where to write rejected lines as NDJSON; omitted: only the rejections table. */
  dlqPath?: string;
  store: Store;
  config: IngestConfig;
  parse: ParseOptions;
  logger: Logger;
  stdin?: NodeJS.ReadableStream;
}

export interface IngestSummary {
  source: string;
  lines: number;
  accepted: number;
  rejected: number;
  dropped: number;
  rejectedByReason: Partial<Record<RejectionReason, number>>;
  batches: number;
  durationMs: number;
}

/** One line of the DLQ file. */
export interface DlqFileEntry {
  line: number;
  reason: RejectionReason;
  message: string;
  source: string;
  /** The original line as text (invalid UTF-8 replaced). */
  text: string;
  /** The original bytes, present when they were not valid UTF-8 or were cut. */
  bytes_base64?: string;
}

function writeLine(stream: WriteStream, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(`${JSON.stringify(value)}\n`, (error) => (error ? reject(error) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Fails with INPUT_NOT_FOUND unless `path` (not stdin, `-`) can be read; callers check before opening the store. */
export async function assertInputReadable(path: string): Promise<void> {
  if (path === '-') return;
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    throw new ReadinessError(ERROR_CODES.INPUT_NOT_FOUND, `input file ${path} cannot be read`, { cause: error });
  }
}

export async function ingestFile(options: FileIngestOptions): Promise<IngestSummary> {
  const { path, store, config, parse, logger } = options;
  const source = path === '-' ? 'stdin' : `file:${path}`;
  await assertInputReadable(path);
  const input = path === '-' ? (options.stdin ?? process.stdin) : createReadStream(path);
  const dlq = options.dlqPath ? createWriteStream(options.dlqPath, { flags: 'w' }) : undefined;
  const summary: IngestSummary = {
    source,
    lines: 0,
    accepted: 0,
    rejected: 0,
    dropped: 0,
    rejectedByReason: {},
    batches: 0,
    durationMs: 0,
  };
  const started = Date.now();
  const writer = new BatchWriter({
    store,
    config,
    logger,
    source,
    onFlush: (r) => {
      summary.batches++;
      logger.debug({ events: r.events, rejections: r.rejections, ms: r.durationMs }, 'batch written');
    },
  });

  // A slow stream (`tail -f … | ingest --file -`) must not hold a part-filled batch until the
  // next line arrives: a timer flushes it once BATCH_MAX_WAIT_MS has passed.
  let flushing: Promise<unknown> | undefined;
  let timerError: unknown;
  const flushNow = () =>
    (flushing ??= writer.flush().finally(() => {
      flushing = undefined;
    }));
  const timer = setInterval(
    () => {
      if (!flushing && writer.isDue()) flushNow().catch((error: unknown) => (timerError = error));
    },
    Math.max(20, Math.floor(config.batchMaxWaitMs / 2)),
  );
  try {
    for await (const line of splitLines(input as AsyncIterable<Buffer>, config.maxEventBytes)) {
      if (timerError !== undefined) throw timerError;
      if (line.bytes.length === 0 && !line.oversized) continue;
      if (line.bytes.toString('utf8').trim() === '') continue;
      summary.lines++;
      const result = line.oversized
        ? deadLetter('oversized', `line is ${line.byteLength} bytes; the limit is ${config.maxEventBytes}`)
        : parseEventBytes(line.bytes, parse);
      if (result.kind === 'ok') {
        writer.addEvent(result.value);
        summary.accepted++;
      } else if (result.kind === 'drop') {
        summary.dropped++;
      } else {
        summary.rejected++;
        summary.rejectedByReason[result.reason] = (summary.rejectedByReason[result.reason] ?? 0) + 1;
        writer.addRejection({ reason: result.reason, message: result.message, source, line: line.number, payload: line.bytes });
        if (dlq) {
          const text = line.bytes.toString('utf8');
          const entry: DlqFileEntry = { line: line.number, reason: result.reason, message: result.message, source, text };
          if (result.reason === 'invalid_utf8' || line.oversized) entry.bytes_base64 = line.bytes.toString('base64');
          await writeLine(dlq, entry);
        }
      }
      if (writer.isDue()) await flushNow();
    }
    await flushing;
    if (timerError !== undefined) throw timerError;
    await writer.flush();
  } finally {
    clearInterval(timer);
    if (dlq) await closeStream(dlq);
  }
  summary.durationMs = Date.now() - started;
  return summary;
}
