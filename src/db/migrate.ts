import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { modules } from '../modules/index.ts';

/** Each module's migrations (its `migrations`, kept in its own `<module>/migrations/` folder). */
const owners = (): Record<string, Readonly<Record<string, Migration>>> =>
  Object.fromEntries(modules.map((m) => [m.name, 'migrations' in m ? m.migrations : {}]));

/**
 * A migration is named by when it was written, to the second:
 * `20261215_143005_loyalty_points`. Two branches written at once get two
 * names, and either may land first. The first ones, from before this rule,
 * carry a sequence number instead (`20261124_0005_customer_page`).
 */
export const MIGRATION_NAME = /^(\d{8})_(\d{6})_[a-z][a-z0-9_]*$/;
const LEGACY_NAME = /^(\d{8})_(\d{4})_[a-z][a-z0-9_]*$/;
const LAST_LEGACY = '20261201_0015_order_addresses';

/** Every module's migrations under one name each; a name used twice, or badly formed, stops the start. */
export function collectMigrations(
  sets: Record<string, Readonly<Record<string, Migration>>> = owners(),
): Record<string, Migration> {
  const all: Record<string, Migration> = {};
  const ownerOf = new Map<string, string>();
  for (const [owner, migrations] of Object.entries(sets)) {
    for (const [name, migration] of Object.entries(migrations)) {
      const legacy = LEGACY_NAME.test(name) && name <= LAST_LEGACY;
      if (!legacy && !MIGRATION_NAME.test(name)) {
        throw new Error(`migration ${name} (${owner}) is not named YYYYMMDD_HHMMSS_what_it_does`);
      }
      const other = ownerOf.get(name);
      if (other) throw new Error(`migration ${name} is defined by both ${other} and ${owner}`);
      ownerOf.set(name, owner);
      all[name] = migration;
    }
  }
  return all;
}

/**
 * Brings the schema to the latest version; the only way the schema changes.
 * Migrations run in name order; one merged from a parallel branch, named
 * before others already applied, runs too (once: kysely_migration records it),
 * so modules built side by side need no renumbering.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  migrations: Record<string, Migration> = collectMigrations(),
  options: { bookkeepingSchema?: string } = {},
): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({
    db,
    provider,
    allowUnorderedMigrations: true,
    ...(options.bookkeepingSchema ? { migrationTableSchema: options.bookkeepingSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
