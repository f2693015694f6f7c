import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../schemas/index.js';

/**
 * No Docker engine runs where these tests run, so docker-compose.yml and the Dockerfile are
 * checked as files: the properties the deployment depends on, not a build.
 */
interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string | number>;
  command?: unknown;
  volumes?: string[];
}
const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, ComposeService> };
const services = Object.entries(compose.services);
const dockerfile = readFileSync('Dockerfile', 'utf8');

describe('docker-compose.yml', () => {
  it('publishes every port on 127.0.0.1 only', () => {
    const ports = services.flatMap(([, s]) => s.ports ?? []);
    expect(ports.length).toBeGreaterThanOrEqual(3);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('takes passwords and tokens from .env, never literally', () => {
    for (const [name, s] of services) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|TOKENS|WEBHOOKS|SECRET/.test(key)) expect(String(value), `${name}.${key}`).toMatch(/^\$\{[A-Z_]+(:[?-][^}]*)?\}$/);
      }
    }
    const example = readFileSync('.env.example', 'utf8');
    for (const variable of ['CLICKHOUSE_PASSWORD', 'API_TOKENS', 'WEBHOOKS']) expect(example).toMatch(new RegExp(`^${variable}=`, 'm'));
    expect(readFileSync('.gitignore', 'utf8').split('\n')).toContain('.env');
  });

  it('runs the service from the image built by the Dockerfile, with settings the schema knows', () => {
    const service = compose.services['usage-readiness']!;
    expect(service.build).toBe('.');
    expect(service.command).toBeUndefined();
    expect(service.volumes).toBeUndefined();
    for (const key of Object.keys(service.environment ?? {})) expect(Object.keys(envSchema.shape)).toContain(key);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));

  it('builds in stages on node:24-slim and runs the compiled program as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(from).toMatch(/^FROM node:24-slim\b/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist dist$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "bin\/usage-readiness\.js"\]$/m);
    expect(runtime).not.toMatch(/tsx|npm run build/);
  });

  it('installs production dependencies without dev and optional ones', () => {
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --omit=optional\b/m);
  });

  it('copies every file the compiled program reads beside dist/', () => {
    // schemas/package-files.ts: package.json, config/products.json, server/public/.
    for (const path of ['package.json', 'config', 'server/public', 'bin']) expect(dockerfile).toMatch(new RegExp(`^COPY ${path.replace('/', '\\/')}\\b`, 'm'));
  });
});
