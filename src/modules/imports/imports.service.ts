import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace, isEmbedded, type Trx } from '../../db/tenancy.ts';
import { currentActor } from '../../platform/actors.ts';
import { recordAudit } from '../../platform/audit.ts';
import { getWorkspace } from '../../platform/auth.service.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { publishEvent } from '../../platform/events.ts';
import type { Locale } from '../../platform/messages.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { importCompleted } from './imports.events.ts';
import { DEFAULT_IMPORT_MAX_ROWS, previewImportFile, readImportFile } from './imports.file.ts';
import { guessKind, type Mapping, resolveMapping, suggestMapping } from './imports.mapping.ts';
import { importMessage } from './imports.messages.ts';
import { runImportPipeline } from './imports.pipeline.ts';
import type { ImportSheet } from './imports.sheet.ts';
import { dropImportFile, loadImportFile } from './imports.storage.ts';
import type { ImportKind, ImportRowError } from './imports.tables.ts';

export { getImport, importErrorsCsv, listImports } from './imports.reports.ts';
export { storeImportFile } from './imports.storage.ts';

/**
 * Rows per import transaction on PGlite, whose statements run on the server's thread: a batch is
 * that long a wait for other requests, and each batch costs more than the last as the tables grow
 * (10k customers + 20k order lines: 8.6 s in 500-row batches, 3.0 s in 2,000). 1,000 is the middle
 * (docs/benchmarks.md).
 */
const EMBEDDED_BATCH_ROWS = 1000;
/** Rows per import transaction on PostgreSQL, whose statements run in its own processes. */
const SERVER_BATCH_ROWS = 2000;

/** How the import job batches its writes on this database (the import benchmark runs the same). */
export function importBatching(db: Kysely<DB>): { batchSize: number; concurrency: number } {
  return isEmbedded(db)
    ? { batchSize: EMBEDDED_BATCH_ROWS, concurrency: 1 }
    : { batchSize: SERVER_BATCH_ROWS, concurrency: 2 };
}

/** The error list kept with an import; errorRows still counts every bad row beyond it. */
export const MAX_STORED_ERRORS = 10_000;

export type ImportJob = { workspaceId: string; importId: string; locale: Locale; actor: Ctx['actor'] };

/** What the server allows in one import file. */
export type ImportLimits = { maxRows: number };

/**
 * KLIENT_IMPORT_MAX_ROWS (default 200,000 data rows per file), read when an
 * upload or a job starts; the upload limit (50 MB) is the other bound.
 */
export function importLimits(env: NodeJS.ProcessEnv = process.env): ImportLimits {
  const value = Number(env.KLIENT_IMPORT_MAX_ROWS);
  return { maxRows: Number.isInteger(value) && value > 0 ? value : DEFAULT_IMPORT_MAX_ROWS };
}

/**
 * The preview reads only the head of the file (its first rows, as a stream
 * that stops there): encoding, delimiter, headers, a sample and the suggested
 * mapping. A large file's total is an estimate, and says so.
 */
export async function previewImport(buf: Buffer, filename: string, kind: ImportKind | undefined) {
  const head = await previewImportFile(buf, filename);
  const chosen = kind ?? guessKind(head.headers);
  return {
    kind: chosen,
    encoding: head.encoding,
    headers: head.headers,
    sampleRows: head.rows.slice(0, 10).map((r) => head.headers.map((_, i) => r.cells[i] ?? '')),
    totalRows: head.totalRows,
    totalRowsEstimated: head.totalRowsEstimated,
    suggestedMapping: suggestMapping(chosen, head.headers),
  };
}

