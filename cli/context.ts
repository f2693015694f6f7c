import type { Logger } from 'pino';
import { loadConfig, type AppConfig } from '../schemas/config.js';
import { openRuntime, type Runtime } from '../runtime/index.js';
import { createLogger } from './logger.js';

/** What every command gets: parsed configuration, a logger, and the runtime opened on demand. */
export interface CommandContext {
  config: AppConfig;
  logger: Logger;
  verbose: boolean;
  /**
   * Opens the runtime (once): the products file (`--products`, else PRODUCTS_FILE),
   * the migrated store and, when configured, Kafka.
   */
  runtime(options?: { products?: string | undefined; config?: AppConfig }): Promise<Runtime>;
  close(): Promise<void>;
}

export async function createContext(options: {
  env: Record<string, string | undefined>;
  verbose?: boolean;
  quiet?: boolean;
}): Promise<CommandContext> {
  const config = loadConfig(options.env);
  const level = options.verbose ? 'debug' : options.quiet ? 'warn' : config.logLevel;
  const logger = await createLogger(level);
  let opened: Promise<Runtime> | undefined;
  return {
    config,
    logger,
    verbose: Boolean(options.verbose),
    runtime(runtimeOptions = {}) {
      opened ??= openRuntime(runtimeOptions.config ?? config, {
        logger,
        ...(runtimeOptions.products !== undefined ? { productsFile: runtimeOptions.products } : {}),
      });
      return opened;
    },
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
