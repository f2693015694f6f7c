import { describe, expect, it } from 'vitest';
import { splitLines } from '../../ingest/index.js';

async function collect(chunks: Array<string | Buffer>, maxBytes = 100) {
  const out = [];
  for await (const l of splitLines((async function* () { yield* chunks.map((c) => Buffer.from(c)); })(), maxBytes)) {
    out.push({ n: l.number, text: l.bytes.toString(), oversized: l.oversized, len: l.byteLength });
  }
  return out;
}

describe('splitLines', () => {
  it('splits across chunk boundaries, strips CR, keeps numbering over blank lines', async () => {
    expect(await collect(['ab', 'c\r\n\nde', 'f'])).toEqual([
      { n: 1, text: 'abc', oversized: false, len: 3 },
      { n: 2, text: '', oversized: false, len: 0 },
      { n: 3, text: 'def', oversized: false, len: 3 },
    ]);
  });

  it('marks oversized lines without buffering them whole and resumes after them', async () => {
    const lines = await collect(['x'.repeat(60), 'y'.repeat(60), 'z'.repeat(60), '\nok\n'], 100);
    expect(lines[0]).toMatchObject({ n: 1, oversized: true, len: 180 });
    expect(lines[0]!.text.length).toBeLessThanOrEqual(101);
    expect(lines[1]).toEqual({ n: 2, text: 'ok', oversized: false, len: 2 });
  });
});
