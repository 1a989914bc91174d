import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import {
  createTestWorkspace,
  getTestApp,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../../test/harness.ts';
import { readImportFile } from '../imports/imports.file.ts';
import { suggestMapping } from '../imports/imports.mapping.ts';
import { runImportPipeline } from '../imports/imports.pipeline.ts';

// A customers import and POST /customers naming one new person at the same moment. On PostgreSQL the
// imports and the creates run on parallel pooled connections, so some creates land between an import
// batch's lookup and its insert; on PGlite the transactions queue, and the answers must be the same.
let t: TestApp;
let ws: TestWorkspace;
let ctx: Ctx;
/** Races per round, and rounds: enough that, without identity locks, PostgreSQL loses some every run. */
const PAIRS = 10;
const ROUNDS = testDatabaseKind === 'postgres' ? 8 : 2;

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'ייבוא מול יצירה');
  ctx = {
    workspaceId: ws.workspaceId,
    actor: { type: 'user', id: ws.ownerId, role: 'owner', name: 'מייבאת' },
    locale: 'he',
  };
});

const header = 'מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל,עיר';

async function importLines(lines: string[]) {
  const sheet = await readImportFile(Buffer.from([header, ...lines].join('\n')), 'customers.csv');
  return runImportPipeline({
    db: t.database.db,
    ctx,
    kind: 'customers',
    sheet,
    mapping: suggestMapping('customers', sheet.headers),
    timeZone: 'Asia/Jerusalem',
    locale: 'he',
    batchSize: 2,
    concurrency: 2,
  });
}

const mobile = () => `05${Math.floor(20_000_000 + Math.random() * 79_999_999)}`;

/** Active customers holding a value in a column, read straight from the database. */
async function holders(column: 'external_id' | 'email' | 'phone', value: string) {
  return inWorkspace(t.database.db, ws.workspaceId, (trx) =>
    trx
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', ws.workspaceId)
      .where('status', '=', 'active')
      .where(column, '=', value)
      .execute(),
  );
}

type Race = {
  lines: string[];
  person: { externalId: string; email: string; phone: string };
  create: object;
};

/** A three-row file, one of whose people an API caller creates at the same time by one shared key. */
function race(round: number, pair: number): Race {
  const tag = randomToken(6).toLowerCase();
  const people = [0, 1, 2].map((i) => ({
    externalId: `race-${tag}-${i}`,
    email: `race-${tag}-${i}@example.com`,
    phone: mobile(),
  }));
  const person = people[1]!;
  // Each race ties the create to the imported person by one key only: the external id, the email or the phone.
  const shared = (round + pair) % 3;
  const create =
    shared === 0
      ? { firstName: 'מה-API', externalId: person.externalId, email: `other-${tag}@example.com` }
      : shared === 1
        ? { firstName: 'מה-API', email: person.email }
        : { firstName: 'מה-API', phone: person.phone };
  return {
    lines: people.map((p, i) => `${p.externalId},מיובאת,שורה ${i},${p.phone},${p.email},חיפה`),
    person,
    create,
  };
}

describe(`a customers import and API creates of the same new person at once (${testDatabaseKind})`, () => {
  it('completes every import, keeps one customer per identity, and a re-import changes nothing', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const races = Array.from({ length: PAIRS }, (_, pair) => race(round, pair));
      // Both started before either is awaited, so they run at once.
      const importing = Promise.allSettled(races.map((r) => importLines(r.lines)));
      const creating = Promise.all(
        races.map((r) => ws.request({ method: 'POST', url: '/api/v1/customers', payload: r.create })),
      );
      const [imports, creates] = await Promise.all([importing, creating]);
      for (const [i, r] of races.entries()) {
        const imported = imports[i]!;
        const response = creates[i]!;
        const label = `round ${round}, race ${i}: ${JSON.stringify(r.create)}`;
        // The import job finishes; the row that met the API's customer is an insert or an update, never an error.
        expect(imported.status === 'rejected' ? String(imported.reason) : 'fulfilled', label).toBe('fulfilled');
        if (imported.status === 'fulfilled') {
          expect(imported.value, label).toMatchObject({ processedRows: 3, errorRows: 0 });
          expect(imported.value.insertedRows + imported.value.updatedRows, label).toBe(3);
        }
        // The create either made the customer (and the import then updated it) or was told who holds it.
        expect([201, 409], `${label}: ${response.body}`).toContain(response.statusCode);
        const [byExternal, byEmail, byPhone] = await Promise.all([
          holders('external_id', r.person.externalId),
          holders('email', r.person.email),
          holders('phone', `+972${r.person.phone.slice(1)}`),
        ]);
        expect(byExternal, label).toHaveLength(1);
        expect(
          byEmail.map((c) => c.id),
          label,
        ).toEqual(byExternal.map((c) => c.id));
        expect(
          byPhone.map((c) => c.id),
          label,
        ).toEqual(byExternal.map((c) => c.id));
        if (response.statusCode === 201) expect(byExternal[0]?.id, label).toBe(response.json().id);
        if (response.statusCode === 409) expect(response.json().code, label).toBe('CUSTOMER.DUPLICATE');
      }
      // The same files again: every row finds its customer as it left it.
      const again = await Promise.all(races.map((r) => importLines(r.lines)));
      for (const totals of again) {
        expect(totals).toMatchObject({ processedRows: 3, insertedRows: 0, updatedRows: 0, unchangedRows: 3 });
      }
    }
  });
});

describe(`two imports of the same new people at once (${testDatabaseKind})`, () => {
  it('completes both, with one customer per external id, created by one of them', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const files = Array.from({ length: PAIRS / 2 }, (_, pair) => race(round, pair).lines);
      const results = await Promise.allSettled(files.flatMap((lines) => [importLines(lines), importLines(lines)]));
      for (const [i, lines] of files.entries()) {
        const pair = [results[2 * i]!, results[2 * i + 1]!];
        const label = `round ${round}, file ${i}`;
        const totals = pair.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)));
        expect(totals, label).toMatchObject([{ errorRows: 0 }, { errorRows: 0 }]);
        const inserted = pair.reduce((n, r) => n + (r.status === 'fulfilled' ? r.value.insertedRows : 0), 0);
        expect(inserted, label).toBe(3);
        for (const line of lines) expect(await holders('external_id', line.split(',')[0]!), label).toHaveLength(1);
      }
    }
  });
});
