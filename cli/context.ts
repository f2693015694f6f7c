import type { Logger } from 'pino';
import { loadConfig, type AppConfig } from '../schemas/config.js';
import { openRuntime, type Runtime } from '../runtime/index.js';
import { createLogger } from './logger.js';
import type { RunEnv } from './run-env.js';

/** What every command gets: parsed configuration, a logger, and the runtime opened on demand. */
export interface CommandContext {
  config: AppConfig;
  logger: Logger;
  verbose: boolean;
  /**
   * Opens the runtime (once): the products file (`--products`, else PRODUCTS_FILE),
   * the migrated store and, when configured, Kafka.
   */
  runtime(options?: { products?: string | undefined; config?: AppConfig; elect?: boolean }): Promise<Runtime>;
  close(): Promise<void>;
}

export async function createContext(options: { run: RunEnv; verbose?: boolean; quiet?: boolean }): Promise<CommandContext> {
  const { run } = options;
  const config = loadConfig(run.env);
  const level = options.verbose ? 'debug' : options.quiet ? 'warn' : config.logLevel;
  const logger = await createLogger(level, { pretty: run.stderrIsTTY, write: run.stderrText });
  let opened: Promise<Runtime> | undefined;
  return {
    config,
    logger,
    verbose: Boolean(options.verbose),
    runtime(runtimeOptions = {}) {
      opened ??= openRuntime(runtimeOptions.config ?? config, {
        logger,
        ...(run.store ? { store: run.store } : {}),
        ...(runtimeOptions.elect ? { elect: true } : {}),
        ...(runtimeOptions.products !== undefined ? { productsFile: runtimeOptions.products } : {}),
      });
      return opened;
    },
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
