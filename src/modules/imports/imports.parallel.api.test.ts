import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';
import { createTestWorkspace, getTestApp, type TestApp, testDatabaseKind } from '../../test/harness.ts';
import { readImportFile } from './imports.file.ts';
import { suggestMapping } from './imports.mapping.ts';
import { runImportPipeline } from './imports.pipeline.ts';

// Two customer imports of the same new people, known only by email or by phone, at the same
// moment: on PostgreSQL their batches run on parallel pooled connections; on PGlite they queue.
// Either way each person is one customer, and every row of both files is accounted for.
let t: TestApp;
let ctx: Ctx;
const ROUNDS = testDatabaseKind === 'postgres' ? 4 : 1;

beforeAll(async () => {
  t = await getTestApp();
  const ws = await createTestWorkspace(t, 'שני ייבואים');
  ctx = {
    workspaceId: ws.workspaceId,
    actor: { type: 'user', id: ws.ownerId, role: 'owner', name: 'מייבאת' },
    locale: 'he',
  };
});

const mobile = () => `05${Math.floor(20_000_000 + Math.random() * 79_999_999)}`;

async function importLines(header: string, lines: string[]) {
  const sheet = await readImportFile(Buffer.from([header, ...lines].join('\n')), 'customers.csv');
  return runImportPipeline({
    db: t.database.db,
    ctx,
    kind: 'customers',
    sheet,
    mapping: suggestMapping('customers', sheet.headers),
    timeZone: 'Asia/Jerusalem',
    locale: 'he',
    batchSize: 3,
    concurrency: 2,
  });
}

async function activeWith(column: 'email' | 'phone', values: string[]) {
  return inWorkspace(t.database.db, ctx.workspaceId, (trx) =>
    trx
      .selectFrom('customers')
      .select(['id', column])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('status', '=', 'active')
      .where(column, 'in', values)
      .execute(),
  );
}

describe('two customer imports at once', () => {
  it('make one customer of each new person they share, by email and by phone', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const tag = randomToken(5).toLowerCase();
      const emails = Array.from({ length: 12 }, (_, i) => `both-${tag}-${i}@example.com`);
      const phones = Array.from({ length: 12 }, mobile);
      const byEmail = emails.map((e, i) => `לקוחה ${i},${e}`);
      const byPhone = phones.map((p, i) => `לקוח ${i},${p}`);
      // The same people in each file, in another order, so the batches of the two imports overlap.
      const results = await Promise.all([
        importLines('שם פרטי,דוא"ל', byEmail),
        importLines('שם פרטי,דוא"ל', [...byEmail].reverse()),
        importLines('שם פרטי,טלפון', byPhone),
        importLines('שם פרטי,טלפון', [...byPhone].reverse()),
      ]);
      const stored = [
        ...(await activeWith('email', emails)),
        ...(await activeWith(
          'phone',
          phones.map((p) => `+972${p.slice(1)}`),
        )),
      ];
      expect(stored).toHaveLength(24);
      for (const pair of [results.slice(0, 2), results.slice(2)]) {
        const inserted = pair.reduce((n, r) => n + r.insertedRows, 0);
        const unchanged = pair.reduce((n, r) => n + r.unchangedRows, 0);
        expect(inserted, 'each person is created by one import').toBe(12);
        expect(unchanged, 'and found, as it is, by the other').toBe(12);
        expect(pair.every((r) => r.errorRows === 0)).toBe(true);
      }
    }
  }, 60_000);
});
