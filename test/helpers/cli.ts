import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = join(process.cwd(), 'bin', 'usage-readiness.js');

/** A fresh data directory, so each CLI process gets its own embedded store. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'ur-data-'));
}

/** Runs the real CLI in a child process. */
export function runCli(args: string[], options: { env?: Record<string, string>; input?: string | Buffer } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The last non-empty stdout line, parsed as JSON. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as T;
}

/** Rows of each named query over the embedded store a finished process left in `dataDir` ({db} is its database). */
export function probeStore<T extends Record<string, string>>(dataDir: string, queries: T): Promise<{ [K in keyof T]: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(process.cwd(), 'test', 'helpers', 'probe-store.ts'), dataDir, JSON.stringify(queries)], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(lastJson(stdout));
      else reject(new Error(`probe-store exited ${code}: ${stderr}`));
    });
  });
}
