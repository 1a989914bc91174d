import { useQuery } from '@tanstack/react-query';
import {
  customerFields,
  type FixedValue,
  fixedChannels,
  fixedValueFields,
  orderFields,
} from '../../../../src/modules/imports/imports.fields.ts';
import type {
  importDetailSchema,
  importPreviewSchema,
  importSchema,
} from '../../../../src/modules/imports/imports.schemas.ts';
import { api, type Reply } from '../../api.ts';

// The replies the import screens read, as the server's schemas give them.
export type ImportPreview = Reply<typeof importPreviewSchema>;
export type ImportKind = ImportPreview['kind'];
/** An import as listed; the one asked for by id also brings its first row errors. */
export type ImportJob = Reply<typeof importSchema> & Partial<Pick<Reply<typeof importDetailSchema>, 'errors'>>;
export type ImportStatus = ImportJob['status'];

export { customerFields, fixedChannels, fixedValueFields, orderFields };

/** Field → the file's header, or one value for every row (fixedValueFields only). */
export type ImportMapping = Record<string, string | FixedValue>;

export function isFixedValueField(field: string): boolean {
  return (fixedValueFields as readonly string[]).includes(field);
}

/** The preview's suggestion as the server sends it: a header, or a fixed value ({ value: 'web' }). */
export function suggestedMappingOf(preview: ImportPreview): ImportMapping {
  return preview.suggestedMapping as unknown as ImportMapping;
}

export function fieldsOf(kind: ImportKind): readonly string[] {
  return kind === 'orders' ? orderFields : customerFields;
}

export const importKeys = {
  list: ['imports', 'list'] as const,
  one: (id: string) => ['imports', 'one', id] as const,
};

export function previewImport(file: File, kind: ImportKind): Promise<ImportPreview> {
  const body = new FormData();
  // The kind makes the suggested mapping fit customers or orders.
  body.append('kind', kind);
  body.append('file', file, file.name);
  return api<ImportPreview>('/imports/preview', { method: 'POST', body });
}

export function startImport(
  file: File,
  kind: ImportKind,
  mapping: ImportMapping,
): Promise<{ id: string; status: string }> {
  const body = new FormData();
  // Fields first: a streaming multipart parser sees them before the file.
  body.append('kind', kind);
  body.append('mapping', JSON.stringify(mapping));
  body.append('file', file, file.name);
  return api<{ id: string; status: string }>('/imports', { method: 'POST', body });
}

export function isFinished(job: ImportJob | undefined): boolean {
  return job?.status === 'completed' || job?.status === 'failed';
}

export function useImportJob(id: string | null) {
  return useQuery({
    queryKey: importKeys.one(id ?? ''),
    queryFn: () => api<ImportJob>(`/imports/${id}`),
    enabled: id !== null,
    refetchInterval: (query) => (isFinished(query.state.data) ? false : 500),
    staleTime: 0,
  });
}

export function useImportList() {
  return useQuery({ queryKey: importKeys.list, queryFn: () => api<{ items: ImportJob[] }>('/imports') });
}
