import type { IngestConfig } from '../schemas/config.js';
import type { ParseOptions } from '../schemas/event.js';

/**
 * Validation settings for every event source (file, stdin, Kafka, replay), so
 * all of them accept and reject exactly the same input.
 */
export function eventParseOptions(config: IngestConfig, defaultProduct: string | undefined): ParseOptions {
  return {
    maxBytes: config.maxEventBytes,
    maxFutureSkewMs: config.maxFutureSkewMs,
    minTimestampMs: config.minTimestampMs,
    defaultProduct: defaultProduct ?? '',
  };
}
