import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The walls between modules that Biome cannot check (docs/decisions.md, "Module walls").
 * Biome's noImportCycles and noRestrictedImports keep cycles out and keep a module to
 * another's service; this test keeps each table's SQL in the module that owns it.
 */
const src = join(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `platform` for src/platform, the folder name for src/modules/<name>, null for anything else. */
function ownerOf(file: string): string | null {
  const rel = relative(src, file).split('/');
  if (rel[0] === 'platform') return 'platform';
  if (rel[0] === 'modules' && rel.length > 2) return rel[1] ?? null;
  return null;
}

/**
 * Each table's owner: the module whose `<name>.tables.ts` adds it to the
 * database type (`declare module '…/db/schema.ts' { interface DB extends XTables {} }`).
 */
function tableOwners(): Map<string, string> {
  const owners = new Map<string, string>();
  for (const file of files(src).filter((f) => f.endsWith('.tables.ts'))) {
    const text = readFileSync(file, 'utf8');
    const merged = /interface DB extends (\w+)/.exec(text)?.[1];
    if (!merged) continue;
    const start = text.indexOf(`export type ${merged} = {`);
    const block = text.slice(start, text.indexOf('};', start));
    for (const m of block.matchAll(/^\s*'?([a-z_][a-z0-9_.]*)'?\s*:\s*(\w+Table)\s*;/gm)) {
      owners.set(m[1] ?? '', ownerOf(file) ?? file);
    }
  }
  return owners;
}

const builderCall =
  /\.(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|(?:inner|left|right|full)Join)\(\s*'([a-z_][a-z0-9_.]*)/g;
const sqlTemplate = /\bsql(?:<[^`]*?>)?`([^`]*)`/g;
const sqlTable = /\b(?:from|join|into|update|table)\s+(?:only\s+)?"?([a-z_][a-z0-9_.]*)"?/gi;

/** Every table a file writes SQL against, with the line it does it on. */
function tablesUsed(text: string, known: ReadonlySet<string>): { table: string; line: number }[] {
  const found: { table: string; line: number }[] = [];
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(builderCall)) {
    if (known.has(m[1] ?? '')) found.push({ table: m[1] ?? '', line: lineAt(m.index) });
  }
  for (const t of text.matchAll(sqlTemplate)) {
    for (const m of (t[1] ?? '').matchAll(sqlTable)) {
      const table = (m[1] ?? '').toLowerCase();
      if (known.has(table)) found.push({ table, line: lineAt(t.index + (t[0].indexOf(t[1] ?? '') ?? 0) + m.index) });
    }
  }
  return found;
}

describe('module walls', () => {
  const owners = tableOwners();
  const known = new Set(owners.keys());
  // Tests read any table to check what happened; migrations are history, applied as written.
  const code = [...files(join(src, 'platform')), ...files(join(src, 'modules'))].filter(
    (f) => !f.endsWith('.test.ts') && !f.includes('/migrations/'),
  );

  it('knows the owner of every table of the database type', () => {
    expect(owners.get('branches')).toBe('locations');
    expect(owners.get('orders')).toBe('commerce');
    expect(owners.get('customers')).toBe('customers');
    expect(owners.get('audit_log')).toBe('platform');
    expect(owners.size).toBeGreaterThan(15);
  });

  it('finds the tables a query names, in the builder and in sql templates', () => {
    const sample = [
      "trx.selectFrom('orders as o').leftJoin('branches as b', (j) => j)",
      'sql`update audit_log set before = null from customers c join notes n on true`',
      "trx.selectFrom('not_a_table')",
    ].join('\n');
    expect(tablesUsed(sample, known).map((u) => u.table)).toEqual([
      'orders',
      'branches',
      'audit_log',
      'customers',
      'notes',
    ]);
  });

  it('keeps each table’s SQL in the module that owns it', () => {
    const offences: string[] = [];
    for (const file of code) {
      const owner = ownerOf(file);
      for (const { table, line } of tablesUsed(readFileSync(file, 'utf8'), known)) {
        if (owners.get(table) !== owner) {
          offences.push(`${relative(src, file)}:${line} uses ${table}, owned by ${owners.get(table)}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('lets the platform name the module list only as a type', () => {
    const offences: string[] = [];
    for (const file of files(join(src, 'platform')).filter((f) => !f.endsWith('.test.ts'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^import (type )?[^;]*?from '([^']*modules\/[^']*)'/gm)) {
        if (!m[1]) offences.push(`${relative(src, file)} imports ${m[2]}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('lets the web app take from the server only types and plain data, never server code', () => {
    // The browser bundle must not pull in the server (its registry, database or job queue): a value
    // import from src/ is allowed only from these files, which import nothing but types themselves.
    const plainData = new Set(['modules/imports/imports.fields.ts']);
    const web = join(src, '..', 'web', 'src');
    const webFiles = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? webFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
      );
    const offenders: string[] = [];
    for (const file of webFiles(web)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
        const target = m[3] ?? '';
        if (m[2] || !target.includes('/src/')) continue;
        const resolved = relative(src, join(file, '..', target));
        if (resolved.startsWith('..')) continue; // within web/src
        if (!plainData.has(resolved)) offenders.push(`${relative(web, file)} imports ${resolved}`);
      }
    }
    for (const file of plainData) {
      const text = readFileSync(join(src, file), 'utf8');
      expect(text.match(/^import (?!type )/gm), `${file} imports only types`).toBeNull();
    }
    expect(offenders).toEqual([]);
  });
});
