import type { Logger } from 'pino';
import { loadConfig, type AppConfig } from '../schemas/config.js';
import { migrate, openStore, type Store } from '../transforms/index.js';
import { createLogger } from './logger.js';

/** What every command gets: parsed configuration, a logger, and a store opened on demand. */
export interface CommandContext {
  config: AppConfig;
  logger: Logger;
  verbose: boolean;
  /** Opens the store (once) and applies pending migrations. */
  store(): Promise<Store>;
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
  let opened: Promise<Store> | undefined;
  return {
    config,
    logger,
    verbose: Boolean(options.verbose),
    store() {
      opened ??= (async () => {
        const store = await openStore(config.store);
        const report = await migrate(store);
        if (report.applied.length > 0) {
          logger.info(
            { store: store.kind, database: store.database, applied: report.applied.map((m) => m.version) },
            'migrations applied',
          );
        }
        return store;
      })();
      return opened;
    },
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
