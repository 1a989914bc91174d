import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, type Migration, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { getTestApp } from '../test/harness.ts';
import { collectMigrations, MIGRATION_NAME, migrateToLatest } from './migrate.ts';

const src = path.resolve(import.meta.dirname, '..');

/** Every file in a `migrations` folder of a module or the platform. */
function migrationFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (path.basename(dir) === 'migrations' && entry.name.endsWith('.ts')) found.push(full);
    }
  };
  walk(src);
  return found;
}

describe('migrations', () => {
  it('are each listed by the module whose folder holds them, once, under their own file name', () => {
    const names = Object.keys(collectMigrations());
    const files = migrationFiles().map((f) => path.basename(f, '.ts'));
    expect(files.length).toBeGreaterThan(10);
    // A file left out of its module's list would never run; a name listed twice would run once for two files.
    expect([...names].sort()).toEqual([...files].sort());
    for (const file of migrationFiles()) expect(path.basename(path.dirname(path.dirname(file)))).not.toBe('db');
  });

  it('refuses a name without its timestamp and a name two modules use', () => {
    const noop: Migration = { up: async () => undefined };
    expect(() => collectMigrations({ loyalty: { loyalty_points: noop } })).toThrow(/YYYYMMDD_HHMMSS/);
    expect(() => collectMigrations({ loyalty: { '20261215_0016_points': noop } })).toThrow(/YYYYMMDD_HHMMSS/);
    expect(() =>
      collectMigrations({
        loyalty: { '20261215_143005_points': noop },
        campaigns: { '20261215_143005_points': noop },
      }),
    ).toThrow(/both loyalty and campaigns/);
    expect(Object.keys(collectMigrations({ loyalty: { '20261215_143005_points': noop } }))).toEqual([
      '20261215_143005_points',
    ]);
    expect(MIGRATION_NAME.test('20261215_143005_loyalty_points')).toBe(true);
  });

  it('applies a migration merged from a parallel branch, though named before ones already applied, exactly once', async () => {
    const { database } = await getTestApp();
    const db = database.db as unknown as Kysely<unknown>;
    const schema = `migrate_test_${Date.now()}`;
    await sql`create schema ${sql.id(schema)}`.execute(db);
    try {
      const table = (name: string): Migration => ({
        up: async (trx) => {
          await sql`create table ${sql.table(`${schema}.${name}`)} (id int primary key)`.execute(trx);
        },
      });
      // Main has loyalty's migration; the campaigns branch, written a minute earlier, lands after it.
      const main = { '20261215_143005_loyalty': table('loyalty') };
      const merged = { ...main, '20261215_142900_campaigns': table('campaigns') };
      const options = { bookkeepingSchema: schema };
      expect(await migrateToLatest(db, main, options)).toEqual(['20261215_143005_loyalty']);
      expect(await migrateToLatest(db, merged, options)).toEqual(['20261215_142900_campaigns']);
      expect(await migrateToLatest(db, merged, options)).toEqual([]);
      const tables = await sql<{ name: string }>`
        select table_name as name from information_schema.tables where table_schema = ${schema} order by 1`.execute(db);
      expect(tables.rows.map((r) => r.name)).toEqual([
        'campaigns',
        'kysely_migration',
        'kysely_migration_lock',
        'loyalty',
      ]);
    } finally {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(db);
    }
  });
});
