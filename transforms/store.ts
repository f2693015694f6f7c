import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { StoreConfig } from '../schemas/config.js';
import { ReadinessError, StoreError, StoreQueryError, errorMessage } from '../schemas/errors.js';
import type { createChdbConnection } from 'chdb/connection';

type ChdbConnectionModule = { createChdbConnection: typeof createChdbConnection };

/**
 * One store over `@clickhouse/client`: a ClickHouse server over HTTP when a
 * URL is configured, otherwise chDB in-process (the embedded default). The
 * same SQL runs on both. Values always travel as query parameters
 * (`{name:Type}`) or insert bodies; only the validated database identifier is
 * placed into SQL text, through `sql()`.
 */

export type QueryParams = Record<string, unknown>;

/** A SQL condition over staged rows; `staged` is a table expression that may be named more than once. */
export type StagedCondition = (staged: string) => string;
/**
 * How an insert's rows are encoded: JSON lines, or the engine's RowBinary (each column's value in
 * table order, strings length-prefixed), which it copies into columns without parsing text.
 */
export type RowFormat = 'JSONEachRow' | 'RowBinary';

/**
 * A condition the insert needs only when `probe(staged)` (a query) returns a row: an insert whose
 * probe finds nothing skips it, and with it the condition's cost.
 */
export interface ProbedCondition {
  probe: (staged: string) => string;
  /** Query parameters of `probe`. */
  probeParams?: QueryParams;
  condition: StagedCondition;
}

type InsertRows = (table: string, columns: readonly string[], body: Buffer, format: RowFormat, where: StagedCondition | ProbedCondition | undefined) => Promise<void>;

