/** Public surface of the schemas: zod schemas at the edges and the types derived from them. */
export { loadConfig, envSchema } from './config.js';
export type { AppConfig, Env, IngestConfig, KafkaConfig, StoreConfig } from './config.js';
export {
  ReadinessError,
  ConfigError,
  UsageError,
  InputError,
  StoreError,
  StoreQueryError,
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
export { daySchema, instantSchema, instantMs, utcToday, addDays, daysBetween, weekday } from './day.js';
export type { Day } from './day.js';
export { describeIssues } from './issues.js';
export {
  PROFILES,
  DIMENSIONS,
  PROFILE_DEFAULTS,
  DEFAULT_WEIGHTS,
  thresholdsSchema,
  productEntrySchema,
  productsFileSchema,
  weightsSchema,
  parseProducts,
  productsFromValue,
} from './products.js';
export type { Profile, Dimension, Thresholds, Weights, ProductsFile, ProductSettings, ProductsConfig } from './products.js';
export { accountRecordSchema, parseAccountRecord, parseAccountLine } from './accounts.js';
export type { AccountRecord, AccountRecordInput, ParseResult } from './accounts.js';
export { assessmentSchema, parseAssessment, parseAssessmentLine } from './assessment.js';
export type { Assessment, AssessmentInput } from './assessment.js';
export { FLAG_CODES, SEVERITIES, TRANSITION_KINDS, flagTransitionSchema, flagTransitionJsonSchema } from './flags.js';
export type { FlagCode, Severity, TransitionKind, FlagTransition } from './flags.js';
export { decodeJsonBytes } from './json-bytes.js';
