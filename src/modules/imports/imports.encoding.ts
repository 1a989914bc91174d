/** What an upload's bytes are: a document or image by its signature, or text in which encoding. */
import { isUtf8 } from 'node:buffer';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { detect } from 'chardet';
import { badFile } from './imports.sheet.ts';

export type FileEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1255' | 'windows-1252';

/** How much of a file the encoding, delimiter and binary checks look at. */
export const SNIFF_BYTES = 64 * 1024;

export const startsWith = (buf: Buffer, bytes: number[], at = 0) =>
  buf.length >= at + bytes.length && bytes.every((b, i) => buf[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

export const isZip = (buf: Buffer) => startsWith(buf, [0x50, 0x4b, 0x03, 0x04]);
export const isOle = (buf: Buffer) => startsWith(buf, [0xd0, 0xcf, 0x11, 0xe0]);

/** Files that are not tables whatever their name says: documents, images, archives, programs. */
export const BINARY_SIGNATURES: { bytes: number[]; at?: number }[] = [
  { bytes: ascii('%PDF-') },
  { bytes: [0x89, 0x50, 0x4e, 0x47] },
  { bytes: ascii('GIF8') },
  { bytes: [0xff, 0xd8, 0xff] },
  { bytes: [0x1f, 0x8b] },
  { bytes: [0x42, 0x5a, 0x68] },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { bytes: ascii('Rar!') },
  { bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { bytes: ascii('RIFF') },
  { bytes: ascii('OggS') },
  { bytes: ascii('ID3') },
  { bytes: ascii('ftyp'), at: 4 },
  { bytes: ascii('SQLite format 3') },
  { bytes: ascii('{\\rtf') },
  { bytes: ascii('%!PS') },
  { bytes: [0x00, 0x61, 0x73, 0x6d] },
];

export const hasBom = (buf: Buffer) =>
  startsWith(buf, [0xef, 0xbb, 0xbf]) || startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff]);

/** UTF-16 without a BOM still shows itself: text made of ASCII has a zero in every other byte. */
function utf16WithoutBom(buf: Buffer): FileEncoding | null {
  const end = Math.min(buf.length - (buf.length % 2), 4096);
  if (end < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < end; i += 2) {
    if (buf[i] === 0) evenZeros++;
    if (buf[i + 1] === 0) oddZeros++;
  }
  const pairs = end / 2;
  if (oddZeros > pairs * 0.3 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.3 && oddZeros < pairs * 0.05) return 'utf-16be';
  return null;
}

/**
 * A text table has no NUL and almost no control characters besides tab and
 * line breaks; random bytes have one in ten, a PNG or a PDF its signature.
 */
function looksBinary(head: Buffer): boolean {
  if (BINARY_SIGNATURES.some((s) => startsWith(head, s.bytes, s.at))) return true;
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b === 0) return true;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) || b === 0x7f) controls++;
  }
  return controls > Math.max(2, head.length * 0.005);
}

/** Valid multi-byte UTF-8 sequences against bytes that cannot be UTF-8, over the whole file. */
async function utf8Evidence(buf: Buffer): Promise<{ valid: number; invalid: number }> {
  let valid = 0;
  let invalid = 0;
  let i = 0;
  while (i < buf.length) {
    const stop = Math.min(buf.length, i + (1 << 20));
    while (i < stop) {
      const b = buf[i]!;
      if (b < 0x80) {
        i++;
        continue;
      }
      const length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
      let ok = length > 0 && i + length <= buf.length;
      for (let k = 1; ok && k < length; k++) ok = (buf[i + k]! & 0xc0) === 0x80;
      if (ok) {
        valid++;
        i += length;
      } else {
        invalid++;
        i++;
      }
    }
    await nextTurn();
  }
  return { valid, invalid };
}

/** Hebrew letters in Windows-1255 (and ISO-8859-8) live at 0xE0–0xFA. */
function hasCp1255Hebrew(buf: Buffer): boolean {
  const end = Math.min(buf.length, 1 << 20);
  for (let i = 0; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0xe0 && b <= 0xfa) return true;
  }
  return false;
}

/**
 * Finds the text encoding of an uploaded CSV, for the file as a whole: a BOM
 * decides; UTF-16 is recognised by its zero bytes; a file that is not text
 * at all (random bytes, a PNG or a PDF renamed .csv) is refused. A file that
 * is valid UTF-8 is UTF-8, and so is one that is mostly UTF-8 with a few bad
 * bytes (those rows become row errors, never mojibake). Otherwise it is a
 * legacy code page: Windows-1255 when it has Hebrew letters there (what Excel
 * in Hebrew saves as "CSV"), else Windows-1252.
 */
export async function detectEncoding(buf: Buffer): Promise<FileEncoding> {
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) return 'utf-8';
  if (startsWith(buf, [0xff, 0xfe])) return 'utf-16le';
  if (startsWith(buf, [0xfe, 0xff])) return 'utf-16be';
  const utf16 = utf16WithoutBom(buf);
  if (utf16) return utf16;
  if (looksBinary(buf.subarray(0, SNIFF_BYTES))) throw badFile('file.not_text_table');
  if (isUtf8(buf)) return 'utf-8';
  const evidence = await utf8Evidence(buf);
  if (evidence.valid > evidence.invalid) return 'utf-8';
  const guess = (detect(buf.subarray(0, SNIFF_BYTES)) ?? '').toLowerCase();
  if (hasCp1255Hebrew(buf) || guess === 'windows-1255' || guess === 'iso-8859-8') return 'windows-1255';
  return 'windows-1252';
}
