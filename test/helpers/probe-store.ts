/**
 * Run as a child process (`node --import tsx test/helpers/probe-store.ts DATA_DIR QUERIES_JSON`):
 * opens the embedded store a finished CLI or service process left in DATA_DIR and
 * prints the rows of each named query as one JSON object. A separate process,
 * because chDB binds one data directory per process.
 */
import { loadConfig } from '../../schemas/config.js';
import { openStore } from '../../transforms/index.js';

const [dataDir, queriesJson] = process.argv.slice(2);
const queries = JSON.parse(queriesJson!) as Record<string, string>;
const store = await openStore(loadConfig({ DATA_DIR: dataDir! }).store);
const out: Record<string, unknown[]> = {};
for (const [name, sql] of Object.entries(queries)) out[name] = await store.query(sql);
await store.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
