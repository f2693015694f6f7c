import { ERROR_CODES, ReadinessError } from '../schemas/errors.js';

/**
 * Renders a migration statement for the ClickHouse deployment it will run on.
 *
 * Single node (no cluster): the statement is returned unchanged.
 *
 * Cluster (CLICKHOUSE_CLUSTER): one shard, any number of replicas. Every DDL statement gets
 * `ON CLUSTER '<name>'`, so each replica creates or alters its copy through the distributed
 * DDL queue, and every MergeTree-family engine becomes its Replicated form on the path below,
 * so rows inserted on one replica reach the others. Statements that are not DDL (an
 * `INSERT … SELECT` backfill) run once: replication copies their rows. A statement the
 * renderer does not know is refused rather than run on one replica only.
 *
 * Why one shard: every table here is small next to what one ClickHouse node handles (the
 * scoring pass reads per-day aggregates; see docs/deployment.md), and a single shard keeps
 * inserts synchronous and FINAL / ReplacingMergeTree de-duplication exact without a
 * Distributed table layer and a sharding key. The migrate step checks the cluster's shard count.
 */
export interface DdlTarget {
  /** ClickHouse cluster name from `remote_servers`; undefined on a single node. */
  cluster: string | undefined;
}

/** ZooKeeper/Keeper path of each replicated table; `{shard}`/`{replica}` are the servers' macros. */
export const REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const REPLICA_NAME = '{replica}';

/** Engines of the MergeTree family, which have a Replicated form taking (path, replica, ...own arguments). */
const MERGE_TREE = /^(Replacing|Aggregating|Summing|Collapsing|VersionedCollapsing|Graphite|Coalescing)?MergeTree$/;
/** Engines that hold no data of their own, so each replica's copy is equivalent. */
const DATALESS = new Set(['Null']);

/**
 * Object-name DDL: the cluster clause goes right after the object's name
 * (`CREATE TABLE [IF NOT EXISTS] db.t ON CLUSTER c (…)`).
 */
const NAMED_DDL =
  /^(\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|MATERIALIZED\s+VIEW|VIEW|DICTIONARY|DATABASE)(?:\s+IF\s+NOT\s+EXISTS)?|ALTER\s+TABLE|DROP\s+(?:TABLE|VIEW|DICTIONARY|DATABASE)(?:\s+IF\s+EXISTS)?|TRUNCATE\s+TABLE(?:\s+IF\s+EXISTS)?|OPTIMIZE\s+TABLE)\s+)([^\s(]+)/i;
/** Multi-name DDL: the cluster clause goes at the end (`RENAME TABLE a TO b ON CLUSTER c`). */
const TRAILING_DDL = /^\s*(?:RENAME\s+(?:TABLE|DICTIONARY)|EXCHANGE\s+(?:TABLES|DICTIONARIES))\s/i;
/** Data statements: run once, replicated by the engine. */
const DATA_STATEMENT = /^\s*INSERT\s+INTO\s/i;

export class UnsupportedDdlError extends ReadinessError {
  constructor(statement: string, reason: string) {
    const head = statement.trim().split('\n')[0]!.slice(0, 120);
    super(ERROR_CODES.MIGRATION_FAILED, `cannot render for a cluster: ${reason}: ${head}`, { canRetry: false });
  }
}

export function renderDdl(statement: string, target: DdlTarget): string {
  if (target.cluster === undefined) return statement;
  const onCluster = `ON CLUSTER ${quoteLiteral(target.cluster)}`;
  if (DATA_STATEMENT.test(statement)) return statement;
  let rendered: string;
  const named = NAMED_DDL.exec(statement);
  if (named) {
    rendered = `${named[1]}${named[2]} ${onCluster}${statement.slice(named[0].length)}`;
  } else if (TRAILING_DDL.test(statement)) {
    rendered = `${statement.trimEnd()} ${onCluster}`;
  } else {
    throw new UnsupportedDdlError(statement, 'not a statement this renderer knows (CREATE, ALTER, DROP, TRUNCATE, OPTIMIZE, RENAME, EXCHANGE or INSERT)');
  }
  return replicateEngines(rendered);
}

/** Rewrites each `ENGINE = <MergeTree family>[(args)]` to its Replicated form. */
function replicateEngines(statement: string): string {
  const engine = /\bENGINE\s*=\s*([A-Za-z]+)/g;
  let out = '';
  let from = 0;
  for (let match = engine.exec(statement); match; match = engine.exec(statement)) {
    const name = match[1]!;
    const nameEnd = match.index + match[0].length;
    if (name.startsWith('Replicated') || DATALESS.has(name)) continue;
    const family = MERGE_TREE.exec(name);
    if (!family) throw new UnsupportedDdlError(statement, `engine ${name} has no replicated form`);
    const args = argumentsAt(statement, nameEnd);
    const own = args?.text.trim() ?? '';
    const replicated = `Replicated${family[1] ?? ''}MergeTree(${quoteLiteral(REPLICA_PATH)}, ${quoteLiteral(REPLICA_NAME)}${own ? `, ${own}` : ''})`;
    out += `${statement.slice(from, match.index)}ENGINE = ${replicated}`;
    from = args ? args.end : nameEnd;
    engine.lastIndex = from;
  }
  return out + statement.slice(from);
}

/** The parenthesised argument list starting at `at` (after optional spaces), parentheses balanced. */
function argumentsAt(text: string, at: number): { text: string; end: number } | undefined {
  let i = at;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '(') return undefined;
  let depth = 0;
  let quote: string | undefined;
  for (let j = i; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { text: text.slice(i + 1, j), end: j + 1 };
  }
  throw new UnsupportedDdlError(text, 'unbalanced parentheses in the engine clause');
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
