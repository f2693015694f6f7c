/** Public surface of the composition root: what commands and the service call. */
export { openRuntime } from './open.js';
export type { Runtime, RuntimeOptions } from './open.js';
export { singleProcessLeadership } from './leadership.js';
export { kafkaLeadership } from './kafka-leadership.js';
export type { Leadership, Role } from './leadership.js';
export { runScoringPass, runCollectingPass, runScoringRange, SCORING_CHUNK_SIZE } from './scoring-pass.js';
export type { ScoringContext, PassFilter, PassOptions, PassResult, RangeProgress } from './scoring-pass.js';
export { recordAssessment, recordAssessments, loadAssessmentsNdjson } from './assessments.js';
export type { RecordedAssessments } from './assessments.js';
export { loadAccountsNdjson, loadOutcomesNdjson } from './records.js';
export { calibrate, calibrateWhatIf } from './calibrate.js';
export type { CalibrationOptions, WhatIfResult } from './calibrate.js';
export { startScoringSchedule } from './schedule.js';
export type { ScoringSchedule, ScheduleOptions } from './schedule.js';
export { startIngestion, requireKafka, parseOptionsFor } from './ingestion.js';
export type { Ingestion, PartitionLag } from './ingestion.js';
export { storeWebhookOutbox, webhookOutboxSink, webhookKey } from './webhook-outbox.js';
export type { WebhookOutbox } from './webhook-outbox.js';