export interface Store {
  readonly kind: 'chdb' | 'server';
  readonly database: string;
  /** CLICKHOUSE_CLUSTER: migrations render their DDL for this cluster (transforms/ddl.ts). */
  readonly cluster?: string | undefined;
  readonly client: ClickHouseClient;
  /** Replaces `{db}` in a statement with the database identifier. */
  sql(text: string): string;
  query<T>(text: string, params?: QueryParams): Promise<T[]>;
  command(text: string, params?: QueryParams): Promise<void>;
  insert(table: string, rows: readonly object[]): Promise<void>;
  /**
   * Inserts rows already encoded in `format` (JSON lines with keys among `columns`, or RowBinary
   * with exactly `columns` in that order). The engine reads the bytes as they are.
   * `where`, given the staged rows as a table expression, returns a condition that
   * selects which of them are inserted (evaluated by the engine in the same statement).
   */
  insertBody(table: string, columns: readonly string[], body: Buffer, format: RowFormat, where?: StagedCondition | ProbedCondition): Promise<void>;
  /** Statements (queries, commands, inserts) sent through this store and not yet answered. */
  inFlight(): number;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LOW_CARDINALITY = /^LowCardinality\((.*)\)$/;

/**
 * Settings of every insert: a JSON object in a row, for a String column, is read as its text (rows
 * may write objects unescaped); and a batch may span any number of monthly partitions (events
 * of years of history in one batch would otherwise fail as TOO_MANY_PARTS, again on every retry).
 */
const INSERT_SETTINGS = 'input_format_json_read_objects_as_strings = 1, max_partitions_per_insert_block = 0';

/**
 * The live process holding an embedded data directory, from the `status` file the engine writes
 * there (`PID: n`) and removes at a clean stop. Checked before opening, because the engine prints
 * its own lock exception to stderr before failing; a status file left by a killed process names a
 * dead PID and is ignored (the engine then takes the directory over).
 */
function dataDirHolder(dataDir: string): number | undefined {
  let status: string;
  try {
    status = readFileSync(join(dataDir, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID: (\d+)$/m.exec(status)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export async function openStore(config: StoreConfig): Promise<Store> {
  if (!IDENTIFIER.test(config.database)) {
    throw new StoreError(`CLICKHOUSE_DATABASE ${JSON.stringify(config.database)} is not a plain identifier`, { canRetry: false });
  }
  if (config.url) {
    const client = createClient({ url: config.url, username: config.user, password: config.password, request_timeout: config.requestTimeoutMs });
    return storeFromClient('server', config.database, client, { cluster: config.cluster });
  }
  const holder = dataDirHolder(config.dataDir);
  if (holder !== undefined) {
    throw new StoreError(
      `the embedded store in DATA_DIR ${config.dataDir} is in use by process ${holder} (one process at a time can use a data directory: ` +
        'is another usage-readiness process running on it? While `serve` runs, read through its API)',
      { canRetry: false },
    );
  }
  // Loaded lazily: the engine is large and unused when a server is configured.
  let mod: ChdbConnectionModule;
  try {
    mod = await import('chdb/connection');
  } catch (error) {
    throw new StoreError(
      'the embedded store needs the optional "chdb" package (npm install chdb), or set CLICKHOUSE_URL to use a server',
      { cause: error, canRetry: false },
    );
  }
  let connection: ReturnType<typeof mod.createChdbConnection>;
  try {
    connection = mod.createChdbConnection({ path: config.dataDir });
  } catch (error) {
    throw new StoreError(
      `cannot open the embedded store in DATA_DIR ${config.dataDir}: ${errorMessage(error)} ` +
        '(one process at a time can use a data directory: is another usage-readiness process running on it?)',
      { cause: error, canRetry: false },
    );
  }
  const client = createClient({ connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'] });
  await dropLeftStagingTables(client, config.database);
  return storeFromClient('chdb', config.database, client);
}

/**
 * Staging tables (see `insertRows`) left by a process that died during an insert. An embedded
 * data directory has one process at a time, so any found when it opens are nobody's.
 */
async function dropLeftStagingTables(client: ClickHouseClient, database: string): Promise<void> {
  // Best effort: a left table costs only its definition, and the store may still open.
  try {
    await dropStagingTables(client, database);
  } catch {
    return;
  }
}

/** Drops every `staged_` table of `database`: only for a database no other process writes to. */
export async function dropStagingTables(client: ClickHouseClient, database: string): Promise<void> {
  const result = await client.query({
    query: `SELECT name FROM system.tables WHERE database = {db:String} AND startsWith(name, 'staged_')`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  for (const { name } of await result.json<{ name: string }>()) {
    if (IDENTIFIER.test(name)) await client.command({ query: `DROP TABLE IF EXISTS ${database}.${name}` });
  }
}

/**
 * Engine error types that mean "the store cannot serve this now" (overload,
 * replication or network trouble inside a cluster), not "this statement is
 * wrong": retried by ingestion and answered 503 by the API.
 */
const TRANSIENT_ENGINE_ERRORS = new Set([
  'TIMEOUT_EXCEEDED',
  'SOCKET_TIMEOUT',
  'NETWORK_ERROR',
  'TOO_MANY_SIMULTANEOUS_QUERIES',
  'MEMORY_LIMIT_EXCEEDED',
  'TABLE_IS_READ_ONLY',
  'ALL_CONNECTION_TRIES_FAILED',
  'KEEPER_EXCEPTION',
  'NO_ZOOKEEPER',
  'TOO_MANY_PARTS',
  'ABORTED',
]);

/**
 * Classifies a client error: an error the engine raised with its numeric code
 * is a statement or data error (StoreQueryError, not retried) unless its type
 * is transient; anything else (refused connection, reset socket, client
 * timeout) means the store is unreachable (StoreError, retried).
 */
export function classifyStoreError(action: string, error: unknown): ReadinessError {
  if (error instanceof ReadinessError) return error;
  const code = (error as { code?: unknown }).code;
  const type = (error as { type?: unknown }).type;
  const fromEngine = typeof code === 'string' && /^\d+$/.test(code);
  const message = `${action} failed: ${errorMessage(error)}`;
  if (fromEngine && !(typeof type === 'string' && TRANSIENT_ENGINE_ERRORS.has(type))) return new StoreQueryError(message, { cause: error });
  return new StoreError(message, { cause: error });
}

export function storeFromClient(
  kind: 'chdb' | 'server',
  database: string,
  client: ClickHouseClient,
  options: { cluster?: string | undefined } = {},
): Store {
  const sql = (text: string) => text.replaceAll('{db}', database);
  /**
   * Aborted by `close()`: statements still queued then fail at once as "store closed"
   * (StoreError: 503 to an API client) instead of reaching a torn-down engine, whose
   * error would say nothing about why.
   */
  const closing = new AbortController();
  // Every statement waiting for the engine listens to it; hundreds can be queued under load.
  setMaxListeners(0, closing.signal);
  // Only the embedded engine queues statements in the process; a server's client logs each aborted request as an error.
  const signal = kind === 'chdb' ? closing.signal : undefined;
  const failure = (action: string, error: unknown): ReadinessError =>
    closing.signal.aborted ? new StoreError(`${action} failed: the store is closed (the process is stopping)`, { cause: error }) : classifyStoreError(action, error);
  const structures = new Map<string, Promise<Map<string, string>>>();
  const columnTypes = (table: string) => {
    let types = structures.get(table);
    if (!types) {
      types = client
        .query({
          query: 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String}',
          query_params: { db: database, table },
          format: 'JSONEachRow',
        })
        .then((r) => r.json<{ name: string; type: string }>())
        .then((rows) => new Map(rows.map((r) => [r.name, r.type])));
      types.catch(() => structures.delete(table));
      structures.set(table, types);
    }
    return types;
  };
  /**
   * Embedded engine: the batch is written to a private file and read by the engine
   * (`INSERT ... SELECT FROM file(...)`). Every inline-data insert of chDB
   * (`INSERT ... FORMAT`, `VALUES`, `connection.chdb.rawInsert`) also reads the
   * process's stdin when stdin is a pipe or a file: by default it then fails
   * ("both inlined and external data"), with async_insert=0 it silently adds
   * stdin's bytes as rows, which would corrupt `ingest --file -` and any service
   * started under a pipe. An INSERT ... SELECT carries no inline data, so the
   * engine never looks at stdin; measured, it is as fast as the raw insert.
   */
  let spoolDir: string | undefined;
  let spooled = 0;
  const structureOf = async (table: string, columns: readonly string[]) => {
    let types = await columnTypes(table);
    if (columns.some((c) => !types.has(c))) {
      // The table may have changed since its columns were read (a migration by another process).
      structures.delete(table);
      types = await columnTypes(table);
    }
    return columns
      .map((c) => {
        const type = types.get(c);
        if (!type) throw new StoreQueryError(`insert into ${table}: unknown column ${c}`);
        // Rows are read as the plain type: building a LowCardinality dictionary while reading a
        // file made a batch's probe six times as slow and its insert half as slow again, and the
        // insert converts to the column's type anyway.
        return `${c} ${LOW_CARDINALITY.exec(type)?.[1] ?? type}`;
      })
      .join(', ');
  };
  /** Moves rows from `staged` into `target` (a qualified table name), those `where` selects. */
  const insertSelect = (target: string, columns: readonly string[], staged: string, where: StagedCondition | undefined) =>
    `INSERT INTO ${target} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${staged}${where ? ` WHERE ${where(staged)}` : ''} SETTINGS ${INSERT_SETTINGS}`;
  const command = async (query: string, query_params: QueryParams = {}) => void (await client.command({ query, query_params, abort_signal: signal }));
  const anyRow = async (query: string, query_params: QueryParams = {}) =>
    (await (await client.query({ query, query_params, format: 'JSONEachRow', abort_signal: signal })).json()).length > 0;
  /**
   * Runs `use` with a private in-memory table holding the rows `load` puts there: for a condition
   * that reads the rows several times (parsed once, not once per reading).
   */
  const withStaging = async (table: string, columns: readonly string[], load: (staging: string) => Promise<void>, use: (staging: string) => Promise<void>) => {
    const staging = `${database}.staged_${table}_${randomBytes(6).toString('hex')}`;
    await command(`CREATE TABLE ${staging} (${await structureOf(table, columns)}) ENGINE = Memory`);
    try {
      await load(staging);
      await use(staging);
    } finally {
      // SYNC: a table dropped from an Atomic database otherwise keeps its rows in memory for minutes.
      await command(`DROP TABLE IF EXISTS ${staging} SYNC`).catch(() => undefined);
    }
  };
  /** The condition an insert needs: a probed one only when its probe finds a row. */
  const conditionFor = async (where: StagedCondition | ProbedCondition | undefined, probe: (where: ProbedCondition) => Promise<boolean>) =>
    where === undefined || typeof where === 'function' ? where : (await probe(where)) ? where.condition : undefined;
  /**
   * Embedded: the rows are a private file the engine reads through `file()` (no inline data). A
   * probe reads the file too, so a batch whose probe finds nothing (most batches: no event of it
   * stored before) goes from the file into the table with no copy.
   */
  const insertFromSpool: InsertRows = async (table, columns, body, format, where) => {
    spoolDir ??= mkdtempSync(join(tmpdir(), 'usage-readiness-insert-'));
    const spool = join(spoolDir, `${process.pid}-${++spooled}.${format === 'RowBinary' ? 'bin' : 'ndjson'}`);
    const rows = `file({spool:String}, ${format}, {structure:String})`;
    // Everything after the file is opened is inside the try: a write cut short (a full disk) or a
    // structure that cannot be read (an unknown column) leaves no spool file behind.
    try {
      // Written at once: an asynchronous write (fs.writeFile goes 512 KiB at a time) waits for the
      // event loop at each step, and while the next batch is being validated a 25 MB batch took
      // 700 ms to write instead of 40; the engine waited meanwhile.
      try {
        writeFileSync(spool, body);
      } catch (error) {
        // The directory is gone (a temporary-file cleaner, after days without an insert): the
        // insert fails as the store being unavailable, and its retry makes a new one.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') spoolDir = undefined;
        throw error;
      }
      const params = { spool, structure: await structureOf(table, columns) };
      const condition = await conditionFor(where, (probed) => anyRow(probed.probe(rows), { ...probed.probeParams, ...params }));
      if (!condition) return await command(insertSelect(`${database}.${table}`, columns, rows, undefined), params);
      await withStaging(
        table,
        columns,
        (staging) => command(insertSelect(staging, columns, rows, undefined), params),
        (staging) => command(insertSelect(`${database}.${table}`, columns, staging, condition)),
      );
    } finally {
      await unlink(spool).catch(() => undefined);
    }
  };
  /** Server: the bytes are the request body, streamed as they are; with a condition, into a staging table first. */
  const insertStreamed: InsertRows = async (table, columns, body, format, where) => {
    const stream = async (target: string) => {
      const result = await client.exec({
        query: `INSERT INTO ${target} (${columns.join(', ')}) SETTINGS ${INSERT_SETTINGS} FORMAT ${format}`,
        values: Readable.from([body], { objectMode: false }),
      });
      result.stream.resume();
    };
    if (!where) return stream(`${database}.${table}`);
    await withStaging(table, columns, stream, async (staging) =>
      command(insertSelect(`${database}.${table}`, columns, staging, await conditionFor(where, (probed) => anyRow(probed.probe(staging), probed.probeParams)))),
    );
  };
  const insertRows = kind === 'chdb' ? insertFromSpool : insertStreamed;
  let inFlight = 0;
  const counted = async <T>(statement: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await statement();
    } finally {
      inFlight--;
    }
  };
  const insertBody = async (table: string, columns: readonly string[], body: Buffer, format: RowFormat, where?: StagedCondition | ProbedCondition) => {
    if (body.byteLength === 0) return;
    const bad = columns.find((c) => !IDENTIFIER.test(c));
    if (bad !== undefined) throw new StoreQueryError(`insert into ${table}: ${JSON.stringify(bad)} is not a column name`);
    try {
      await counted(() => insertRows(table, columns, body, format, where));
    } catch (error) {
      throw failure(`insert into ${table}`, error);
    }
  };
  return {
    kind,
    database,
    cluster: options.cluster,
    client,
    sql,
    async query<T>(text: string, params: QueryParams = {}): Promise<T[]> {
      try {
        return await counted(async () => {
          const result = await client.query({ query: sql(text), query_params: params, format: 'JSONEachRow', abort_signal: signal });
          return (await result.json()) as T[];
        });
      } catch (error) {
        throw failure('query', error);
      }
    },
    async command(text: string, params: QueryParams = {}): Promise<void> {
      try {
        await counted(() => client.command({ query: sql(text), query_params: params, abort_signal: signal }));
      } catch (error) {
        throw failure('command', error);
      }
    },
    async insert(table: string, rows: readonly object[]): Promise<void> {
      if (rows.length === 0) return;
      const body = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n'));
      await insertBody(table, Object.keys(rows[0]!), body, 'JSONEachRow');
    },
    insertBody,
    inFlight: () => inFlight,
    async ping(): Promise<boolean> {
      try {
        const result = await client.ping();
        return result.success;
      } catch {
        return false;
      }
    },
    async close(): Promise<void> {
      closing.abort();
      if (spoolDir) rmSync(spoolDir, { recursive: true, force: true });
      await client.close();
    },
  };
}
