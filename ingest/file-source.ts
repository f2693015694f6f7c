import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { IngestConfig } from '../schemas/config.js';
import { parseEventBytes, type ParseOptions } from '../schemas/event.js';
import { ReadinessError, ERROR_CODES } from '../schemas/errors.js';
import { deadLetter } from '../schemas/result.js';
import type { Store } from '../transforms/index.js';
import { BatchWriter } from './batch-writer.js';
import { DlqFile, keepsBytes } from './dlq-file.js';
import { splitLineBatches } from './lines.js';
import { OutcomeHandler, type IngestSummary } from './outcome.js';

/**
 * The embedded source: NDJSON events from a file or stdin, through the same validation, outcome
 * handler and batching as Kafka. Rejected lines go to an optional DLQ file (one JSON object per
 * line: line number, reason, message, original text) and to the `rejections` table; lines the
 * store refuses are isolated and rejected as `store_rejected`, the rest stored.
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

interface Line {
  number: number;
  bytes: Buffer;
  cut: boolean;
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

/** A line of nothing but whitespace, skipped; an event line starts with `{` and is never decoded here. */
function blank(bytes: Buffer): boolean {
  return bytes[0] !== 0x7b && bytes.toString('utf8').trim() === '';
}

export async function ingestFile(options: FileIngestOptions): Promise<IngestSummary> {
  const { path, store, config, parse, logger } = options;
  const source = path === '-' ? 'stdin' : `file:${path}`;
  await assertInputReadable(path);
  // 256 KiB reads: fewer chunks to split and hand over than the default 64 KiB, while each turn of
  // the event loop (the validation of one chunk) stays short enough for the insert in flight to
  // send its next statement soon; with 1 MiB the engine sat idle waiting for those turns.
  const input = path === '-' ? (options.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: 256 * 1024 });
  const dlq = options.dlqPath ? new DlqFile(options.dlqPath) : undefined;
  const started = Date.now();
  let batches = 0;
  const outcomes = new OutcomeHandler<Line, undefined>({
    accept: (_t, event, line) => writer.addEvent(event, line),
    reject: (_t, line, reason, message) => {
      writer.addRejection({ reason, message, source, line: line.number, payload: line.bytes });
      return dlq?.write({ line: line.number, reason, message, source }, line.bytes, keepsBytes(reason, line.cut));
    },
  });
  const writer: BatchWriter<Line> = new BatchWriter<Line>({
    store,
    config,
    logger,
    source,
    onFlush: (r) => {
      batches++;
      logger.debug({ events: r.events, rejections: r.rejections, refused: r.refused, ms: r.durationMs }, 'batch written');
    },
    // The DLQ file write is buffered by its stream; its errors surface at the next write or close.
    onRefused: (line, message) => void outcomes.refused(line, message, undefined)?.catch(() => undefined),
  });

  // One insert runs while the next batch is read and validated (the engine works on its own
  // threads); batches are still written in order, one at a time. While lines keep coming, a
  // batch fills to BATCH_MAX_ROWS (fewer, larger inserts). A slow stream
  // (`tail -f … | ingest --file -`) must not hold a part-filled batch until the next line
  // arrives: while the reader waits for input, a timer flushes it once BATCH_MAX_WAIT_MS has passed.
  let flushing: Promise<unknown> | undefined;
  let flushError: unknown;
  const flushNow = () =>
    (flushing ??= writer
      .flush()
      .catch((error: unknown) => (flushError ??= error))
      .finally(() => {
        flushing = undefined;
      }));
  let waitingForInput = false;
  const timer = setInterval(
    () => {
      if (waitingForInput && !flushing && writer.isDue()) void flushNow();
    },
    Math.max(20, Math.floor(config.batchMaxWaitMs / 2)),
  );
  try {
    const chunks = splitLineBatches(input as AsyncIterable<Buffer>, config.maxEventBytes);
    for (;;) {
      waitingForInput = true;
      const next = await chunks.next();
      waitingForInput = false;
      if (next.done === true) break;
      for (const raw of next.value) {
        if (flushError !== undefined) throw flushError;
        if (raw.bytes.length === 0 && !raw.oversized) continue;
        if (blank(raw.bytes)) continue;
        const line: Line = { number: raw.number, bytes: raw.bytes, cut: raw.oversized };
        const result = raw.oversized
          ? deadLetter('oversized', `line is ${raw.byteLength} bytes; the limit is ${config.maxEventBytes}`)
          : parseEventBytes(raw.bytes, parse);
        const written = outcomes.handle(result, line, undefined);
        if (written) await written;
        if (writer.isFull()) {
          await flushing;
          if (writer.isFull()) void flushNow();
        }
      }
    }
    await flushing;
    if (flushError !== undefined) throw flushError;
    await writer.flush();
  } finally {
    clearInterval(timer);
    await flushing;
    await dlq?.close();
  }
  return { source, ...outcomes.counts, batches, complete: true, durationMs: Date.now() - started };
}
