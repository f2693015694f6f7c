import { deadLetter, ok, type DeadLetter, type Ok } from './result.js';
import { jsonProblem, jsonTextWithinLimits, jsonWithinLimits } from './text.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The first step for every raw message or line: size limit, strict UTF-8, JSON, then what no
 * store or serialiser downstream can hold: nesting deeper than MAX_JSON_DEPTH and strings or keys
 * that are not well-formed Unicode. Shared by events and JSON records so both reject alike.
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return deadLetter('invalid_json', `not JSON: ${(error as Error).message}`);
  }
  // Text decoded from strict UTF-8 is well-formed; a string given as such has to be checked.
  const wellFormed = typeof bytes !== 'string' || text.isWellFormed();
  const problem = jsonTextWithinLimits(text, wellFormed) || jsonWithinLimits(value) ? undefined : jsonProblem(value);
  if (problem) return deadLetter(problem.kind === 'too_deep' ? 'too_deep' : 'schema_violation', problem.message);
  return ok(value);
}
