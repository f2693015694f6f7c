import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's newcomer path, run verbatim in a copy of the repository that holds only the
 * tracked files (what a fresh clone has), with this checkout's node_modules linked in place of
 * `npm ci` and a clean environment (no KAFKA_BROKERS, CLICKHOUSE_URL or DATA_DIR from the test
 * run). Afterwards `git status` must be clean: every file the commands write is ignored.
 */
const README = readFileSync('README.md', 'utf8');

/** The command lines of the first ```sh block after `heading`. */
function commandsAfter(heading: string): string[] {
  const at = README.indexOf(heading);
  expect(at, `README has ${heading}`).toBeGreaterThanOrEqual(0);
  const block = /```sh\n([\s\S]*?)```/.exec(README.slice(at))![1]!;
  return block.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

const copy = mkdtempSync(join(tmpdir(), 'ur-readme-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? copy, LOG_LEVEL: 'warn' };
const git = (...args: string[]) =>
  spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd: copy, encoding: 'utf8' });

function sh(line: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', line], { cwd: copy, env, encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('README commands on a fresh copy of the repository', () => {
  it('copies the tracked files only', () => {
    const tracked = spawnSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    for (const file of tracked) {
      mkdirSync(join(copy, dirname(file)), { recursive: true });
      cpSync(file, join(copy, file));
    }
    symlinkSync(join(process.cwd(), 'node_modules'), join(copy, 'node_modules'));
    expect(git('init', '-q').status).toBe(0);
    expect(git('add', '-A').status).toBe(0);
    expect(git('commit', '-q', '-m', 'copy').status).toBe(0);
    // What `npm ci` does after installing (the `prepare` script).
    const build = sh('npm run build');
    expect(build.code, build.stderr).toBe(0);
  });

  it('"Step by step on the example data" runs as written', () => {
    const lines = commandsAfter('## Step by step on the example data');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const outputs: string[] = [];
    for (const line of lines) {
      const r = sh(line);
      expect(r.code, `${line}\n${r.stderr}`).toBe(0);
      outputs.push(r.stdout);
    }
    const ingest = JSON.parse(outputs[1]!.trim().split('\n').pop()!) as { accepted: number; rejected: number };
    expect(ingest.accepted).toBeGreaterThan(30_000);
    expect(ingest.rejected).toBe(3);
    const report = outputs[outputs.length - 1]!;
    expect(report).toMatch(/^account\s+product/m);
    // One row per account-product: account, product, product type, …
    expect(report.split('\n').filter((l) => /^\S+\s+\S+\s+(daily|weekly|periodic)\s/.test(l)), report).toHaveLength(36);
  });

  it('`npm start` serves the example data and stops cleanly on SIGTERM', async () => {
    rmSync(join(copy, 'data'), { recursive: true, force: true });
    const [first] = commandsAfter('# usage-readiness');
    expect(first).toMatch(/^npm ci && npm start\b/);
    // Its own process group, like a terminal's foreground job, so Ctrl-C's signal reaches npm and the service.
    const child = spawn('npm', ['start'], { cwd: copy, env: { ...env, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /is serving on (http:\/\/\S+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`npm start exited ${code} before serving:\n${stdout}\n${stderr}`)));
    });
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(stdout).toMatch(/Dashboard: http:\/\/\S+\/#token=/);
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    const messages = stderr.split('\n').flatMap((l) => (l.startsWith('{') ? [(JSON.parse(l) as { msg: string }).msg] : []));
    expect(messages).toContain('stopped');
  });

  it('leaves no untracked files: everything the commands wrote is ignored', () => {
    expect(git('status', '--porcelain').stdout).toBe('');
  });
});
