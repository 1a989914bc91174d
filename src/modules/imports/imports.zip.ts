/** An XLSX is a ZIP: its entries, checked against a zip bomb before anything reads them, and the first sheet's extent. */
import zlib from 'node:zlib';
import { badFile } from './imports.sheet.ts';

/** What an XLSX may unpack to, all its parts together: past that it is refused before it is read. */
export const MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024;

export type ZipEntry = { name: string; method: number; compressedSize: number; size: number; localOffset: number };

/** The entries a ZIP's central directory declares, read from the end of the file. */
function zipEntries(buf: Buffer): ZipEntry[] {
  const minEnd = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= minEnd; i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw badFile('file.xlsx_invalid');
  const count = buf.readUInt16LE(eocd + 10);
  const offset = buf.readUInt32LE(eocd + 16);
  // ZIP64 is for parts over 4 GB: no workbook that fits an upload needs it, a zip bomb does.
  if (count === 0xffff || offset === 0xffffffff)
    throw badFile('file.xlsx_too_large', { limit: mb(MAX_XLSX_UNPACKED_BYTES) });
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50) throw badFile('file.xlsx_invalid');
    const nameLength = buf.readUInt16LE(at + 28);
    entries.push({
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      size: buf.readUInt32LE(at + 24),
      localOffset: buf.readUInt32LE(at + 42),
      name: buf.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return entries;
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

/** Inflates one entry into nothing, counting: more than it declared means the ZIP lies about itself. */
function inflatedSize(data: Buffer, limit: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = zlib.createInflateRaw();
    let size = 0;
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('end', () => resolve(size));
    inflate.on('error', () => reject(badFile('file.xlsx_invalid')));
    inflate.end(data);
  });
}

/**
 * A workbook is a ZIP: before ExcelJS reads it, its declared sizes must add
 * up to at most MAX_XLSX_UNPACKED_BYTES, and each part must inflate to no more
 * than it declares (checked in zlib's thread pool, the output dropped as it
 * comes). So a zip bomb is refused without ever being held in memory.
 */
export async function checkZip(buf: Buffer, budget = MAX_XLSX_UNPACKED_BYTES): Promise<ZipEntry[]> {
  const entries = zipEntries(buf);
  const declared = entries.reduce((sum, e) => sum + e.size, 0);
  const tooLarge = () => badFile('file.xlsx_too_large', { limit: mb(budget) });
  if (declared > budget) throw tooLarge();
  for (const entry of entries) {
    const at = entry.localOffset;
    if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50) throw badFile('file.xlsx_invalid');
    const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
    const data = buf.subarray(start, start + entry.compressedSize);
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) throw tooLarge();
      continue;
    }
    if (entry.method !== 8) throw badFile('file.xlsx_invalid');
    if ((await inflatedSize(data, entry.size)) > entry.size) throw tooLarge();
  }
  return entries;
}

/** The first bytes an entry inflates to (at most `bytes`, give or take a chunk). */
function inflateHead(data: Buffer, bytes: number): Promise<string> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflateRaw();
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    inflate.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= bytes) {
        inflate.destroy();
        done();
      }
    });
    inflate.on('end', done);
    inflate.on('error', done);
    inflate.end(data);
  });
}

/** The last row number the first worksheet declares (`<dimension ref="A1:K5000"/>`), for a preview's estimate. */
export async function xlsxDeclaredLastRow(buf: Buffer, entries: ZipEntry[]): Promise<number | null> {
  const sheet = entries.find((e) => /^xl\/worksheets\/sheet\d+\.xml$/.test(e.name));
  if (!sheet) return null;
  const at = sheet.localOffset;
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const data = buf.subarray(start, start + sheet.compressedSize);
  const head = sheet.method === 0 ? data.subarray(0, 4096).toString('utf8') : await inflateHead(data, 4096);
  const match = /<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"/.exec(head);
  return match?.[1] ? Number(match[1]) : null;
}
