/**
 * Splits a byte stream into NDJSON lines without decoding it, so invalid UTF-8
 * is detected per line by validation instead of being silently replaced.
 * A line longer than `maxBytes` is yielded truncated with `oversized: true`
 * (and its full byte length) rather than buffered whole.
 */
export interface RawLine {
  /** 1-based line number in the input. */
  number: number;
  bytes: Buffer;
  oversized: boolean;
  byteLength: number;
}

export async function* splitLines(source: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<RawLine> {
  for await (const lines of splitLineBatches(source, maxBytes)) yield* lines;
}

/**
 * The same lines, handed over as the lines each chunk of the source completes: a reader of a
 * large file then pays one asynchronous step per chunk instead of one per line.
 */
export async function* splitLineBatches(source: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<RawLine[]> {
  let parts: Buffer[] = [];
  let partsLength = 0;
  let lineNumber = 0;
  let oversizedLength = -1; // >= 0 while skipping the rest of an oversized line

  const take = (): RawLine => {
    lineNumber++;
    const joined = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partsLength);
    const bytes = joined.length > 0 && joined[joined.length - 1] === 0x0d ? joined.subarray(0, -1) : joined;
    const line: RawLine =
      oversizedLength >= 0
        ? { number: lineNumber, bytes, oversized: true, byteLength: oversizedLength }
        : { number: lineNumber, bytes, oversized: false, byteLength: bytes.length };
    parts = [];
    partsLength = 0;
    oversizedLength = -1;
    return line;
  };

  const append = (chunk: Buffer) => {
    if (oversizedLength >= 0) {
      oversizedLength += chunk.length;
      return;
    }
    parts.push(chunk);
    partsLength += chunk.length;
    if (partsLength > maxBytes) {
      // Keep a prefix for the dead-letter excerpt; drop the rest as it streams by.
      const joined = Buffer.concat(parts, partsLength);
      oversizedLength = joined.length;
      parts = [joined.subarray(0, Math.min(joined.length, maxBytes + 1))];
      partsLength = parts[0]!.length;
    }
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const lines: RawLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      append(chunk.subarray(start, nl));
      lines.push(take());
      start = nl + 1;
    }
    if (start < chunk.length) append(chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (partsLength > 0 || oversizedLength >= 0) yield [take()];
}
