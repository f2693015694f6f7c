import { readInstant } from './day.js';
import { CONTROL_CHARACTERS, MAX_ID_LENGTH } from './text.js';
import { normaliseStatus, type ParseOptions, type UsageEvent } from './usage-event.js';

/**
 * The hot path of event validation: plain checks on the decoded value instead of the zod schemas
 * in event.ts, which cost several times more per event than parsing the JSON. It only ever
 * accepts: whatever it is not sure of (a rejection, a Segment call that is not `track`, an unusual
 * timestamp form it does not read itself) returns undefined and goes through the zod schemas,
 * which give the outcome and the message. test/unit/event-fast.test.ts checks on generated,
 * mutated and hostile events that it accepts exactly what the schemas accept, normalised alike.
 *
 * Expects a value `decodeJsonBytes` accepted: every string and key is well-formed Unicode and the
 * nesting is within MAX_JSON_DEPTH.
 */

/** An id as `idSchema` reads it (trimmed, 1–256 characters, no control characters), or undefined. */
function idOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.length === 0 || text.length > MAX_ID_LENGTH || CONTROL_CHARACTERS.test(text)) return undefined;
  return text;
}

/** A label as `labelSchema` reads it: '' when null or absent, undefined when not acceptable. */
function labelOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text.length > MAX_ID_LENGTH || CONTROL_CHARACTERS.test(text)) return undefined;
  return text;
}

/** A JSON object that zod's object and record schemas copy key for key (`__proto__` they would not). */
function plainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, '__proto__');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digit = (text: string, at: number) => text.charCodeAt(at) - 48;
const twoDigits = (text: string, at: number) => {
  const a = digit(text, at);
  const b = digit(text, at + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/**
 * Epoch ms of `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ` (what SDKs send), the same
 * value `readInstant` gives; NaN for any other form or an impossible date, left to `readInstant`.
 */
function commonInstant(text: string): number {
  const length = text.length;
  if (length !== 20 && length !== 24) return Number.NaN;
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':' || text[length - 1] !== 'Z') return Number.NaN;
  const high = twoDigits(text, 0);
  const low = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hours = twoDigits(text, 11);
  const minutes = twoDigits(text, 14);
  const seconds = twoDigits(text, 17);
  let millis = 0;
  if (length === 24) {
    const hundreds = digit(text, 20);
    const rest = twoDigits(text, 21);
    if (text[19] !== '.' || hundreds < 0 || hundreds > 9 || rest < 0) return Number.NaN;
    millis = hundreds * 100 + rest;
  }
  // Years before 100 take another path in readInstant (Date.UTC maps them to 19xx).
  if (high < 1 || low < 0 || month < 1 || month > 12 || day < 1 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59) {
    return Number.NaN;
  }
  const year = high * 100 + low;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!)) return Number.NaN;
  return Date.UTC(year, month - 1, day, hours, minutes, seconds, millis);
}

/** Epoch ms of an accepted timestamp within the deployment's bounds, or NaN. */
function timestampOf(value: unknown, options: ParseOptions): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = Number.isSafeInteger(value) ? value : Number.NaN;
  } else if (typeof value === 'string') {
    ms = commonInstant(value);
    if (Number.isNaN(ms)) {
      const read = readInstant(value);
      ms = read.ok ? read.ms : Number.NaN;
    }
  } else {
    return Number.NaN;
  }
  if (!(ms >= options.minTimestampMs)) return Number.NaN;
  if (ms > (options.now ?? Date.now)() + options.maxFutureSkewMs) return Number.NaN;
  return ms;
}

function event(
  eventId: string,
  accountId: string,
  userId: string,
  name: string,
  product: string,
  feature: string,
  workflow: string,
  status: string,
  properties: Record<string, unknown>,
  timestamp: number,
): UsageEvent {
  return { eventId, accountId, userId, event: name, product, feature, workflow, status: normaliseStatus(status), properties, timestamp };
}

function fastNative(record: Record<string, unknown>, options: ParseOptions): UsageEvent | undefined {
  const eventId = idOf(record.event_id);
  const accountId = idOf(record.account_id);
  const userId = idOf(record.user_id);
  const name = idOf(record.event);
  const product = labelOf(record.product);
  const feature = labelOf(record.feature);
  const workflow = labelOf(record.workflow);
  const status = labelOf(record.status);
  const properties = record.properties;
  if (
    eventId === undefined ||
    accountId === undefined ||
    userId === undefined ||
    name === undefined ||
    product === undefined ||
    feature === undefined ||
    workflow === undefined ||
    status === undefined ||
    (properties !== undefined && !plainObject(properties))
  ) {
    return undefined;
  }
  const chosen = product || options.defaultProduct;
  const timestamp = timestampOf(record.timestamp, options);
  if (!chosen || Number.isNaN(timestamp)) return undefined;
  return event(eventId, accountId, userId, name, chosen, feature, workflow, status, properties ?? {}, timestamp);
}

function fastSegment(record: Record<string, unknown>, options: ParseOptions): UsageEvent | undefined {
  if (record.type !== undefined && record.type !== 'track') return undefined;
  const eventId = idOf(record.messageId);
  const userId = idOf(record.userId);
  const name = idOf(record.event);
  const context = record.context;
  const properties = record.properties;
  if (eventId === undefined || userId === undefined || name === undefined) return undefined;
  if (context !== undefined && !plainObject(context)) return undefined;
  if (properties !== undefined && !plainObject(properties)) return undefined;
  let groupId: string | undefined;
  if (context?.groupId !== undefined) {
    groupId = idOf(context.groupId);
    if (groupId === undefined) return undefined;
  }
  let accountId = groupId;
  let product = '';
  let feature = '';
  let workflow = '';
  let status = '';
  let rest: Record<string, unknown> = {};
  if (properties !== undefined) {
    const { account_id: rawAccount, product: rawProduct, feature: rawFeature, workflow: rawWorkflow, status: rawStatus, ...others } = properties;
    if (rawAccount !== undefined) {
      const account = idOf(rawAccount);
      if (account === undefined) return undefined;
      accountId ??= account;
    }
    const labels = [labelOf(rawProduct), labelOf(rawFeature), labelOf(rawWorkflow), labelOf(rawStatus)];
    if (labels.includes(undefined)) return undefined;
    [product, feature, workflow, status] = labels as string[];
    rest = others;
  }
  const chosen = product || options.defaultProduct;
  const timestamp = timestampOf(record.timestamp, options);
  if (accountId === undefined || !chosen || Number.isNaN(timestamp)) return undefined;
  return event(eventId, accountId, userId, name, chosen, feature, workflow, status, rest, timestamp);
}

/** The normalised event when the value is certainly accepted; undefined: ask the zod schemas. */
export function fastEvent(value: unknown, options: ParseOptions): UsageEvent | undefined {
  if (!plainObject(value)) return undefined;
  return 'messageId' in value ? fastSegment(value, options) : fastNative(value, options);
}
