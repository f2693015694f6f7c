import { createWriteStream, type WriteStream } from 'node:fs';
import type { RejectionReason } from '../schemas/result.js';

/** One line of a DLQ file (`ingest --dlq`, `dlq replay --dlq`). */
export interface DlqFileEntry {
  line: number;
  reason: RejectionReason;
  message: string;
  source: string;
  /** The original line as text (invalid UTF-8 replaced). */
  text: string;
  /** The original bytes, present when they were not valid UTF-8 or were cut. */
  bytes_base64?: string;
}

/** An NDJSON file of dead-letter entries, written in order with backpressure. */
export class DlqFile {
  private readonly stream: WriteStream;
  private failure: unknown;

  constructor(path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (error) => (this.failure = error));
  }

  /** Writes the entry for `bytes`; its bytes travel in base64 when text cannot carry them. */
  write(entry: Omit<DlqFileEntry, 'text' | 'bytes_base64'>, bytes: Buffer, keepBytes: boolean): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const full: DlqFileEntry = { ...entry, text: bytes.toString('utf8') };
    if (keepBytes) full.bytes_base64 = bytes.toString('base64');
    return new Promise((resolve, reject) => {
      const ok = this.stream.write(`${JSON.stringify(full)}\n`, (error) => (error ? reject(error) : undefined));
      if (ok) resolve();
      else this.stream.once('drain', resolve);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

/** Reasons whose text form loses bytes: the entry keeps them in base64. */
export const keepsBytes = (reason: RejectionReason, cut = false) => cut || reason === 'invalid_utf8' || reason === 'oversized';