/** Reads and checks an upload before anything is stored: a bad file or mapping is a 400, never a failed job. */
export async function checkUpload(
  buf: Buffer,
  filename: string,
  kind: ImportKind,
  mapping: Mapping | undefined,
  limits: ImportLimits = importLimits(),
): Promise<{ sheet: ImportSheet; mapping: Mapping; totalRows: number }> {
  // The whole file is read as a stream to count its rows against the limit; the rows are not kept.
  const sheet = await readImportFile(buf, filename, { maxRows: limits.maxRows, keepRows: false });
  const chosen = mapping ?? suggestMapping(kind, sheet.headers);
  resolveMapping(kind, sheet.headers, chosen);
  const totalRows = sheet.rowCount ?? sheet.rows.length;
  if (totalRows === 0) {
    throw new AppError('IMPORT.BAD_FILE', { fields: [{ field: 'file', message: 'file.no_rows' }] });
  }
  return { sheet, mapping: chosen, totalRows };
}

export async function createImport(
  trx: Trx,
  ctx: Ctx,
  /** `file`: what storeImportFile kept of the upload. */
  input: { kind: ImportKind; filename: string; mapping: Mapping; encoding: string; file: Buffer; totalRows: number },
) {
  requirePermission(ctx, 'imports.run');
  // An orders import only writes commerce (orders, refunds, products, branches).
  if (input.kind === 'orders') requirePermission(ctx, 'commerce.write');
  const id = newId();
  await trx
    .insertInto('imports')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      kind: input.kind,
      filename: input.filename,
      mapping: JSON.stringify(input.mapping),
      encoding: input.encoding,
      file: input.file,
      total_rows: input.totalRows,
      created_by: ctx.actor.name,
    })
    .execute();
  return { id, status: 'queued' as const };
}

/**
 * The background job: reads the stored file, runs the pipeline in batches
 * (each batch adds its counts and errors to the import row in the same
 * transaction, which is the progress bar), refreshes totals, writes one audit
 * entry, and drops the stored file. A failure marks the import failed; what
 * earlier batches committed stays, whole, and re-importing is idempotent.
 */
