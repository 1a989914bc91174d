/**
 * Import benchmark: CSV → Klient's import pipeline (parse, validate, write)
 * against the plain way of loading the same rows into the same tables —
 * COPY on PostgreSQL, batched multi-row INSERT on PGlite.
 *
 *   npx tsx bench/import.bench.ts [--customers 100000] [--orders 1000000] [--db both|pglite|postgres]
 *                                 [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Each side loads into a fresh database. The baseline writes the same
 * customer, order and order-line records the import stores (search text and
 * consents included, ids resolved beforehand, untimed): that is "ratio", the
 * goal being ≥ 0.5. The import also writes identities and consent history
 * (the timeline reads customers, consents and orders from their own tables);
 * the baseline loads those rows too, for a second ratio against every row
 * the import stores. Rows/s counts CSV data
 * rows (customers + order lines).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { buildSearchText } from '../src/modules/customers/customers.normalise.ts';
import { readImportFile } from '../src/modules/imports/imports.file.ts';
import { suggestMapping } from '../src/modules/imports/imports.mapping.ts';
import { runImportPipeline } from '../src/modules/imports/imports.pipeline.ts';
import { importBatching } from '../src/modules/imports/imports.service.ts';
import { modules } from '../src/modules/index.ts';
import { createWorkspace } from '../src/platform/auth.service.ts';
import type { Ctx } from '../src/platform/context.ts';
import { newId } from '../src/platform/crypto.ts';
import { installModules } from '../src/platform/registry.ts';
import { benchCustomer, benchOrder, benchProducts, mulberry32, writeBenchCsvs } from './import-data.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    orders: { type: 'string', default: '1000000' },
    db: { type: 'string', default: 'both' },
    'pg-url': {
      type: 'string',
      default: process.env.KLIENT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const customers = Number(values.customers);
const orders = Number(values.orders);
const workDir = path.join(os.tmpdir(), 'klient-bench');

type Side = { seconds: number; customersSeconds: number; ordersSeconds: number; allSeconds?: number };

async function freshDatabase(
  kind: 'pglite' | 'postgres',
  label: string,
): Promise<{ database: Database; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const dir = fs.mkdtempSync(path.join(workDir, `pglite-${label}-`));
    const database = await openDatabase({ kind: 'pglite', dataDir: dir });
    await migrateToLatest(database.db as never);
    return {
      database,
      async drop() {
        await database.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = new pg.Client({ connectionString: values['pg-url'] });
  await admin.connect();
  const name = `klient_bench_${label}_${Date.now()}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(values['pg-url']!);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', connectionString: url.toString(), max: 4 });
  await migrateToLatest(database.db as never);
  return {
    database,
    async drop() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: values['pg-url'] });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function newWorkspace(database: Database) {
  const { workspaceId, ownerId } = await createWorkspace(database.db, {
    name: 'בנצ׳מרק',
    ownerName: 'bench',
    ownerEmail: `bench-${Date.now()}@example.com`,
    ownerPassword: 'bench-password-1234',
  });
  return { workspaceId, ownerId };
}

async function runImport(
  kind: 'pglite' | 'postgres',
  files: { customersPath: string; ordersPath: string },
): Promise<Side> {
  const { database, drop } = await freshDatabase(kind, 'import');
  try {
    const { workspaceId, ownerId } = await newWorkspace(database);
    const ctx: Ctx = { workspaceId, actor: { type: 'user', id: ownerId, role: 'owner', name: 'bench' }, locale: 'en' };
    const run = async (file: string, importKind: 'customers' | 'orders') => {
      const started = performance.now();
      // The pipeline at full size: past the server's per-file row limit (KLIENT_IMPORT_MAX_ROWS).
      const sheet = await readImportFile(fs.readFileSync(file), path.basename(file), {
        maxRows: Number.POSITIVE_INFINITY,
      });
      const totals = await runImportPipeline({
        db: database.db,
        ctx,
        kind: importKind,
        sheet,
        mapping: suggestMapping(importKind, sheet.headers),
        timeZone: 'Asia/Jerusalem',
        locale: 'en',
        // As the import job runs it (imports.service.ts): its batch size and batches in flight.
        ...importBatching(database.db),
      });
      const seconds = (performance.now() - started) / 1000;
      if (totals.errorRows > 0 || totals.insertedRows !== sheet.rows.length) {
        throw new Error(`${importKind}: ${JSON.stringify(totals)}`);
      }
      console.log(`  import ${importKind}: ${sheet.rows.length} rows in ${seconds.toFixed(1)} s`);
      return seconds;
    };
    const customersSeconds = await run(files.customersPath, 'customers');
    const ordersSeconds = await run(files.ordersPath, 'orders');
    return { seconds: customersSeconds + ordersSeconds, customersSeconds, ordersSeconds };
  } finally {
    await drop();
  }
}

/** The same rows the import writes to customers, orders and order_items, ready for COPY or INSERT. */
function baselineRows(workspaceId: string, branchIds: Map<string, string>, productIds: Map<string, string>) {
  const customerRows: unknown[][] = [];
  const customerIds: string[] = [];
  const identityRows: unknown[][] = [];
  const consentRows: unknown[][] = [];
  const now = new Date().toISOString();
  let random = mulberry32(1);
  for (let i = 0; i < customers; i++) {
    const c = benchCustomer(i, random);
    const id = newId();
    customerIds.push(id);
    const phone = `+972${c.phone.slice(1)}`;
    // The customer record exactly as the import stores it, search text and consents included.
    const searchText = buildSearchText({
      names: [c.firstName, c.lastName],
      emails: [c.email],
      phones: [phone],
      externalIds: [c.externalId],
    });
    customerRows.push([
      workspaceId,
      id,
      c.externalId,
      c.firstName,
      c.lastName,
      c.email,
      phone,
      JSON.stringify({ city: c.city }),
      JSON.stringify({ email: c.consentEmail }),
      'import',
      'bench',
      searchText,
    ]);
    identityRows.push([workspaceId, newId(), id, 'email', c.email, 'import']);
    identityRows.push([workspaceId, newId(), id, 'phone', phone, 'import']);
    const consentId = newId();
    const status = c.consentEmail ? 'granted' : 'revoked';
    consentRows.push([workspaceId, consentId, id, 'email', status, 'import', 'bench', now]);
  }
  const orderRows: unknown[][] = [];
  const itemRows: unknown[][] = [];
  random = mulberry32(2);
  for (let j = 0; j < orders; j++) {
    const o = benchOrder(j, customers, random);
    const id = newId();
    const total = ((Math.round(o.unitPrice * 100) * o.quantity) / 100).toFixed(2);
    orderRows.push([
      workspaceId,
      id,
      o.externalId,
      customerIds[o.customer],
      o.placedAt,
      o.channel,
      o.branch ? branchIds.get(o.branch) : null,
      total,
      1,
    ]);
    itemRows.push([workspaceId, id, 1, productIds.get(o.sku), o.sku, o.name, o.quantity, o.unitPrice, total]);
  }
  return { customerRows, orderRows, itemRows, identityRows, consentRows };
}

