import { z } from 'zod';
import { instantOutOfBounds, readInstant } from './day.js';
import { decodeJsonBytes } from './json-bytes.js';
import { deadLetter, drop, ok, type StepResult } from './result.js';
import { fastEvent } from './event-fast.js';
import { idSchema, labelSchema } from './text.js';
import { normaliseStatus, type ParseOptions, type UsageEvent } from './usage-event.js';

export { normaliseStatus, type ParseOptions, type RunStatus, type UsageEvent } from './usage-event.js';

/**
 * Accepted input forms for product events and their normalisation into one
 * internal `UsageEvent`. Two wire forms are accepted:
 *  - native: `{event_id, account_id, user_id, event, timestamp, product?, feature?, workflow?, status?, properties?}`
 *  - Segment/RudderStack `track`: `{messageId, userId, event, timestamp, context.groupId | properties.account_id, properties.{product,feature,workflow,status}}`
 * A message is read as Segment when it carries `messageId`, otherwise as native.
 */

const id = (what: string) => idSchema(what);
const optionalLabel = (what: string) => labelSchema(what);

const TIMESTAMP_FORM = 'timestamp must be ISO-8601 (e.g. 2026-03-01T09:30:00Z) or epoch milliseconds';

/**
 * ISO-8601 text (a missing offset means UTC) or integer epoch milliseconds. The text must be a
 * real calendar date-time (2026-02-30 is refused, not rolled over); bounds are checked after
 * parsing, against the deployment's settings.
 */
export const timestampSchema = z.union(
  [
    z.number().int('epoch timestamps must be integer milliseconds'),
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/, TIMESTAMP_FORM)
      .superRefine((text, ctx) => {
        const read = readInstant(text);
        if (!read.ok) ctx.addIssue({ code: 'custom', message: `timestamp ${JSON.stringify(text)} ${read.problem}` });
      }),
  ],
  { error: (issue) => (issue.input === undefined ? 'timestamp is missing' : `${TIMESTAMP_FORM}, got ${typeof issue.input}`) },
);

const propertiesSchema = z.record(z.string(), z.unknown(), { error: 'properties must be an object' });

export const nativeEventSchema = z.object({
  event_id: id('event_id'),
  account_id: id('account_id'),
  user_id: id('user_id'),
  event: id('event'),
  timestamp: timestampSchema,
  product: optionalLabel('product'),
  feature: optionalLabel('feature'),
  workflow: optionalLabel('workflow'),
  status: optionalLabel('status'),
  properties: propertiesSchema.optional(),
});
export type NativeEvent = z.input<typeof nativeEventSchema>;

export const segmentTrackSchema = z
  .object({
    type: z.string().optional(),
    messageId: id('messageId'),
    userId: id('userId'),
    event: id('event'),
    timestamp: timestampSchema,
    context: z.object({ groupId: id('context.groupId').optional() }).passthrough().optional(),
    properties: z
      .object({
        account_id: id('properties.account_id').optional(),
        product: optionalLabel('properties.product'),
        feature: optionalLabel('properties.feature'),
        workflow: optionalLabel('properties.workflow'),
        status: optionalLabel('properties.status'),
      })
      .passthrough()
      .optional(),
  })
  .refine((m) => Boolean(m.context?.groupId ?? m.properties?.account_id), {
    message: 'an account is required: context.groupId or properties.account_id',
    path: ['context', 'groupId'],
  });
export type SegmentTrack = z.input<typeof segmentTrackSchema>;

/** Epoch milliseconds of a timestamp accepted by `timestampSchema`. */
export function parseTimestamp(value: string | number): number {
  if (typeof value === 'number') return value;
  const read = readInstant(value);
  return read.ok ? read.ms : Number.NaN;
}

/** `path: reason` pairs; reasons of the shared id and text schemas already name their field. */
function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.join('.');
      return where && !i.message.startsWith(where) ? `${where}: ${i.message}` : i.message;
    })
    .join('; ');
}

