/** Reads a CSV as a stream: its delimiter, then its records a slice at a time. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import { detectEncoding, type FileEncoding, SNIFF_BYTES } from './imports.encoding.ts';
import { badFile, RECORDS_PER_TURN, type Read, type SheetBuilder } from './imports.sheet.ts';

/** The slices a file is decoded and parsed in; the event loop gets a turn after each. */
const CHUNK_BYTES = 64 * 1024;

/** Comma, semicolon or tab: whichever the header line uses most (outside quotes). */
export function detectDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const header = end === -1 ? text : text.slice(0, end);
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [ch, n] of counts) if (n > counts.get(best)!) best = ch;
  return best;
}

/**
 * The file's records, decoded and parsed as a stream (csv-parse's streaming
 * parser): a 64 KB slice at a time, the next slice only once the consumer has
 * taken the last one's records, and a turn of the event loop between slices,
 * so a 50 MB file never holds the server up nor sits in memory as one string.
 */
async function* csvRecords(buf: Buffer, encoding: FileEncoding): AsyncGenerator<string[]> {
  const headText = iconv.decode(buf.subarray(0, SNIFF_BYTES), encoding, { stripBOM: true });
  // UTF-8 by the platform's decoder (native, and bad bytes become U+FFFD); code pages by iconv-lite.
  const native = encoding === 'utf-8' ? new TextDecoder('utf-8') : null;
  const legacy = native ? null : iconv.getDecoder(encoding, { stripBOM: true });
  const decoder = {
    write: (chunk: Buffer) => (native ? native.decode(chunk, { stream: true }) : legacy!.write(chunk)),
    end: () => (native ? native.decode() : (legacy!.end() ?? '')),
  };
  const parser = parse({
    delimiter: detectDelimiter(headText),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
  });
  // The parser is driven by hand: a slice in, a turn of the event loop (the parser hands its
  // records over on the next tick), the slice's records out; never more than a slice in memory.
  const ready: string[][] = [];
  let failure: unknown = null;
  let ended = false;
  parser.on('readable', () => {
    for (let record = parser.read(); record !== null; record = parser.read()) ready.push(record as string[]);
  });
  parser.on('error', (error) => {
    failure = error;
  });
  parser.on('end', () => {
    ended = true;
  });
  const drain = function* () {
    if (failure) throw badFile('file.csv_invalid');
    yield* ready.splice(0);
  };
  try {
    for (let at = 0; at < buf.length; at += CHUNK_BYTES) {
      const piece = decoder.write(buf.subarray(at, at + CHUNK_BYTES));
      if (piece) parser.write(piece);
      await nextTurn();
      yield* drain();
    }
    const tail = decoder.end();
    if (tail) parser.write(tail);
    parser.end();
    while (!ended && !failure) await nextTurn();
    yield* drain();
  } finally {
    parser.removeAllListeners();
    parser.destroy();
  }
}

export async function readCsv(buf: Buffer, builder: SheetBuilder): Promise<Read> {
  const encoding = await detectEncoding(buf);
  let row = 0;
  let complete = true;
  for await (const record of csvRecords(buf, encoding)) {
    row++;
    if (!builder.add(record, row)) {
      complete = false;
      break;
    }
    if (row % RECORDS_PER_TURN === 0) await nextTurn();
  }
  return { sheet: builder.finish('csv', encoding), complete };
}
