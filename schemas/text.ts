import { z } from 'zod';

/**
 * Text the store and every consumer can hold: well-formed Unicode (no lone UTF-16 surrogates,
 * which browsers and Segment SDKs do emit and ClickHouse refuses), ids without NUL or other
 * control characters, and JSON no deeper than a documented limit.
 */

/** Longest id (account, user, event, product…), in UTF-16 code units; the API's limit too. */
export const MAX_ID_LENGTH = 256;

/**
 * Deepest JSON nesting accepted (the top-level object is depth 1). Real telemetry nests a few
 * levels; far deeper values overflow recursive serialisers (JSON.stringify fails near 4,500).
 */
export const MAX_JSON_DEPTH = 64;

// C0 controls, DEL and C1 controls: invisible, and NUL ends strings in many tools.
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** A string that is well-formed Unicode. */
export function wellFormedString(what: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${what} is missing` : `${what} must be a string`) })
    .refine((s) => s.isWellFormed(), `${what} is not well-formed Unicode (lone surrogates)`);
}

/** An id: trimmed, 1 to `max` characters, well-formed, no control characters. */
export function idSchema(what: string, max: number = MAX_ID_LENGTH) {
  return wellFormedString(what)
    .trim()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARACTERS.test(s), `${what} must not contain NUL or other control characters`);
}

/** An optional label (product, feature…): like an id but may be empty, null or absent. */
export function labelSchema(what: string, max: number = MAX_ID_LENGTH) {
  return wellFormedString(what)
    .trim()
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARACTERS.test(s), `${what} must not contain NUL or other control characters`)
    .nullish();
}

/** What is wrong in a JSON value: where, and why. */
export interface JsonProblem {
  /** Dotted path (`properties.a.0`), empty for the value itself. */
  path: string;
  kind: 'too_deep' | 'ill_formed';
  message: string;
}

/**
 * Walks a decoded JSON value without recursion (a stack of pending nodes, so any depth is safe)
 * and reports the first place nested deeper than `maxDepth` or holding a string or key that is
 * not well-formed Unicode.
 */
export function jsonProblem(value: unknown, maxDepth: number = MAX_JSON_DEPTH): JsonProblem | undefined {
  // Paths are built only when a problem is found: each entry points at its parent.
  interface Entry {
    node: unknown;
    depth: number;
    key: string;
    parent: Entry | undefined;
  }
  const pathOf = (e: Entry | undefined): string => {
    const keys: string[] = [];
    for (let p = e; p?.parent; p = p.parent) keys.push(p.key);
    return keys.reverse().join('.');
  };
  const named = (path: string) => path || 'value';
  const pending: Entry[] = [{ node: value, depth: 0, key: '', parent: undefined }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    const node = entry.node;
    if (typeof node === 'string') {
      if (!node.isWellFormed()) {
        const path = pathOf(entry);
        return { path, kind: 'ill_formed', message: `${named(path)}: not well-formed Unicode (lone surrogates)` };
      }
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (entry.depth + 1 > maxDepth) {
      const path = pathOf(entry);
      return { path, kind: 'too_deep', message: `${named(path)} nests deeper than ${maxDepth} levels` };
    }
    const depth = entry.depth + 1;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) pending.push({ node: node[i], depth, key: String(i), parent: entry });
    } else {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (!key.isWellFormed()) {
          const path = pathOf(entry);
          return { path, kind: 'ill_formed', message: `${named(path)}: a key is not well-formed Unicode (lone surrogates)` };
        }
        pending.push({ node: (node as Record<string, unknown>)[key], depth, key, parent: entry });
      }
    }
  }
  return undefined;
}

/**
 * True when the JSON text alone shows its value is within the limits, without walking the value:
 * text that is well-formed Unicode (as strict UTF-8 decoding makes it) can only yield a lone
 * surrogate through a `\u` escape, and cannot nest deeper than the number of brackets it holds.
 * False means "walk the value" (`jsonWithinLimits`), not that anything is wrong.
 */
export function jsonTextWithinLimits(text: string, wellFormed: boolean, maxDepth: number = MAX_JSON_DEPTH): boolean {
  if (!wellFormed || text.includes('\\u')) return false;
  let brackets = 0;
  for (const open of ['{', '[']) {
    for (let at = text.indexOf(open); at !== -1; at = text.indexOf(open, at + 1)) {
      if (++brackets > maxDepth) return false;
    }
  }
  return true;
}

/**
 * True when `jsonProblem` finds nothing, without building its path entries: the check every
 * message pays, so it keeps two plain stacks (nodes and their depths) and no objects per node.
 * When it says false, `jsonProblem` tells where and why.
 */
export function jsonWithinLimits(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (typeof value !== 'object' || value === null) return true;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return false;
    const keys = Array.isArray(node) ? undefined : Object.keys(node);
    const items: unknown[] = keys === undefined ? (node as unknown[]) : Object.values(node);
    if (keys !== undefined) {
      for (const key of keys) if (!key.isWellFormed()) return false;
    }
    for (const item of items) {
      if (typeof item === 'string') {
        if (!item.isWellFormed()) return false;
      } else if (typeof item === 'object' && item !== null) {
        nodes.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return true;
}
