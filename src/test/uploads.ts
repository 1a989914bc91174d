import { expect } from 'vitest';
import type { TestWorkspace } from './harness.ts';

export type Part = { name: string; value: string | Buffer; filename?: string };

/** A multipart/form-data body, as a browser's form sends it. */
export function multipart(parts: Part[]) {
  const boundary = `----klient${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = part.filename
      ? `form-data; name="${part.name}"; filename="${part.filename}"`
      : `form-data; name="${part.name}"`;
    const type = part.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export type ImportReply = {
  id: string;
  status: string;
  totalRows: number;
  processedRows: number;
  insertedRows: number;
  updatedRows: number;
  unchangedRows: number;
  errorRows: number;
  errors: { row: number; column: string | null; reason: string }[];
  failure: string | null;
};

/** Uploads a file as an import (with the suggested mapping unless one is given); the raw reply. */
export function uploadImport(
  w: TestWorkspace,
  file: Buffer | string,
  options: { filename?: string; kind: 'customers' | 'orders'; mapping?: Record<string, string>; key?: string },
) {
  const body = multipart([
    { name: 'kind', value: options.kind },
    ...(options.mapping ? [{ name: 'mapping', value: JSON.stringify(options.mapping) }] : []),
    {
      name: 'file',
      value: typeof file === 'string' ? Buffer.from(file) : file,
      filename: options.filename ?? 'file.csv',
    },
  ]);
  return w.request({
    method: 'POST',
    url: '/api/v1/imports',
    payload: body.payload,
    headers: body.headers,
    ...(options.key ? { key: options.key } : {}),
  });
}

/** Polls an import until its job is done (completed or failed). */
export async function waitForImport(w: TestWorkspace, id: string, key?: string): Promise<ImportReply> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const res = await w.request({ method: 'GET', url: `/api/v1/imports/${id}`, ...(key ? { key } : {}) });
    expect(res.statusCode).toBe(200);
    const body = res.json() as ImportReply;
    if (body.status === 'completed' || body.status === 'failed') return body;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
