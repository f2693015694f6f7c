import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDataDir } from '../helpers/cli.js';
import { READ_TOKEN, call, freePort } from '../helpers/service.js';

const BIN = join(process.cwd(), 'bin', 'usage-readiness.js');

describe('usage-readiness serve (real CLI process)', () => {
  it('bootstraps the example data on an empty store, answers /readyz and /v1/readiness, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATA_DIR: join(tempDataDir(), 'data'),
        PORT: String(port),
        API_TOKENS: `${READ_TOKEN}:read`,
        DEMO_BACKFILL_DAYS: '7',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 90_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = await call(base, '/readyz').then((r) => r.status === 200, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready, stderr).toBe(true);
      expect(stdout).toContain(`Dashboard: ${base}/`);
      expect(stderr).toMatch(/example data loaded and scored through \d{4}-\d{2}-\d{2}/);

      const list = await call(base, '/v1/readiness?limit=3', { token: READ_TOKEN });
      expect(list.status).toBe(200);
      const body = list.json as { total: number; as_of: string; items: unknown[] };
      expect(body.total).toBe(36);
      // The example data is generated to end today, so today's readiness is meaningful.
      expect(body.as_of).toBe(new Date().toISOString().slice(0, 10));
      expect(body.items).toHaveLength(3);
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/"msg":"stopped"/);
  });

  it('lists every option with its default in --help', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--port <n>.*default: PORT, else 8080/);
    expect(help.stdout).toMatch(/--host <address>.*127\.0\.0\.1/);
    expect(help.stdout).toMatch(/--products <path>/);
    const badPort = await runCli(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port/);
    expect(badPort.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 naming the address when the port is taken, instead of hanging', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const res = await runCli(['serve', '--port', String(port)], { env: { DATA_DIR: join(tempDataDir(), 'data'), DEMO_DATA: 'off' } });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(new RegExp(`LISTEN_FAILED.*127\\.0\\.0\\.1:${port}.*port is in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a second process on the same data directory fails with a message naming it', async () => {
    const port = await freePort();
    const dataDir = join(tempDataDir(), 'data');
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), DEMO_DATA: 'off', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(await call(`http://127.0.0.1:${port}`, '/healthz').then((r) => r.status === 200, () => false))) {
        await new Promise((r) => setTimeout(r, 200));
      }
      const second = await runCli(['migrate'], { env: { DATA_DIR: dataDir } });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`DATA_DIR ${dataDir} is in use by process ${child.pid}`);
      expect(second.stderr).toMatch(/another usage-readiness process/);
      // One line of ours, not the engine's own lock exception first.
      expect(second.stderr).not.toMatch(/DB::Exception/);
      expect(second.stderr.trim().split('\n')[0]).toMatch(/^usage-readiness: error \[STORE_UNAVAILABLE\]/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
