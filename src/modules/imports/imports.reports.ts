/** What an import tells afterwards: its summary, the list of imports and its error report. */
import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { toSafeCsv } from '../../platform/csv.ts';
import { pageOfRows } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import type { Locale } from '../../platform/messages.ts';
import { localiseRowError } from './imports.messages.ts';
import type { ImportKind, ImportRowError } from './imports.tables.ts';

/** How many errors GET /imports/:id shows; the full list is in errors.csv. */
const ERRORS_IN_REPLY = 100;

const summaryColumns = [
  'id',
  'kind',
  'filename',
  'status',
  'encoding',
  'mapping',
  'total_rows',
  'processed_rows',
  'inserted_rows',
  'updated_rows',
  'unchanged_rows',
  'error_rows',
  'failure',
  'created_by',
  'created_at',
  'finished_at',
] as const;

type SummaryRow = {
  id: string;
  kind: ImportKind;
  filename: string;
  status: string;
  encoding: string | null;
  mapping: Record<string, string | { value: string }>;
  total_rows: number;
  processed_rows: number;
  inserted_rows: number;
  updated_rows: number;
  unchanged_rows: number;
  error_rows: number;
  failure: string | null;
  created_by: string | null;
  created_at: Date;
  finished_at: Date | null;
};

function toImport(row: SummaryRow) {
  return {
    id: row.id,
    kind: row.kind,
    filename: row.filename,
    status: row.status,
    encoding: row.encoding,
    mapping: row.mapping,
    totalRows: row.total_rows,
    processedRows: row.processed_rows,
    insertedRows: row.inserted_rows,
    updatedRows: row.updated_rows,
    unchangedRows: row.unchanged_rows,
    errorRows: row.error_rows,
    failure: row.failure,
    createdBy: row.created_by,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

export async function getImport(trx: Trx, ctx: Ctx, id: string) {
  const row = await trx
    .selectFrom('imports')
    .select([...summaryColumns, sql<ImportRowError[]>`jsonb_path_query_array(errors, '$[0 to 99]')`.as('first_errors')])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow(() => new AppError('IMPORT.NOT_FOUND'));
  // Reasons in the reader's language (Accept-Language), whoever started the import.
  const errors = row.first_errors.slice(0, ERRORS_IN_REPLY).map((e) => localiseRowError(e, ctx.locale ?? 'he'));
  return { ...toImport(row), errors };
}

export async function listImports(trx: Trx, ctx: Ctx, options: { limit: number; cursor?: string | undefined }) {
  let query = trx.selectFrom('imports').select(summaryColumns).where('workspace_id', '=', ctx.workspaceId);
  if (options.cursor) query = query.where('id', '<', options.cursor);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, options.limit, (last) => last.id);
  return { items: page.map(toImport), nextCursor };
}

/** The row-level error report as CSV, UTF-8 with a BOM so Excel shows the Hebrew. */
export async function importErrorsCsv(trx: Trx, ctx: Ctx, id: string, locale: Locale) {
  const row = await trx
    .selectFrom('imports')
    .select(['filename', 'errors'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow(() => new AppError('IMPORT.NOT_FOUND'));
  const header = locale === 'he' ? ['שורה', 'עמודה', 'סיבה'] : ['row', 'column', 'reason'];
  // Columns and reasons carry the file's own text: toSafeCsv keeps a cell like =HYPERLINK(…) from running in Excel.
  const reasons = row.errors.map((e) => localiseRowError(e, locale));
  const csv = toSafeCsv([header, ...reasons.map((e) => [e.row, e.column ?? '', e.reason])]);
  return { filename: `${row.filename.replace(/\.[^.]+$/, '')}-errors.csv`, csv };
}
