/** Where an uploaded file waits for its import job, and how the job gets it back. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { isEmbedded } from '../../db/tenancy.ts';
import { newId } from '../../platform/crypto.ts';

const gzip = promisify(zlib.gzip);

/**
 * The uploaded file waits for its job. On PostgreSQL it waits in the import's
 * row, gzipped in zlib's thread pool, so the job may run on any server. PGlite
 * runs each statement on the server's own thread and stores a bytea of
 * megabytes at a few MB/s: an embedded server (one process by definition)
 * keeps the file in a spool directory instead, and the row holds its name.
 */
const SPOOL_MARK = 'klient-spool:';
const spoolDir = () => path.join(os.tmpdir(), 'klient-import-files');

export async function storeImportFile(db: Kysely<DB>, file: Buffer): Promise<Buffer> {
  if (!isEmbedded(db)) return gzip(file, { level: 1 });
  const name = `${newId()}.upload`;
  await fs.mkdir(spoolDir(), { recursive: true });
  await fs.writeFile(path.join(spoolDir(), name), file);
  return Buffer.from(`${SPOOL_MARK}${name}`);
}

function spooled(stored: Buffer): string | null {
  if (stored.length > 200 || !stored.subarray(0, SPOOL_MARK.length).equals(Buffer.from(SPOOL_MARK))) return null;
  const name = stored.subarray(SPOOL_MARK.length).toString();
  return /^[\w-]+\.upload$/.test(name) ? path.join(spoolDir(), name) : null;
}

/** Inflates into one buffer of the size gzip's trailer states, a chunk at a time (no big copy at the end). */
function gunzipped(packed: Buffer): Promise<Buffer> {
  const size = packed.readUInt32LE(packed.length - 4);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  return new Promise((resolve, reject) => {
    const inflate = zlib.createGunzip({ chunkSize: 256 * 1024 });
    inflate.on('data', (chunk: Buffer) => {
      if (at + chunk.length > size) return inflate.destroy(new Error('gzip size mismatch'));
      chunk.copy(out, at);
      at += chunk.length;
    });
    inflate.on('end', () => resolve(out.subarray(0, at)));
    inflate.on('error', reject);
    inflate.end(packed);
  });
}

/** The upload as it was sent, from what storeImportFile kept (an uncompressed file from before, as it is). */
export async function loadImportFile(stored: Uint8Array): Promise<Buffer> {
  const buf = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  const spool = spooled(buf);
  if (spool) return fs.readFile(spool);
  return buf[0] === 0x1f && buf[1] === 0x8b ? gunzipped(buf) : buf;
}

export async function dropImportFile(stored: Uint8Array): Promise<void> {
  const spool = spooled(Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength));
  if (spool) await fs.rm(spool, { force: true });
}
