/**
 * JSON text of a value, computed once per object: read results cached by the
 * store layer are the same object on every hit, so a page or an account view
 * is serialised once until the next write empties that cache, not per request.
 */
const texts = new WeakMap<object, string>();

export function jsonOnce(value: object): string {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    texts.set(value, text);
  }
  return text;
}
