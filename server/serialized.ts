/**
 * JSON bytes of an answer, encoded once per object: read results cached by the
 * store layer are the same object on every hit, so a page or an account view
 * is serialised and UTF-8 encoded once until the next write empties that
 * cache, not per request (a page of 50 reports is about 200 kB).
 */
const bytes = new WeakMap<object, Buffer>();

/** `text` makes the JSON of `value`; it runs only the first time `value` is answered. */
export function jsonBytesOnce(value: object, text: () => string): Buffer {
  let body = bytes.get(value);
  if (body === undefined) {
    body = Buffer.from(text());
    bytes.set(value, body);
  }
  return body;
}
