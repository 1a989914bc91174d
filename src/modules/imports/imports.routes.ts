import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.ts';
import { isSafeText } from '../../platform/cursor.ts';
import { AppError } from '../../platform/errors.ts';
import { requireAuth, unsafeTextFields, withCtx } from '../../platform/http.ts';
import type { Jobs } from '../../platform/jobs.ts';
import type { Locale } from '../../platform/messages.ts';
import { replies } from '../../platform/replies.ts';
import { IMPORT_QUEUE } from './imports.jobs.ts';
import { fieldsOf, fixedValueProblem, type Mapping, type MappingProblem } from './imports.mapping.ts';
import { importMessage, mappingProblemFields } from './imports.messages.ts';
import { importDetailSchema, importPageSchema, importPreviewSchema, queuedImportSchema } from './imports.schemas.ts';
import {
  checkUpload,
  createImport,
  getImport,
  type ImportJob,
  type ImportLimits,
  importErrorsCsv,
  importLimits,
  listImports,
  previewImport,
  storeImportFile,
} from './imports.service.ts';
import type { ImportKind } from './imports.tables.ts';

const tags = ['imports'];
const idParams = z.object({ id: z.uuid() }).strict();
const kinds = ['customers', 'orders'] as const;

type Upload = { file: Buffer; filename: string; fields: Record<string, string> };

/**
 * The file part's bytes, taken a chunk at a time with a turn of the event loop
 * every megabyte: a 50 MB upload from a fast client arrives as one long chain
 * of chunks, and collecting it in one go would keep other requests waiting.
 */
async function readPart(stream: AsyncIterable<Buffer> & { truncated?: boolean }, expected: number): Promise<Buffer> {
  // One buffer of the request's size, filled as chunks come: no 50 MB copy at the end.
  let out = Buffer.allocUnsafe(Math.max(64 * 1024, expected));
  let size = 0;
  let sinceTurn = 0;
  for await (const chunk of stream) {
    if (size + chunk.length > out.length) {
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, size + chunk.length));
      out.copy(grown, 0, 0, size);
      out = grown;
    }
    chunk.copy(out, size);
    size += chunk.length;
    sinceTurn += chunk.length;
    if (sinceTurn >= 1 << 20) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  // Over the upload limit: busboy cut the file short; the same 413 problem as before.
  if (stream.truncated) {
    throw Object.assign(new Error('file too large'), { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 });
  }
  return out.subarray(0, size);
}

/**
 * Reads the multipart body: the one file and the text fields. A file over the
 * upload limit throws (a 413 problem) before anything is stored.
 */
async function readUpload(req: FastifyRequest): Promise<Upload> {
  if (!req.isMultipart()) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
  let file: Buffer | null = null;
  let filename = 'import.csv';
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          await part.toBuffer();
          continue;
        }
        file = await readPart(part.file, Number(req.headers['content-length']) || 0);
        filename = part.filename || filename;
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    // Limits (413) and our own problems pass; a body busboy cannot parse (a boundary that never
    // comes, a cut-off upload) is the sender's fault: a 400 naming the file, never a 500.
    const known = error as { code?: unknown; statusCode?: unknown };
    if (error instanceof AppError || (typeof known.code === 'string' && known.code.startsWith('FST_'))) throw error;
    if (typeof known.statusCode === 'number' && known.statusCode < 500) throw error;
    throw new AppError('VALIDATION', { fields: [{ field: 'file', message: 'invalid' }] });
  }
  if (!file) throw new AppError('VALIDATION', { fields: [{ field: 'file', message: 'required' }] });
  // Multipart text fields skip the request's own check for text the database refuses (http.ts).
  const unsafe = unsafeTextFields(fields, '');
  if (unsafe.length) throw new AppError('VALIDATION', { fields: unsafe });
  // The file's name is only a label: control characters and broken Unicode are dropped, not refused.
  const label = [...filename].filter((ch) => ch >= ' ' && ch !== '\u007f' && isSafeText(ch)).join('');
  return { file, filename: label.slice(0, 255) || 'import.csv', fields };
}

function parseKind(value: string | undefined, required: boolean): ImportKind | undefined {
  if (value === undefined || value === '') {
    if (required) throw new AppError('VALIDATION', { fields: [{ field: 'kind', message: 'required' }] });
    return undefined;
  }
  if (!(kinds as readonly string[]).includes(value)) {
    throw new AppError('VALIDATION', { fields: [{ field: 'kind', message: 'invalid_value' }] });
  }
  return value as ImportKind;
}

function parseMapping(value: string | undefined, kind: ImportKind): Mapping | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new AppError('VALIDATION', { fields: [{ field: 'mapping', message: 'invalid_format' }] });
  }
  const known = fieldsOf(kind) as readonly string[];
  // Each field names a header, or gives one value for every row ({ "value": "web" }, fixedValueFields only).
  const schema = z.record(
    z.string(),
    z.union([z.string().max(200), z.object({ value: z.string().max(200) }).strict()]),
  );
  const result = schema.safeParse(parsed);
  if (!result.success || Array.isArray(parsed)) {
    // A field whose entry is neither a header nor a fixed value is named; anything else is the mapping's fault.
    const path = result.success ? undefined : result.error.issues[0]?.path[0];
    const field = typeof path === 'string' && known.includes(path) ? `mapping.${path}` : 'mapping';
    throw new AppError('VALIDATION', { fields: [{ field, message: 'invalid_type' }] });
  }
  const unknownKeys = Object.keys(result.data).filter((k) => !known.includes(k));
  if (unknownKeys.length) {
    throw new AppError('VALIDATION', {
      fields: unknownKeys.map((k) => ({ field: `mapping.${k}`, message: 'unrecognized_keys' })),
    });
  }
  const wrong = Object.entries(result.data).flatMap(([field, source]) => {
    if (typeof source === 'string') return [];
    const problem = fixedValueProblem(field, source.value);
    return problem ? [{ field: `mapping.${field}`, message: problem }] : [];
  });
  if (wrong.length) throw new AppError('VALIDATION', { fields: wrong });
  return result.data as Mapping;
}

