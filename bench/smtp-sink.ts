/**
 * A local mail server for the sending benchmark, in a process of its own (so
 * its parsing does not share the sender's event loop): it takes every
 * message, counts distinct Message-IDs, and on `{ expect: n }` from its
 * parent answers `{ armed }` at once and `{ firstAt, lastAt }` (epoch ms)
 * once n distinct messages have arrived since that request. Prints `smtp sink ready <port>`.
 */
import { SMTPServer } from 'smtp-server';

let count = 0;
let firstAt = 0;
let want: number | null = null;
const seen = new Set<string>();

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  // A campaign's pool holds its connections for the whole batch.
  maxClients: 200,
  onData(stream, _session, callback) {
    let head = '';
    let headDone = false;
    stream.on('data', (chunk: Buffer) => {
      if (headDone) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) headDone = true;
    });
    stream.on('end', () => {
      const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1] ?? `none-${count}`;
      if (!seen.has(id)) {
        seen.add(id);
        count++;
        if (count === 1) firstAt = Date.now();
        if (want !== null && count >= want) {
          process.send?.({ firstAt, lastAt: Date.now(), count });
          want = null;
        }
      }
      callback();
    });
  },
});

process.on('message', (m: { expect?: number }) => {
  if (typeof m.expect === 'number') {
    count = 0;
    firstAt = 0;
    seen.clear();
    want = m.expect;
    process.send?.({ armed: m.expect });
  }
});

server.listen(Number(process.env.SINK_PORT ?? 2526), '127.0.0.1', () => {
  console.log(`smtp sink ready ${process.env.SINK_PORT ?? 2526}`);
});
