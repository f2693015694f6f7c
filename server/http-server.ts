import type { AddressInfo } from 'node:net';
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
   * finish for up to SHUTDOWN_GRACE_MS, then closes what is left.
   */
  close(): Promise<void>;
}

export async function startHttpServer(deps: AppDeps): Promise<HttpServer> {
  const { app } = await buildApp(deps);
  await app.listen({ port: deps.config.port, host: deps.config.host });
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
        const force = setTimeout(() => app.server.closeAllConnections(), deps.config.shutdownGraceMs);
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