const customerColumns =
  'workspace_id, id, external_id, first_name, last_name, email, phone, address, consents, source, created_by, search_text';
const orderColumns = 'workspace_id, id, external_id, customer_id, placed_at, channel, branch_id, total, items_count';
const itemColumns = 'workspace_id, order_id, line_no, product_id, sku, name, quantity, unit_price, total';
const identityColumns = 'workspace_id, id, customer_id, kind, value, source';
const consentColumns = 'workspace_id, id, customer_id, channel, status, source, recorded_by, occurred_at';

async function seedCatalogue(database: Database, workspaceId: string) {
  const branchIds = new Map<string, string>();
  for (const name of ['תל אביב', 'חיפה', 'באר שבע']) {
    const id = newId();
    branchIds.set(name, id);
    await database.db.insertInto('branches').values({ workspace_id: workspaceId, id, code: name, name }).execute();
  }
  const productIds = new Map<string, string>();
  for (const p of benchProducts) {
    const id = newId();
    productIds.set(p.sku, id);
    await database.db
      .insertInto('products')
      .values({ workspace_id: workspaceId, id, sku: p.sku, name: p.name, price: p.price })
      .execute();
  }
  return { branchIds, productIds };
}

const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

async function runBaseline(kind: 'pglite' | 'postgres'): Promise<Side> {
  const { database, drop } = await freshDatabase(kind, 'baseline');
  try {
    const { workspaceId } = await newWorkspace(database);
    const { branchIds, productIds } = await seedCatalogue(database, workspaceId);
    const rows = baselineRows(workspaceId, branchIds, productIds);
    const tables: [string, string, unknown[][]][] = [
      ['customers', customerColumns, rows.customerRows],
      ['orders', orderColumns, rows.orderRows],
      ['order_items', itemColumns, rows.itemRows],
      // The rest of what the import stores: identities and consent history (the timeline reads both
      // the customer and its consents in place; the import writes no timeline rows).
      ['customer_identities', identityColumns, rows.identityRows],
      ['consent_events', consentColumns, rows.consentRows],
    ];
    const seconds: number[] = [];
    if (kind === 'postgres') {
      // Server-side COPY from files the local server reads: the fastest plain load PostgreSQL has.
      const files = tables.map(([table, , data]) => {
        const file = path.join(workDir, `copy-${table}.csv`);
        fs.writeFileSync(file, `${data.map((r) => r.map(csvCell).join(',')).join('\n')}\n`);
        fs.chmodSync(file, 0o644);
        return file;
      });
      const client = await database.pool!.connect();
      try {
        for (const [i, [table, columns]] of tables.entries()) {
          const started = performance.now();
          await client.query(`copy ${table} (${columns}) from '${files[i]}' with (format csv)`);
          seconds.push((performance.now() - started) / 1000);
        }
      } finally {
        client.release();
      }
      for (const file of files) fs.rmSync(file, { force: true });
    } else {
      const pglite = database.pglite!;
      for (const [table, columns, data] of tables) {
        const started = performance.now();
        const width = columns.split(',').length;
        for (let at = 0; at < data.length; at += 1000) {
          const chunk = data.slice(at, at + 1000);
          const placeholders = chunk.map(
            (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(',')})`,
          );
          await pglite.query(`insert into ${table} (${columns}) values ${placeholders.join(',')}`, chunk.flat());
        }
        seconds.push((performance.now() - started) / 1000);
      }
    }
    for (const [i, [table, , data]] of tables.entries()) {
      console.log(`  baseline ${table}: ${data.length} rows in ${seconds[i]!.toFixed(1)} s`);
    }
    return {
      seconds: seconds[0]! + seconds[1]! + seconds[2]!,
      customersSeconds: seconds[0]!,
      ordersSeconds: seconds[1]! + seconds[2]!,
      allSeconds: seconds.reduce((a, b) => a + b, 0),
    };
  } finally {
    await drop();
  }
}

async function main() {
  installModules(modules);
  fs.mkdirSync(workDir, { recursive: true });
  console.log(`Generating ${customers} customers and ${orders} order lines in ${workDir} ...`);
  const files = writeBenchCsvs(workDir, customers, orders);
  const rows = customers + orders;
  const kinds = values.db === 'both' ? (['postgres', 'pglite'] as const) : [values.db as 'pglite' | 'postgres'];
  const results: string[] = [];
  for (const kind of kinds) {
    const baselineName = kind === 'postgres' ? 'COPY' : 'multi-row INSERT';
    console.log(`\n${kind}: Klient import`);
    const imported = await runImport(kind, files);
    console.log(`${kind}: baseline (${baselineName})`);
    const baseline = await runBaseline(kind);
    const importRate = rows / imported.seconds;
    const baselineRate = rows / baseline.seconds;
    const line =
      `${kind.padEnd(8)} import ${Math.round(importRate).toLocaleString('en')} rows/s (${imported.seconds.toFixed(1)} s)` +
      ` | ${baselineName} ${Math.round(baselineRate).toLocaleString('en')} rows/s (${baseline.seconds.toFixed(1)} s)` +
      ` | ratio ${(importRate / baselineRate).toFixed(2)}` +
      ` | ratio to every stored row loaded plainly ${(baseline.allSeconds! / imported.seconds).toFixed(2)}` +
      ` | customers ${(customers / imported.customersSeconds).toFixed(0)} vs ${(customers / baseline.customersSeconds).toFixed(0)} rows/s` +
      ` | orders ${(orders / imported.ordersSeconds).toFixed(0)} vs ${(orders / baseline.ordersSeconds).toFixed(0)} rows/s`;
    results.push(line);
    console.log(line);
  }
  console.log(`\nImport of ${customers} customers and ${orders} order lines (${rows} CSV rows):`);
  for (const line of results) console.log(line);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