export async function runImport(db: Kysely<DB>, job: ImportJob, limits: ImportLimits = importLimits()): Promise<void> {
  let ctx: Ctx = { workspaceId: job.workspaceId, actor: job.actor, locale: job.locale };
  const record = await inWorkspace(db, job.workspaceId, async (trx) => {
    const row = await trx
      .selectFrom('imports')
      .select(['kind', 'filename', 'mapping', 'file', 'status'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', job.importId)
      .forUpdate()
      .executeTakeFirst();
    if (!row || row.status === 'completed' || row.status === 'failed' || !row.file) return null;
    // A job that restarts after a crash starts over; the writes are idempotent.
    await trx
      .updateTable('imports')
      .set({
        status: 'running',
        processed_rows: 0,
        inserted_rows: 0,
        updated_rows: 0,
        unchanged_rows: 0,
        error_rows: 0,
        errors: '[]',
      })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', '=', job.importId)
      .execute();
    const workspace = await getWorkspace(trx, ctx.workspaceId);
    // The job acts with what its starter holds now, not when they uploaded the file.
    const actor = await currentActor(trx, ctx.workspaceId, ctx.actor);
    return { ...row, file: row.file, timeZone: workspace.timeZone, actor };
  });
  if (!record) return;
  try {
    if (!record.actor) throw new AppError('AUTH.FORBIDDEN');
    ctx = { ...ctx, actor: record.actor };
    requirePermission(ctx, 'imports.run');
    // Parsed as a stream (the event loop gets a turn between slices); the row limit holds here too.
    if (isEmbedded(db)) {
      // PGlite is one session: a GIN index's pending list (4 MB by default) is flushed by whichever
      // insert fills it, in one statement on the server's thread; small lists make small flushes.
      await sql`set gin_pending_list_limit = '128kB'`.execute(db);
    }
    const file = await loadImportFile(record.file);
    // A fixed value (channel = web) reads no column.
    const mapped = Object.values(record.mapping as Mapping).filter((h): h is string => typeof h === 'string' && !!h);
    const sheet = await readImportFile(file, record.filename, {
      maxRows: limits.maxRows,
      // Only the mapped columns are kept in memory: a wide export's other columns are dropped as read.
      keepColumns: (headers) => new Set(mapped.map((h) => headers.indexOf(h)).filter((i) => i >= 0)),
    });
    let stored = 0;
    // Rows whose bytes are not text in the file's encoding are row errors, reported before the rest.
    const unreadable = sheet.unreadableRows ?? [];
    if (unreadable.length) {
      const keep = unreadable.slice(0, MAX_STORED_ERRORS).map((u): ImportRowError & { code: string } => ({
        row: u.row,
        column: null,
        reason: importMessage(u.key, job.locale),
        code: u.key,
      }));
      stored = keep.length;
      await inWorkspace(db, job.workspaceId, (trx) =>
        sql`
          update imports set
            processed_rows = processed_rows + ${unreadable.length},
            error_rows = error_rows + ${unreadable.length},
            errors = errors || ${JSON.stringify(keep)}::jsonb
          where workspace_id = ${ctx.workspaceId} and id = ${job.importId}`.execute(trx),
      );
    }
    const totals = await runImportPipeline({
      db,
      ctx,
      kind: record.kind,
      sheet,
      mapping: record.mapping as Mapping,
      timeZone: record.timeZone,
      locale: job.locale,
      // PGlite is one connection and runs each statement on this thread: one small batch at a
      // time lets web requests in between batches, within 200 ms. On PostgreSQL a batch's rows
      // are validated on this thread while the one before is written: small enough for the same.
      ...importBatching(db),
      onBatch: async (trx, p) => {
        // PGlite answers without I/O, so its promises chain on without the event loop: give it a turn.
        await nextTurn();
        const keep = p.errors.slice(0, Math.max(0, MAX_STORED_ERRORS - stored));
        stored += keep.length;
        await sql`
          update imports set
            processed_rows = processed_rows + ${p.processedRows},
            inserted_rows = inserted_rows + ${p.insertedRows},
            updated_rows = updated_rows + ${p.updatedRows},
            unchanged_rows = unchanged_rows + ${p.unchangedRows},
            error_rows = error_rows + ${p.errorRows},
            errors = case when ${keep.length}::int > 0 then errors || ${JSON.stringify(keep)}::jsonb else errors end
          where workspace_id = ${ctx.workspaceId} and id = ${job.importId}`.execute(trx);
      },
    });
    await inWorkspace(db, job.workspaceId, async (trx) => {
      await trx
        .updateTable('imports')
        .set({ status: 'completed', finished_at: new Date(), file: null })
        .where('workspace_id', '=', ctx.workspaceId)
        .where('id', '=', job.importId)
        .execute();
      const summary = {
        kind: record.kind,
        filename: record.filename,
        totalRows: sheet.rowCount ?? sheet.rows.length,
        insertedRows: totals.insertedRows,
        updatedRows: totals.updatedRows,
        unchangedRows: totals.unchangedRows,
        errorRows: totals.errorRows + unreadable.length,
      };
      await recordAudit(trx, ctx, {
        action: 'import.completed',
        entityType: 'import',
        entityId: job.importId,
        after: summary,
      });
      await publishEvent(trx, ctx, importCompleted, { importId: job.importId, ...summary });
    });
    await dropImportFile(record.file);
  } catch (error) {
    const reason =
      error instanceof AppError ? error.code : error instanceof Error ? error.message.slice(0, 500) : 'unknown';
    await inWorkspace(db, job.workspaceId, async (trx) => {
      await trx
        .updateTable('imports')
        .set({ status: 'failed', finished_at: new Date(), failure: reason, file: null })
        .where('workspace_id', '=', ctx.workspaceId)
        .where('id', '=', job.importId)
        .execute();
      await recordAudit(trx, ctx, {
        action: 'import.failed',
        entityType: 'import',
        entityId: job.importId,
        after: { failure: reason },
      });
    });
    await dropImportFile(record.file);
  }
}
