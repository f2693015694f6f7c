/** Public surface of the schemas: zod schemas at the edges and the types derived from them. */
export { loadConfig, envSchema } from './config.js';
export type { AppConfig, Env, IngestConfig, KafkaConfig, StoreConfig } from './config.js';
export {
  ReadinessError,
  ConfigError,
  UsageError,
  InputError,
  StoreError,
  ERROR_CODES,
  isReadinessError,
  errorMessage,
} from './errors.js';
export type { ErrorCode, ReadinessErrorOptions } from './errors.js';
export {
  nativeEventSchema,
  segmentTrackSchema,
  timestampSchema,
  normaliseEvent,
  normaliseStatus,
  parseEventBytes,
  parseTimestamp,
  eventJsonSchema,
} from './event.js';
export type { NativeEvent, SegmentTrack, UsageEvent, ParseOptions, RunStatus } from './event.js';
export { ok, deadLetter, drop, isOk, isDeadLetter, isDrop, REJECTION_REASONS, DROP_REASONS } from './result.js';
export type { StepResult, Ok, DeadLetter, Drop, RejectionReason, DropReason } from './result.js';
