import { InvalidArgumentError, type Command } from 'commander';
import { PACKAGE_VERSION as version } from '../../schemas/package-files.js';
import { action, type RunEnv } from '../program.js';
import { PRODUCTS_HELP } from '../readiness-options.js';


/** Commander reports this error with the option's name and the bad value. */
function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

interface ServeOptions {
  products?: string;
  port?: number;
  host?: string;
}

export function registerServe(program: Command, run: RunEnv): void {
  program
    .command('serve')
    .description(
      'run the service until SIGTERM/SIGINT: HTTP API and CSM dashboard, scoring schedule, and Kafka ingestion when KAFKA_BROKERS is set; ' +
        'an empty embedded store is first loaded with the example data set',
    )
    .option('--products <path>', PRODUCTS_HELP)
    .option('--port <n>', 'HTTP port, 0 for any free one (default: PORT, else 8080)', portNumber)
    .option('--host <address>', 'interface to listen on (default: HOST, else 127.0.0.1)')
    .action(
      action(program, run, async (ctx, opts: ServeOptions) => {
        const { signal, dispose } = run.shutdownSignal();
        try {
          const config = {
            ...ctx.config,
            server: { ...ctx.config.server, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) },
          };
          const runtime = await ctx.runtime({ products: opts.products, config, elect: true });
          // Loaded here: the HTTP server and its plugins are a third of the program's start-up, which no other command needs.
          const { startService } = await import('../../server/index.js');
          const service = await startService({ runtime, version });
          ctx.logger.info({ url: service.http.url, store: runtime.store.kind, kafka: Boolean(config.kafka), role: service.role }, 'serving');
          run.stdout(`usage-readiness ${version} is serving on ${service.http.url}`);
          run.stdout(`Dashboard: ${service.dashboardUrl}`);
          if (service.generatedToken) {
            run.stdout('API_TOKENS is not set: the token in that URL was generated for this run (read+write); API clients send it as "Authorization: Bearer <token>".');
          }
          const received = await signal;
          ctx.logger.info({ signal: received }, 'shutting down: ingestion flushed and committed, schedule stopped, HTTP drained');
          await service.stop();
          ctx.logger.info('stopped');
        } finally {
          dispose();
        }
      }),
    );
}
