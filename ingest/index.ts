/** Public surface of ingestion: sources, batching, retries. */
export { assertInputReadable, ingestFile } from './file-source.js';
export { eventParseOptions } from './parse-options.js';
export type { FileIngestOptions } from './file-source.js';
export type { IngestCounts, IngestSummary } from './outcome.js';
export type { DlqFileEntry } from './dlq-file.js';
export { BatchWriter } from './batch-writer.js';
export type { BatchWriterOptions, FlushResult } from './batch-writer.js';
export { retryWithBackoff, canRetry } from './retry.js';
export type { RetryOptions } from './retry.js';
export { splitLines } from './lines.js';
export type { RawLine } from './lines.js';
export { createKafkaClient, toKafkaError, headerText, whileHeartbeating } from './kafka-client.js';
export type {
  KafkaClient,
  GroupConsumer,
  GroupConsumerOptions,
  GroupEvent,
  BatchControls,
  BatchHandler,
  ConsumedBatch,
  ConsumedRecord,
  OutgoingMessage,
  PartitionRange,
  TopicPartitionOffset,
  TopicPartitions,
} from './kafka-client.js';
export { startEventConsumer } from './kafka-source.js';
export type {
  EventConsumerHandle,
  EventConsumerMetrics,
  EventConsumerOptions,
  EventConsumerState,
  EventConsumerStatus,
} from './kafka-source.js';
export { startJsonConsumer, parseJsonRecord } from './kafka-json.js';
export type { JsonConsumerHandle, JsonConsumerOptions, JsonRecord } from './kafka-json.js';
export { readTopicToEnd } from './kafka-reader.js';
export type { ReadToEndOptions, ReadToEndResult } from './kafka-reader.js';
export { DLQ_HEADERS, dlqMessage } from './dlq-headers.js';
export { replayDlqFile, replayDlqTopic } from './dlq-replay.js';
export type { ReplayOptions } from './dlq-replay.js';
export { startAccountsConsumer } from './accounts-consumer.js';
export { startOutcomesConsumer } from './outcomes-consumer.js';
export type { OutcomesConsumerOptions } from './outcomes-consumer.js';
export type { AccountsConsumerOptions } from './accounts-consumer.js';
export { kafkaFlagSink } from './flag-publisher.js';
