/** Public surface of the composition root: what commands and the service call. */
export { openRuntime } from './open.js';
export type { Runtime, RuntimeOptions } from './open.js';
export { singleProcessLeadership } from './leadership.js';
export { kafkaLeadership } from './kafka-leadership.js';
export type { Leadership, Role } from './leadership.js';
export { startScoringSchedule } from './schedule.js';
export type { ScoringSchedule, ScheduleOptions } from './schedule.js';
export { startIngestion, requireKafka, parseOptionsFor } from './ingestion.js';
export type { Ingestion, PartitionLag } from './ingestion.js';
export { storeWebhookOutbox, webhookOutboxSink, webhookKey } from './webhook-outbox.js';
export type { WebhookOutbox } from './webhook-outbox.js';
