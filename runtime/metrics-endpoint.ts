import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ERROR_CODES, isReadinessError } from '../schemas/errors.js';
import type { Authenticator } from './auth.js';
import type { ServiceMetrics } from './metrics.js';

/**
 * A process without the HTTP API (`consume`) exposes its metrics for
 * Prometheus here: `GET /metrics` and nothing else. `serve` has /metrics in
 * its API instead. With `auth` (METRICS_PUBLIC=false), a request needs a
 * bearer token with the read scope, as `serve`'s /metrics does.
 */

export interface MetricsEndpoint {
  /** `http://host:port/metrics`. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsEndpoint(metrics: ServiceMetrics, options: { host: string; port: number; auth?: Authenticator | undefined }): Promise<MetricsEndpoint> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only /metrics is served here\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('use GET\n');
      return;
    }
    try {
      options.auth?.require(request, 'read');
    } catch (error) {
      if (!isReadinessError(error)) throw error;
      // The API's error body and statuses, as serve's /metrics answers.
      const status = error.code === ERROR_CODES.FORBIDDEN ? 403 : 401;
      response
        .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}) })
        .end(JSON.stringify({ error: { code: error.code, message: error.message } }));
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(request.method === 'HEAD' ? undefined : body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics unavailable: ${(error as Error).message}\n`),
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
