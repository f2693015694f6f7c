import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main, type RunEnv } from '../../cli/main.js';
import type { Store } from '../../transforms/index.js';

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

export interface CliProcess {
  process: ChildProcess;
  /** What the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Settles with the exit code (-1 when killed by a signal). */
  exited: Promise<number>;
}

/** Starts the real CLI in a child process that keeps running; `env` is added to PATH only. */
export function spawnCli(args: string[], env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited };
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

export interface InProcessRun {
  /** Settles with main()'s exit code and what the run wrote. */
  result: Promise<CliResult>;
  /** What was written so far. */
  stdout(): string;
  stderr(): string;
  /** Delivers a shutdown request, as SIGTERM would. */
  terminate(): void;
}

/** Runs `main()` in this process with its own streams, stdin, shutdown signal and (optionally) store. */
export function runInProcess(args: string[], options: { env?: Record<string, string>; input?: string; store?: Store } = {}): InProcessRun {
  let stdout = '';
  let stderr = '';
  let terminate = () => undefined as void;
  const requested = new Promise<string>((resolve) => (terminate = () => resolve('SIGTERM')));
  const run: RunEnv = {
    env: { LOG_LEVEL: 'warn', ...options.env },
    stdout: (line) => (stdout += `${line}\n`),
    stderr: (line) => (stderr += `${line}\n`),
    stderrText: (text) => (stderr += text),
    stdin: Readable.from([options.input ?? '']),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    shutdownSignal: () => ({ signal: requested, dispose: () => undefined }),
    ...(options.store ? { store: options.store } : {}),
  };
  const result = main(args, run).then((code) => ({ code, stdout, stderr }));
  return { result, stdout: () => stdout, stderr: () => stderr, terminate };
}