/** A message's `{name}` places filled from the problem's params (the row limit, say). */
function withParams(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (all, name: string) =>
    name in params
      ? typeof params[name] === 'number'
        ? params[name].toLocaleString('en-US')
        : String(params[name])
      : all,
  );
}

/** File problems carry their own reason: put it, translated, in the problem's detail. */
async function explained<T>(locale: Locale, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    // Each missing field named in the caller's language, with what to do about it.
    if (error instanceof AppError && error.code === 'IMPORT.MISSING_COLUMNS' && error.extra.mappingProblems) {
      const { mappingProblems, importKind, ...extra } = error.extra as {
        mappingProblems: MappingProblem[];
        importKind: ImportKind;
      };
      const errors = mappingProblemFields(mappingProblems, importKind, locale);
      throw new AppError('IMPORT.MISSING_COLUMNS', {
        fields: error.fields,
        extra: { ...extra, detail: errors.map((e) => e.message).join('; '), errors },
      });
    }
    if (error instanceof AppError && error.code === 'IMPORT.BAD_FILE' && error.fields[0]) {
      const { message, params } = error.fields[0];
      throw new AppError('IMPORT.BAD_FILE', {
        fields: [{ field: 'file', message: 'invalid' }],
        extra: { reason: message, detail: withParams(importMessage(message, locale), params), ...params },
      });
    }
    throw error;
  }
}

export const importsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; jobs: Jobs; limits?: ImportLimits }> = async (
  app,
  { db, jobs, limits },
) => {
  app.post(
    '/imports/preview',
    {
      config: { access: 'imports.run' },
      schema: {
        tags,
        consumes: ['multipart/form-data'],
        description:
          'Multipart `file` (CSV or XLSX), optional `kind`. Reads the head of the file only: detects the encoding and delimiter, shows the first rows and suggests a column mapping; `totalRows` of a large file is an estimate (`totalRowsEstimated`).',
        response: replies({ 200: importPreviewSchema }),
      },
    },
    async (req) => {
      const upload = await readUpload(req);
      const kind = parseKind(upload.fields.kind, false);
      return explained(req.locale, () => previewImport(upload.file, upload.filename, kind));
    },
  );

  app.post(
    '/imports',
    {
      config: { access: 'imports.run' },
      schema: {
        tags,
        consumes: ['multipart/form-data'],
        description:
          'Multipart `file`, `kind` (customers|orders) and `mapping` (JSON `{ field: header }`, default: the suggested one; `channel`, `branch`, `currency` and `homeBranch` may instead take one value for every row, `{ "channel": { "value": "web" } }`). Answers 202; a background job imports the rows. A file with more data rows than the server allows (KLIENT_IMPORT_MAX_ROWS) is a 400 naming the limit (`reason: file.too_many_rows`, `limit`).',
        response: replies({ 202: queuedImportSchema }),
      },
    },
    async (req, reply) => {
      const auth = requireAuth(req);
      const upload = await readUpload(req);
      const kind = parseKind(upload.fields.kind, true)!;
      const mapping = parseMapping(upload.fields.mapping, kind);
      const checked = await explained(req.locale, () =>
        checkUpload(upload.file, upload.filename, kind, mapping, limits ?? importLimits()),
      );
      // Kept before the transaction opens (gzipped in zlib's thread pool).
      const stored = await storeImportFile(db, upload.file);
      // The import and its job are one change: a crash between them can no longer leave an import queued forever.
      const created = await withCtx(db, req, async (trx, ctx) => {
        const row = await createImport(trx, ctx, {
          kind,
          filename: upload.filename,
          mapping: checked.mapping,
          encoding: checked.sheet.encoding,
          file: stored,
          totalRows: checked.totalRows,
        });
        const job: ImportJob = {
          workspaceId: auth.workspaceId,
          importId: row.id,
          locale: req.locale,
          actor: auth.actor,
        };
        await jobs.sendWithin(trx, IMPORT_QUEUE, job, { retryLimit: 1, expireInSeconds: 3600 });
        return row;
      });
      return reply.code(202).send(created);
    },
  );

  app.get(
    '/imports',
    {
      config: { access: 'imports.run' },
      schema: {
        tags,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(100).default(20),
            cursor: z.uuid().optional(),
          })
          .strict(),
        response: replies({ 200: importPageSchema }),
      },
    },
    async (req) => withCtx(db, req, (trx, ctx) => listImports(trx, ctx, req.query)),
  );

  app.get(
    '/imports/:id',
    {
      config: { access: 'imports.run' },
      schema: { tags, params: idParams, response: replies({ 200: importDetailSchema }) },
    },
    async (req) => withCtx(db, req, (trx, ctx) => getImport(trx, ctx, req.params.id)),
  );

  app.get(
    '/imports/:id/errors.csv',
    {
      config: { access: 'imports.run' },
      schema: {
        tags,
        params: idParams,
        response: replies({
          200: {
            description:
              'The rows the import could not take, as CSV (UTF-8 with a BOM, content-disposition: attachment)',
            content: { 'text/csv': { schema: z.string() } },
          },
        }),
      },
    },
    async (req, reply) => {
      const report = await withCtx(db, req, (trx, ctx) => importErrorsCsv(trx, ctx, req.params.id, req.locale));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(report.filename)}`)
        .send(report.csv);
    },
  );
};
