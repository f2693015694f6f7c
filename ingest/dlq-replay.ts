import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IngestConfig } from '../schemas/config.js';
import { parseEventBytes, type ParseOptions } from '../schemas/event.js';
import { ERROR_CODES, InputError, ReadinessError } from '../schemas/errors.js';
import { deadLetter } from '../schemas/result.js';
import type { Store } from '../transforms/index.js';
import { BatchWriter } from './batch-writer.js';
import { DLQ_HEADERS } from './dlq-headers.js';
import { DlqFile, keepsBytes } from './dlq-file.js';
import { headerText, type ConsumedRecord, type GroupConsumerOptions, type KafkaClient } from './kafka-client.js';
import { readTopicToEnd } from './kafka-reader.js';
import { splitLines } from './lines.js';
import { OutcomeHandler, type IngestSummary } from './outcome.js';

/**
 * Re-submits dead-lettered input through validation into the store, after a
 * fix (a producer bug, a clock, a limit). Sources: the dead-letter topic
 * (read from its beginning to its end offsets at start) or a DLQ file written
 * by `ingest --dlq`. What still fails is counted and optionally written to a
 * new DLQ file; it is not dead-lettered again (it already was once) and not
 * added to the rejections table a second time.
 */

export interface ReplayOptions {
  store: Store;
  config: IngestConfig;
  parse: ParseOptions;
  logger: Logger;
  /** Write what still fails here (NDJSON, the `ingest --dlq` format). */
  dlqPath?: string;
}

interface ReplayItem {
  bytes: Buffer;
  /** Where the original came from, for the new DLQ file. */
  source: string;
  line: number;
}

const dlqEntrySchema = z.object({
  line: z.number().int().nonnegative(),
  reason: z.string(),
  message: z.string(),
  source: z.string().optional(),
  text: z.string(),
  bytes_base64: z.string().optional(),
});

class Replayer {
  private readonly writer: BatchWriter<ReplayItem>;
  private readonly out: DlqFile | undefined;
  private readonly outcomes: OutcomeHandler<ReplayItem, undefined>;
  private readonly started = Date.now();
  private batches = 0;
  complete = true;

  constructor(
    private readonly options: ReplayOptions,
    private readonly source: string,
  ) {
    this.out = options.dlqPath ? new DlqFile(options.dlqPath) : undefined;
    // What still fails goes to the new DLQ file only: it was dead-lettered and counted once already.
    this.outcomes = new OutcomeHandler<ReplayItem, undefined>({
      accept: (_t, event, item) => this.writer.addEvent(event, item),
      reject: (_t, item, reason, message) => this.out?.write({ line: item.line, reason, message, source: item.source }, item.bytes, keepsBytes(reason)),
    });
    this.writer = new BatchWriter<ReplayItem>({
      store: options.store,
      config: options.config,
      logger: options.logger,
      source: 'replay',
      onFlush: () => this.batches++,
      onRefused: (item, message) => void this.outcomes.refused(item, message, undefined)?.catch(() => undefined),
    });
  }

  async add(items: readonly ReplayItem[]): Promise<void> {
    const { parse, config } = this.options;
    for (const item of items) {
      const result =
        item.bytes.byteLength > config.maxEventBytes
          ? deadLetter('oversized', `message is ${item.bytes.byteLength} bytes; the limit is ${config.maxEventBytes}`)
          : parseEventBytes(item.bytes, parse);
      await this.outcomes.handle(result, item, undefined);
      if (this.writer.isDue()) await this.writer.flush();
    }
  }

  async finish(): Promise<IngestSummary> {
    try {
      await this.writer.flush();
    } finally {
      await this.out?.close();
    }
    return { source: this.source, ...this.outcomes.counts, batches: this.batches, complete: this.complete, durationMs: Date.now() - this.started };
  }
}

/** Replays a DLQ file written by `ingest --dlq` (or by a previous replay). */
export async function replayDlqFile(path: string, options: ReplayOptions): Promise<IngestSummary> {
  try {
    await access(path);
  } catch (error) {
    throw new ReadinessError(ERROR_CODES.INPUT_NOT_FOUND, `DLQ file ${path} cannot be read`, { cause: error });
  }
  const replayer = new Replayer(options, `dlq-file:${path}`);
  // An entry holds the text and possibly its base64 copy: allow for both plus the JSON around them.
  const maxLine = options.config.maxEventBytes * 4 + 64 * 1024;
  try {
    for await (const line of splitLines(createReadStream(path), maxLine)) {
      const text = line.bytes.toString('utf8').trim();
      if (text === '') continue;
      let entry: z.output<typeof dlqEntrySchema>;
      try {
        entry = dlqEntrySchema.parse(JSON.parse(text));
      } catch {
        throw new InputError(
          `${path} line ${line.number} is not a dead-letter entry (expected an object with line, reason, message, text as written by ingest --dlq)`,
        );
      }
      const bytes = entry.bytes_base64 !== undefined ? Buffer.from(entry.bytes_base64, 'base64') : Buffer.from(entry.text, 'utf8');
      await replayer.add([{ bytes, source: entry.source ?? `dlq-file:${path}`, line: entry.line }]);
    }
  } catch (error) {
    await replayer.finish().catch(() => undefined);
    throw error;
  }
  return replayer.finish();
}

function recordSource(record: ConsumedRecord): string {
  const topic = headerText(record, DLQ_HEADERS.sourceTopic);
  const partition = headerText(record, DLQ_HEADERS.sourcePartition);
  const offset = headerText(record, DLQ_HEADERS.sourceOffset);
  return topic !== undefined
    ? `kafka:${topic}/${partition ?? '?'}/${offset ?? '?'}`
    : `kafka:${record.topic}/${record.partition}/${record.offset}`;
}

/** Replays a dead-letter topic from its beginning to the end offsets it had at start. */
export async function replayDlqTopic(
  kafka: KafkaClient,
  topic: string,
  options: ReplayOptions & { consumer?: Partial<GroupConsumerOptions> },
): Promise<IngestSummary> {
  const replayer = new Replayer(options, `dlq-topic:${topic}`);
  let index = 0;
  try {
    const read = await readTopicToEnd(
      kafka,
      topic,
      (records) =>
        replayer.add(records.map((r) => ({ bytes: r.value ?? Buffer.alloc(0), source: recordSource(r), line: ++index }))),
      { logger: options.logger, consumer: options.consumer },
    );
    replayer.complete = read.complete;
  } catch (error) {
    await replayer.finish().catch(() => undefined);
    throw error;
  }
  return replayer.finish();
}
