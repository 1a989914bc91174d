/** The pipeline's customer import: each batch validated, then upserted. */
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { isEmbedded } from '../../db/tenancy.ts';
import { type BulkCustomerOutcome, upsertCustomersBulk } from '../customers/customers.service.ts';
import { findOrCreateBranch } from '../locations/locations.service.ts';
import type { ImportField, resolveMapping } from './imports.mapping.ts';
import {
  BatchRunner,
  type Commit,
  emptyProgress,
  type PipelineInput,
  reportProblems,
} from './imports.pipeline-batches.ts';
import type { RowProblem } from './imports.validate.ts';
import { CustomerRowValidator, type ValidCustomerRow } from './imports.validate-customers.ts';

type BulkCustomerError = Extract<BulkCustomerOutcome, { status: 'error' }>['reason'];

export async function importCustomers(
  input: PipelineInput,
  columns: ReturnType<typeof resolveMapping>,
  commit: Commit,
) {
  const size = input.batchSize ?? 2000;
  const validator = new CustomerRowValidator(columns);
  const rows = input.sheet.rows;
  // Home branches by the name or code the file gives, found or created once per import.
  const branches = new Map<string, string>();
  const prepare = (start: number) => {
    const problems: RowProblem[] = [];
    const valid: ValidCustomerRow[] = [];
    let duplicates = 0;
    const end = Math.min(start + size, rows.length);
    for (let i = start; i < end; i++) {
      const checked = validator.check(rows[i]!, problems);
      if (checked === 'duplicate') duplicates++;
      else if (checked) valid.push(checked);
    }
    return { count: end - start, problems, valid, duplicates };
  };
  const write = (batch: ReturnType<typeof prepare>) =>
    commit(async (trx) => {
      const progress = emptyProgress();
      progress.processedRows = batch.count;
      progress.unchangedRows = batch.duplicates;
      for (const v of batch.valid) {
        if (v.homeBranch && !branches.has(v.homeBranch)) {
          branches.set(v.homeBranch, await findOrCreateBranch(trx, input.ctx, v.homeBranch));
        }
      }
      const outcomes = await upsertCustomersBulk(
        trx,
        input.ctx,
        batch.valid.map((v) => (v.homeBranch ? { ...v.input, homeBranchId: branches.get(v.homeBranch)! } : v.input)),
        { source: 'import' },
      );
      outcomes.forEach((outcome, i) => {
        const row = batch.valid[i]!;
        if (outcome.status === 'inserted') progress.insertedRows++;
        else if (outcome.status === 'updated') progress.updatedRows++;
        else if (outcome.status === 'unchanged') progress.unchangedRows++;
        if (outcome.status === 'error') {
          batch.problems.push({ row: row.row, field: fieldOfOutcome(outcome.reason, row), key: outcome.reason });
        }
      });
      reportProblems(progress, batch.problems, input);
      return progress;
    });
  // Batches whose customers share no external id, email or phone are written two at a time on
  // PostgreSQL (the rows they update are locked, see upsertCustomersBulk); one that shares a key
  // with a batch in flight waits for it, as it must see the customers that batch creates. The next
  // batch is validated while the database writes.
  await oneImportAtATime(input.db, input.ctx.workspaceId, async () => {
    const runner = new BatchRunner(input.concurrency ?? 2);
    for (let start = 0; start < rows.length && !runner.failed; start += size) {
      const batch = prepare(start);
      const keys = new Set<string>();
      for (const { input: c } of batch.valid) {
        if (c.externalId) keys.add(`x:${c.externalId}`);
        if (c.email) keys.add(`e:${c.email}`);
        if (c.phone) keys.add(`p:${c.phone}`);
      }
      for (const { homeBranch } of batch.valid) {
        if (homeBranch && !branches.has(homeBranch)) keys.add(`b:${homeBranch}`);
      }
      await runner.run(() => write(batch), keys);
    }
    await runner.finish();
  });
}

/**
 * Two customer imports into one workspace take turns. Their batches hold
 * each person's identity lock shared, so that the batches of one import run
 * side by side; two imports could then both create one new person known only
 * by an email or a phone (an external id has its unique index). A session
 * lock, held for the whole import on a connection of its own, makes the
 * second wait for the first to end; a single create is not held up by it (it
 * waits only for the batch that names its person), and a crash frees it with
 * the connection. PGlite has one connection: its transactions queue, and
 * each batch already sees every batch before it.
 */
async function oneImportAtATime(db: Kysely<DB>, workspaceId: string, run: () => Promise<void>): Promise<void> {
  if (isEmbedded(db)) return run();
  const key = `${workspaceId} customers import`;
  // A waiting import holds no connection: it asks again after a moment, so that ten imports queued
  // behind one never take the pool's connections from the batches of the one that runs.
  for (;;) {
    const ran = await db.connection().execute(async (conn) => {
      const { rows } = await sql<{
        got: boolean;
      }>`select pg_try_advisory_lock(hashtextextended(${key}, 0)) as got`.execute(conn);
      if (!rows[0]?.got) return false;
      try {
        await run();
      } finally {
        await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(conn);
      }
      return true;
    });
    if (ran) return;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
}

/** The column a refused customer row is reported on: the key that matched, or what the role may not change. */
function fieldOfOutcome(reason: BulkCustomerError, row: ValidCustomerRow): ImportField | null {
  const { input } = row;
  switch (reason) {
    case 'permission.create':
    case 'permission.profile':
      return null;
    case 'permission.tags':
      return 'tags';
    case 'permission.consents':
      return input.consents?.email !== undefined
        ? 'consentEmail'
        : input.consents?.sms !== undefined
          ? 'consentSms'
          : 'consentWhatsapp';
    default:
      return input.externalId ? 'externalId' : input.email ? 'email' : 'phone';
  }
}
