import { z } from 'zod';
import { checked, instant, pageOf } from '../../platform/replies.ts';

export const importKinds = ['customers', 'orders'] as const;
export const importStatuses = ['queued', 'running', 'completed', 'failed'] as const;

/** Field → the header it is read from, or → `{ value }` that every row takes. */
export const importMappingSchema = z.record(z.string(), z.union([z.string(), z.strictObject({ value: z.string() })]));

export const importPreviewSchema = z.strictObject({
  kind: z.enum(importKinds),
  encoding: z.string(),
  headers: z.array(z.string()),
  sampleRows: z.array(z.array(z.string())),
  totalRows: z.number().int(),
  /** True when the total is an estimate from the head of a big file (the preview reads no further). */
  totalRowsEstimated: z.boolean(),
  suggestedMapping: importMappingSchema,
});

/** A row the import could not take, as kept (jsonb, so shorter keys first): `reason` in the reader's language. */
export const importRowErrorSchema = z.strictObject({
  row: z.number().int(),
  code: z.string().optional(),
  column: z.string().nullable(),
  params: z.record(z.string(), z.unknown()).optional(),
  reason: z.string(),
});

export const importSchema = z.strictObject({
  id: z.uuid(),
  kind: z.enum(importKinds),
  filename: z.string(),
  status: checked(z.enum(importStatuses)),
  encoding: z.string().nullable(),
  mapping: importMappingSchema,
  totalRows: z.number().int(),
  processedRows: z.number().int(),
  insertedRows: z.number().int(),
  updatedRows: z.number().int(),
  unchangedRows: z.number().int(),
  errorRows: z.number().int(),
  failure: z.string().nullable(),
  /** Who started it, by name. */
  createdBy: z.string().nullable(),
  createdAt: instant,
  finishedAt: instant.nullable(),
});
export const importPageSchema = pageOf(importSchema);

/** One import with its first row errors (the whole list is the CSV report). */
export const importDetailSchema = z.strictObject({ ...importSchema.shape, errors: z.array(importRowErrorSchema) });

export const queuedImportSchema = z.strictObject({ id: z.uuid(), status: z.literal('queued') });
