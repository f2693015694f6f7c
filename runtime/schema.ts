import type { StoreConfig } from '../schemas/config.js';
import { migrate, migrationScript } from '../transforms/index.js';
import type { Runtime } from './open.js';

/** `migrate`: the schema the runtime's store is at (opening the runtime applied what was pending). */
export async function schemaVersion(runtime: Pick<Runtime, 'store'>): Promise<number> {
  return (await migrate(runtime.store)).current;
}

/** `migrate --print`: every statement the migrations would run for this store configuration, without connecting. */
export function migrationStatements(config: Pick<StoreConfig, 'database' | 'cluster'>): string[] {
  return migrationScript(config.database, { cluster: config.cluster });
}
