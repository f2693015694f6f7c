import type { AddressInfo } from 'node:net';
import { ReadinessError, ERROR_CODES, errorMessage } from '../schemas/errors.js';
import { buildApp, type AppDeps } from './app.js';
import type { Api } from './routes/context.js';

/** A listening HTTP server with a graceful `close()`. */
export interface HttpServer {
  readonly app: Api;
  /** Base URL to reach it (loopback when bound to every interface). */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections, ends SSE streams, lets in-flight requests
   * finish for up to SHUTDOWN_GRACE_MS, then answers the rest 503 SHUTTING_DOWN
   * and closes every connection.
   */
  close(): Promise<void>;
}

export async function startHttpServer(deps: AppDeps): Promise<HttpServer> {
  const { app, answerPending } = await buildApp(deps);
  try {
    await app.listen({ port: deps.config.port, host: deps.config.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    const hint = code === 'EADDRINUSE' ? ': the port is in use (set PORT or serve --port; 0 picks a free one)' : code === 'EACCES' ? ': permission denied' : '';
    throw new ReadinessError(ERROR_CODES.LISTEN_FAILED, `cannot listen on ${deps.config.host}:${deps.config.port}${hint || `: ${errorMessage(error)}`}`, {
      cause: error,
    });
  }
  const address = app.server.address() as AddressInfo;
  const host = deps.config.host === '0.0.0.0' || deps.config.host === '::' ? '127.0.0.1' : deps.config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    port: address.port,
    close() {
      closing ??= (async () => {
        const force = setTimeout(() => {
          // Requests still waiting (for the store, most often) get a 503 in the API's format, then every connection is closed.
          answerPending();
          setImmediate(() => app.server.closeAllConnections());
        }, deps.config.shutdownGraceMs);
        force.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
      })();
      return closing;
    },
  };
}