function fromNative(e: z.output<typeof nativeEventSchema>, defaultProduct: string): Omit<UsageEvent, 'timestamp'> {
  return {
    eventId: e.event_id,
    accountId: e.account_id,
    userId: e.user_id,
    event: e.event,
    product: e.product || defaultProduct,
    feature: e.feature ?? '',
    workflow: e.workflow ?? '',
    status: normaliseStatus(e.status),
    properties: e.properties ?? {},
  };
}

function fromSegment(m: z.output<typeof segmentTrackSchema>, defaultProduct: string): Omit<UsageEvent, 'timestamp'> {
  const p = m.properties ?? {};
  const { account_id: _a, product, feature, workflow, status, ...rest } = p;
  return {
    eventId: m.messageId,
    accountId: (m.context?.groupId ?? p.account_id) as string,
    userId: m.userId,
    event: m.event,
    product: product || defaultProduct,
    feature: feature ?? '',
    workflow: workflow ?? '',
    status: normaliseStatus(status),
    properties: rest,
  };
}

/** Validates an already-decoded JSON value. */
export function normaliseEvent(value: unknown, options: ParseOptions): StepResult<UsageEvent> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return deadLetter('schema_violation', 'an event must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  let base: Omit<UsageEvent, 'timestamp'>;
  let rawTimestamp: string | number;
  if ('messageId' in record) {
    if (record.type !== undefined && record.type !== 'track') {
      return drop('not_a_track_call', `Segment "${String(record.type)}" calls carry no usage; only "track" is read`);
    }
    const parsed = segmentTrackSchema.safeParse(record);
    if (!parsed.success) return deadLetter('schema_violation', formatIssues(parsed.error));
    base = fromSegment(parsed.data, options.defaultProduct);
    rawTimestamp = parsed.data.timestamp;
  } else {
    const parsed = nativeEventSchema.safeParse(record);
    if (!parsed.success) return deadLetter('schema_violation', formatIssues(parsed.error));
    base = fromNative(parsed.data, options.defaultProduct);
    rawTimestamp = parsed.data.timestamp;
  }
  if (!base.product) {
    return deadLetter('schema_violation', 'product is missing and no default product is set (--default-product or the products file)');
  }
  const timestamp = parseTimestamp(rawTimestamp);
  if (!Number.isFinite(timestamp)) {
    return deadLetter('schema_violation', `timestamp ${JSON.stringify(rawTimestamp)} is not a valid date`);
  }
  const out = instantOutOfBounds(timestamp, { minMs: options.minTimestampMs, maxFutureSkewMs: options.maxFutureSkewMs, now: options.now });
  if (out) {
    return deadLetter(out.code === 'too_early' ? 'timestamp_out_of_range' : 'future_timestamp', `timestamp ${JSON.stringify(rawTimestamp)} ${out.problem}`);
  }
  return ok({ ...base, timestamp });
}

/**
 * Decodes raw message bytes (Kafka value, NDJSON line) and validates them. Well-formed events take
 * the fast path (event-fast.ts); anything it is not sure of, every rejection included, goes through
 * the zod schemas above, so reasons and messages are the schemas' own.
 */
export function parseEventBytes(bytes: Uint8Array | string, options: ParseOptions): StepResult<UsageEvent> {
  const decoded = decodeJsonBytes(bytes, options.maxBytes);
  if (decoded.kind !== 'ok') return decoded;
  const fast = fastEvent(decoded.value, options);
  return fast === undefined ? normaliseEvent(decoded.value, options) : ok(fast);
}

/** JSON Schema of the accepted input, for producers to validate on their side. */
export function eventJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'usage-readiness product event',
    description:
      'A product event, in the native form or as a Segment/RudderStack track call (read as Segment when messageId is present).',
    anyOf: [
      { title: 'native event', ...z.toJSONSchema(nativeEventSchema, { io: 'input', target: 'draft-2020-12' }) },
      { title: 'Segment track call', ...z.toJSONSchema(segmentTrackSchema, { io: 'input', target: 'draft-2020-12' }) },
    ],
  };
}
