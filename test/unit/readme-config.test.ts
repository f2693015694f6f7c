import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../schemas/index.js';
import { PACKAGE_ROOT } from '../../schemas/package-files.js';

/** The README's configuration tables: variable name → default cell (backticks removed). */
function readmeDefaults(): Map<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]!.startsWith('`')) continue;
    for (const [, name] of cells[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) rows.set(name!, cells[2]!.replaceAll('`', ''));
  }
  return rows;
}

/** The schema's default as the README writes it. */
function schemaDefault(name: string): string {
  const field = envSchema.shape[name as keyof typeof envSchema.shape];
  // A prefault is an input default (the text of the variable), written as it is.
  const def = field._zod.def as { type: string; defaultValue?: unknown };
  if (def.type === 'prefault') return String(def.defaultValue);
  const parsed = field.safeParse(undefined);
  if (!parsed.success) return '(required)';
  const value: unknown = parsed.data;
  if (value === undefined) return 'unset';
  if (value === '') return 'empty';
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.join(',');
  if (name === 'PRODUCTS_FILE') return relative(PACKAGE_ROOT, String(value));
  return String(value);
}

describe('README configuration table', () => {
  const documented = readmeDefaults();
  const names = Object.keys(envSchema.shape);

  it('lists exactly the variables the configuration schema reads', () => {
    expect([...documented.keys()].sort()).toEqual([...names].sort());
  });

  it.each(names)('%s: the README default is the schema default', (name) => {
    expect(documented.get(name)).toBe(schemaDefault(name));
  });
});
