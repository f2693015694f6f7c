import { deadLetter, ok, type DeadLetter, type Ok } from './result.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The first step for every raw message or line: size limit, strict UTF-8,
 * then JSON. Shared by events and JSON records so both reject alike.
 */
export function decodeJsonBytes(bytes: Uint8Array | string, maxBytes: number): Ok<unknown> | DeadLetter {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) return deadLetter('oversized', `message is ${size} bytes; the limit is ${maxBytes}`);
  let text: string;
  if (typeof bytes === 'string') {
    text = bytes;
  } else {
    try {
      text = utf8.decode(bytes);
    } catch {
      return deadLetter('invalid_utf8', 'message is not valid UTF-8');
    }
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (error) {
    return deadLetter('invalid_json', `not JSON: ${(error as Error).message}`);
  }
}
