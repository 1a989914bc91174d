// Past 400 lines on purpose: the arbitraries, the request builder and the answer checks are one fuzzer over every route; apart, each would serve only the others.
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { inWorkspace } from '../db/tenancy.ts';
import {
  createTestWorkspace,
  getTestApp,
  type TestApp,
  type TestWorkspace,
  testDatabaseKind,
} from '../test/harness.ts';
import { randomToken } from './crypto.ts';

/**
 * Every route of the OpenAPI document, sent random and hostile requests built
 * from its own schemas: values that look right, NUL characters, halves of
 * surrogate pairs, huge strings, wrong types, numbers out of range, forged
 * cursors, malformed JSON and forged headers. Whatever comes, the answer is
 * never a 5xx, every 4xx is a problem naming what was wrong, and the server
 * still serves afterwards.
 *
 * A fixed seed keeps CI repeatable; KLIENT_FUZZ_SEED and KLIENT_FUZZ_RUNS
 * (requests per route) explore further by hand, KLIENT_FUZZ_TRACE=1
 * prints each request before it is sent (to find one that hangs), and
 * KLIENT_FUZZ_REPORT=1 each route's answers (to see which reach the work).
 */
const SEED = Number(process.env.KLIENT_FUZZ_SEED ?? 11);
const RUNS = Number(process.env.KLIENT_FUZZ_RUNS ?? 24);
const SESSION_RUNS = Math.max(4, Math.round(RUNS / 3));

type Schema = {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
};
type Parameter = { in: 'path' | 'query' | 'header'; name: string; required?: boolean; schema: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};
type Route = { method: string; path: string; op: Operation };
type Sent = { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer };

let t: TestApp;
let ws: TestWorkspace;
let routes: Route[];
let session: { cookie: string; csrfToken: string };
/**
 * Real ids, so that requests get past "not found" into the code that does the work. Club members are kept apart
 * for fields named customerId (the customer routes would erase or merge them before the club's routes run); one
 * member is in the shared ids too.
 */
const known: { uuids: string[]; members: string[]; cursors: string[]; publicKey: string } = {
  uuids: [],
  members: [],
  cursors: [],
  publicKey: '',
};
/** A club member's portal sessions: one for every portal route, and one that its logout may end. */
const portal = { cookie: '', logoutCookie: '' };

// ---------------------------------------------------------------- values

const nasty = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  "'; drop table customers; --",
  '%00',
  '../../etc/passwd',
  '\u202e\u05e9\u05dc\u05d5\u05dd',
  '   ',
  '',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  '{}',
  '[]',
  '=HYPERLINK("http://x")',
  '9999-99-99',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  '2024-02-30',
  '2024-02-30T25:61:61Z',
  '1969-12-31T23:59:59.999999999-23:59',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'g0000000-0000-4000-8000-000000000000',
  '<script>alert(1)</script>',
  '\u05d0'.repeat(300),
  '\ud83d\ude00'.repeat(120),
];
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...nasty) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc.string({
      unit: fc.constantFrom('\u0000', '\ud800', '\udc00', 'a', '\u05d0', '\t', '\n'),
      maxLength: 12,
    }),
  },
  { weight: 1, arbitrary: fc.integer({ min: 101, max: 30_000 }).map((n) => 'א'.repeat(n)) },
);
const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 1e21, 2 ** 53 + 2, 5e-324, 0.30000000000000004, 999999999999.99, 1e15),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', '\u0000', '__proto__', 'constructor', 'x'.repeat(200)), hostileString, {
    maxKeys: 2,
  }),
  // Deeper than any schema goes.
  fc.integer({ min: 50, max: 3000 }).map((depth) => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`)),
);

/** A cursor: one of ours from another list, or one forged to be wrong in a particular way. */
const cursorValue = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...(known.cursors.length ? known.cursors : ['x'])),
    fc
      .tuple(
        fc.constantFrom('time', 'customers.created_at', 'customers.total_spent', 'customers.sort_name', 'nope'),
        fc.array(fc.oneof(hostileString, hostileNumber, fc.uuid(), fc.constant(null)), { maxLength: 3 }),
      )
      .map(([k, v]) => Buffer.from(JSON.stringify({ k, v })).toString('base64url')),
    fc
      .record({ at: fc.oneof(hostileString, fc.date().map(String)), id: fc.oneof(fc.uuid(), hostileString) })
      .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
    fc
      .record({ v: fc.oneof(hostileString, hostileNumber), id: fc.oneof(fc.uuid(), hostileString) })
      .map((c) => Buffer.from(JSON.stringify(c)).toString('base64url')),
    fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64url')),
    hostileString,
  );

const uuidValue = (name: string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(...(name === 'customerId' ? [...known.members, ...known.uuids] : known.uuids)),
    },
    { weight: 1, arbitrary: fc.uuid() },
  );
const isoDate = fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true });

function typesOf(schema: Schema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  if (schema.type) return [schema.type];
  if (schema.properties) return ['object'];
  return ['string'];
}

/** A value the schema accepts, or close to it (the server decides; it must never fail). */
function valid(schema: Schema, name = ''): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  const core = alternatives
    ? fc.oneof(...alternatives.map((s) => valid(s, name)))
    : schema.enum
      ? fc.constantFrom(...schema.enum)
      : fc.oneof(...typesOf(schema).map((type) => validOfType(type, schema, name)));
  return schema.nullable ? fc.oneof({ weight: 5, arbitrary: core }, { weight: 1, arbitrary: fc.constant(null) }) : core;
}

function validOfType(type: string, schema: Schema, name: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        minExcluded: schema.exclusiveMinimum === true,
      });
    case 'array':
      return fc.array(valid(schema.items ?? {}, name), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const record = fc.record(Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, valid(s, key)])), {
        requiredKeys: (schema.required ?? []).filter((k) => k in properties),
      });
      if (typeof schema.additionalProperties === 'object') {
        const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), valid(schema.additionalProperties), {
          maxKeys: 4,
        });
        return fc.tuple(record, extra).map(([a, b]) => ({ ...b, ...a }));
      }
      return record;
    }
    default:
      return validString(schema, name);
  }
}

function validString(schema: Schema, name: string): fc.Arbitrary<string> {
  if (name === 'cursor') return cursorValue();
  // The club's own key, mostly: a made-up one is only ever "no such club".
  if (name === 'publicKey') {
    return fc.oneof(
      { weight: 3, arbitrary: fc.constant(known.publicKey) },
      { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{20,64}$/) },
    );
  }
  switch (schema.format) {
    case 'uuid':
      return uuidValue(name);
    case 'date':
      return isoDate.map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return isoDate.map((d) => d.toISOString());
    case 'email':
      return fc.emailAddress();
  }
  if (name === 'email') return fc.emailAddress();
  if (name === 'phone') return fc.constantFrom('050-1234567', '+972 52 765 4321', '03-5551234', '12');
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // A pattern fast-check cannot build from: plain text will do.
    }
  }
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
  const words = ['דנה כהן', 'יוסי', 'VIP', 'תל אביב'].filter((w) => w.length >= minLength && w.length <= maxLength);
  return fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    ...(words.length ? [fc.constantFrom(...words)] : []),
  );
}

/** Like valid(), but any part may be replaced by something hostile, and objects gain forged keys. */
function hostile(schema: Schema, name = ''): fc.Arbitrary<unknown> {
  const types = typesOf(schema);
  let shaped: fc.Arbitrary<unknown>;
  if (!schema.enum && !schema.anyOf && types.includes('object') && schema.properties) {
    const properties = schema.properties;
    shaped = fc
      .tuple(
        fc.record(Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, hostile(s, key)])), {
          requiredKeys: [],
        }),
        fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'totals')), wrongType, {
          maxKeys: 1,
        }),
      )
      .map(([a, b]) => ({ ...b, ...a }));
  } else if (!schema.enum && types.includes('array') && schema.items) {
    shaped = fc.oneof(
      fc.array(hostile(schema.items, name), { maxLength: 4 }),
      fc.array(valid(schema.items, name), { minLength: 51, maxLength: 600 }),
    );
  } else {
    shaped = valid(schema, name);
  }
  const leaf =
    name === 'cursor'
      ? cursorValue()
      : types.includes('number') || types.includes('integer')
        ? hostileNumber
        : hostileString;
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 2, arbitrary: leaf },
    { weight: 1, arbitrary: wrongType },
  );
}

// ---------------------------------------------------------------- requests

/** Percent-encodes what can be; a half surrogate goes as the invalid UTF-8 it would be. */
function encodePart(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value
      .split('')
      .map((ch) => {
        try {
          return encodeURIComponent(ch);
        } catch {
          return '%ED%A0%80';
        }
      })
      .join('');
  }
}

function toQueryString(query: unknown): string {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined) continue;
      parts.push(`${encodePart(key)}=${encodePart(typeof v === 'object' ? JSON.stringify(v) : String(v))}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

const malformedJson = fc.oneof(
  fc.constantFrom(
    '{"a":',
    '{',
    '[',
    'nul',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '"\\u0000"',
    '{"firstName":"\\ud800"}',
    '{"email":"a\\u0000@example.com"}',
    '\u0000',
    '',
    '{"a":1,"a":2}',
    `{"firstName":"${'x'.repeat(1_100_000)}"}`,
  ),
  fc.integer({ min: 2000, max: 20_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

function multipart(fields: Record<string, string>, file: { name: string; content: Buffer } | null) {
  const boundary = `----klientfuzz${randomToken(6)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const csvCell = fc.oneof(hostileString, fc.constantFrom('דנה', 'כהן', '050-1234567', 'dana@example.com', '2026-01-01'));
const uploadFile = fc.oneof(
  fc
    .array(fc.array(csvCell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 })
    .map((rows) => Buffer.from(rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n'))),
  fc
    .constantFrom(
      'שם פרטי,שם משפחה,טלפון\r\nדנה,כהן,050-1234567\r\n',
      'externalId,placedAt,sku,name,quantity,unitPrice\r\no1,not a date,s,n,-1,1e400\r\n',
      'a\u0000b,c\r\n1,2\r\n',
    )
    .map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
  // The start of an XLSX (a ZIP archive), and then nothing that makes sense.
  fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.from(b)])),
);
const uploadName = fc.oneof(
  fc.constantFrom('customers.csv', 'orders.xlsx', 'a\u0000b.csv', `${'x'.repeat(400)}.csv`, '../../x.csv', 'שם.csv'),
  hostileString.map((s) => s.replace(/["\r\n]/g, '')),
);

const forgedHeaders = fc.record(
  {
    'idempotency-key': fc.oneof(
      fc.uuid(),
      hostileString.filter((s) => /^[\x20-\x7e]*$/.test(s)),
      fc.constant('k'.repeat(600)),
    ),
    'accept-language': fc.constantFrom('en', 'he', 'xx', '*', 'en-US,en;q=0.9,he;q=0.8', ';;;,,,', 'e'.repeat(2000)),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not an ip', '::1', '999.999.999.999', '1.1.1.1, 2.2.2.2', ''),
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', 'x/y', ''),
    'x-klient-member': fc.constantFrom('1', '0', '', 'true'),
  },
  { requiredKeys: [] },
);

function requestFor(route: Route): fc.Arbitrary<Sent> {
  const params = (route.op.parameters ?? []).filter((p) => p.in === 'path');
  const queryParams = (route.op.parameters ?? []).filter((p) => p.in === 'query');
  const querySchema: Schema = {
    type: 'object',
    properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema])),
    required: queryParams.filter((p) => p.required).map((p) => p.name),
  };
  const bodySchema = route.op.requestBody?.content?.['application/json']?.schema;
  const isUpload = route.path.startsWith('/api/v1/imports') && route.method === 'POST';
  const mode = fc.constantFrom('valid', 'hostile');
  return fc
    .record({
      mode,
      validPath: fc.tuple(...params.map((p) => valid(p.schema, p.name).map(String))),
      pathValues: fc.tuple(
        ...params.map((p) =>
          fc.oneof(
            { weight: 3, arbitrary: valid(p.schema, p.name).map(String) },
            { weight: 1, arbitrary: fc.oneof(hostileString, fc.constantFrom('%', '%zz', '%C0%AF', '..%2F..')) },
          ),
        ),
      ),
      validQuery: valid(querySchema),
      hostileQuery: hostile(querySchema),
      validBody: bodySchema ? valid(bodySchema).map((b) => ({ json: b })) : fc.constant({ none: true }),
      body: bodySchema
        ? fc.oneof(
            { weight: 3, arbitrary: hostile(bodySchema).map((b) => ({ json: b })) },
            { weight: 1, arbitrary: malformedJson.map((raw) => ({ raw })) },
            { weight: 1, arbitrary: fc.constant({ none: true }) },
          )
        : fc.oneof(
            { weight: 4, arbitrary: fc.constant({ none: true }) },
            { weight: 1, arbitrary: wrongType.map((b) => ({ json: b })) },
          ),
      validUpload: fc.record({
        kind: fc.constantFrom('customers', 'orders'),
        name: uploadName,
        csv: fc.constantFrom(
          'שם פרטי,שם משפחה,טלפון,דוא"ל\r\nדנה,כהן,050-1234567,dana@example.com\r\n',
          'externalId,customerEmail,placedAt,sku,name,quantity,unitPrice\r\nw1,dana@example.com,2026-01-01,s1,n,1,9.90\r\n',
        ),
      }),
      upload: fc.record({
        kind: fc.oneof(fc.constantFrom('customers', 'orders', ''), hostileString),
        mapping: fc.oneof(
          fc.constant(undefined),
          fc.constantFrom('{"firstName":"שם פרטי"}', '{"nope":"x"}', '[1]', '{', '{"firstName":"\\u0000"}'),
          wrongType.map((v) => JSON.stringify(v) ?? 'null'),
        ),
        file: fc.option(fc.record({ name: uploadName, content: uploadFile }), { freq: 6 }),
      }),
      headers: forgedHeaders,
      idempotencyKey: fc.uuid(),
    })
    .map(
      ({
        mode,
        validPath,
        pathValues,
        validQuery,
        hostileQuery,
        validBody,
        body: hostileBody,
        validUpload,
        upload,
        headers: forged,
        idempotencyKey,
      }) => {
        // A valid-looking request comes as a well-behaved client sends it; a hostile one, with anything.
        const body = mode === 'valid' ? validBody : hostileBody;
        // The member portal's page sends its header on every unsafe request, and a key with each redemption.
        const portalPage =
          route.path.startsWith('/api/v1/club/') && route.method !== 'GET'
            ? { 'x-klient-member': '1', 'idempotency-key': idempotencyKey }
            : {};
        const headers: Record<string, string | undefined> = mode === 'valid' ? portalPage : forged;
        let path = route.path;
        params.forEach((p, i) => {
          const raw = (mode === 'valid' ? validPath[i] : pathValues[i]) ?? '';
          // A few hostile path parts are already percent-encoded on purpose.
          const encoded = /^%|%2F/.test(raw) ? raw : encodePart(raw);
          path = path.replace(`{${p.name}}`, encoded || '%20');
        });
        const url = `${path}${toQueryString(mode === 'valid' ? validQuery : hostileQuery)}`;
        const sent: Sent = { method: route.method, url, headers: {} };
        for (const [key, value] of Object.entries(headers)) if (value !== undefined) sent.headers[key] = value;
        if (isUpload && headers['content-type'] === undefined) {
          const fields: Record<string, string> = { kind: mode === 'valid' ? validUpload.kind : upload.kind };
          if (mode !== 'valid' && upload.mapping !== undefined) fields.mapping = upload.mapping;
          const form = multipart(
            fields,
            mode === 'valid' ? { name: validUpload.name, content: Buffer.from(validUpload.csv) } : upload.file,
          );
          sent.payload = form.payload;
          sent.headers['content-type'] = form.contentType;
        } else if ('json' in body) {
          sent.payload = JSON.stringify(body.json) ?? 'null';
          sent.headers['content-type'] ??= 'application/json';
        } else if ('raw' in body) {
          sent.payload = body.raw;
          sent.headers['content-type'] ??= 'application/json';
        }
        return sent;
      },
    );
}

// ---------------------------------------------------------------- checks

function describeSent(sent: Sent) {
  const payload =
    sent.payload === undefined
      ? ''
      : ` ${JSON.stringify(sent.payload.toString().slice(0, 300))}${sent.payload.length > 300 ? '…' : ''}`;
  return `${sent.method} ${sent.url.slice(0, 300)} ${JSON.stringify(sent.headers).slice(0, 200)}${payload}`;
}

/** What a caller must be able to rely on, whatever it sent. */
function checkAnswer(sent: Sent, res: LightMyRequestResponse) {
  const where = `${describeSent(sent)}\n→ ${res.statusCode} ${res.body.slice(0, 500)}`;
  expect(res.statusCode, where).toBeLessThan(500);
  if (res.statusCode >= 400) {
    expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
    const problem = res.json() as { code?: string; status?: number; errors?: { field?: string }[] };
    expect(problem.status, where).toBe(res.statusCode);
    expect(typeof problem.code, where).toBe('string');
    expect(problem.code, `the database, not the rules, refused this: ${where}`).not.toBe('CONFLICT');
    if (problem.code === 'VALIDATION') {
      expect(problem.errors?.length, where).toBeGreaterThan(0);
      for (const e of problem.errors ?? []) expect(e.field, where).toMatch(/./);
      // '(request)' is the database's safety net speaking (http.ts): validation let the value through.
      expect(
        problem.errors?.map((e) => e.field),
        where,
      ).not.toContain('(request)');
    }
  }
}

type Auth = 'api key' | 'session';

async function send(sent: Sent, auth: Auth): Promise<LightMyRequestResponse> {
  const options: InjectOptions = {
    method: sent.method as NonNullable<InjectOptions['method']>,
    url: sent.url,
    headers: { ...sent.headers },
    ...(sent.payload !== undefined ? { payload: sent.payload } : {}),
  };
  if (process.env.KLIENT_FUZZ_TRACE) process.stderr.write(`${auth} ${describeSent(sent).slice(0, 400)}\n`);
  // On the member portal, the browser also holds the member's cookie (the portal reads no staff login).
  const member = sent.url.startsWith('/api/v1/club/')
    ? `klient_member=${/^\/api\/v1\/club\/[^/?]*\/logout/.test(sent.url) ? portal.logoutCookie : portal.cookie}`
    : null;
  if (auth === 'api key') {
    return ws.request(member ? { ...options, headers: { cookie: member, ...options.headers } } : options);
  }
  return t.app.inject({
    ...options,
    headers: {
      cookie: member ? `${session.cookie}; ${member}` : session.cookie,
      'x-csrf-token': session.csrfToken,
      ...options.headers,
    },
  });
}

/** Routes a fuzz must not call as is: they would end the caller's own access mid-run. */
function fuzzable(route: Route, auth: Auth) {
  if (auth === 'session' && route.path === '/api/v1/auth/logout') return false;
  return true;
}

async function fuzzEveryRoute(auth: Auth, runs: number) {
  const failures: string[] = [];
  const statuses = new Map<string, Set<number>>();
  for (const route of routes.filter((r) => fuzzable(r, auth))) {
    const name = `${route.method} ${route.path}`;
    const seen = new Set<number>();
    statuses.set(name, seen);
    try {
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (sent) => {
          const res = await send(sent, auth);
          seen.add(res.statusCode);
          checkAnswer(sent, res);
        }),
        { numRuns: runs, seed: SEED + route.path.length + route.method.length, endOnFailure: true },
      );
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const why = cause instanceof Error ? cause.message : (error as Error).message;
      failures.push(`${name}:\n${why.slice(0, 1500)}`);
    }
  }
  return { failures, statuses };
}

async function expectHealthy() {
  const health = await t.app.inject({ method: 'GET', url: '/healthz' });
  expect(health.statusCode).toBe(200);
  expect(health.json()).toMatchObject({ status: 'ok', database: testDatabaseKind });
  const list = await ws.request({ method: 'GET', url: '/api/v1/customers?limit=5' });
  expect(list.statusCode, list.body).toBe(200);
  const created = await ws.request({
    method: 'POST',
    url: '/api/v1/customers?allowDuplicate=true',
    payload: { firstName: 'אחרי', lastName: 'הבדיקה', email: `after-${randomToken(5).toLowerCase()}@example.com` },
  });
  expect(created.statusCode, created.body).toBe(201);
  const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: session.cookie } });
  expect(me.statusCode, me.body).toBe(200);
}

// ---------------------------------------------------------------- the runs

beforeAll(async () => {
  t = await getTestApp();
  ws = await createTestWorkspace(t, 'בדיקת עמידות');
  const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );

  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'x-forwarded-for': '10.99.0.1' },
    payload: { email: ws.ownerEmail, password: ws.ownerPassword },
  });
  expect(login.statusCode, login.body).toBe(200);
  const cookie = login.cookies.find((c) => c.name === 'klient_session');
  session = { cookie: `klient_session=${cookie?.value}`, csrfToken: login.json().csrfToken };

  // Something real to point at: customers, an order, a branch, cursors of each list.
  for (let i = 0; i < 4; i++) {
    const c = await ws.request({
      method: 'POST',
      url: '/api/v1/customers?allowDuplicate=true',
      payload: { firstName: `לקוחה ${i}`, email: `fuzz-${i}-${randomToken(4).toLowerCase()}@example.com` },
    });
    known.uuids.push(c.json().id);
  }
  const order = await ws.request({
    method: 'POST',
    url: '/api/v1/orders',
    payload: {
      externalId: `fuzz-${randomToken(5)}`,
      customerId: known.uuids[0],
      placedAt: '2026-03-01T10:00:00Z',
      channel: 'store',
      branch: 'סניף הבדיקה',
      items: [{ sku: 'fz-1', name: 'מוצר', quantity: 2, unitPrice: '10.50' }],
    },
  });
  known.uuids.push(order.json().id, order.json().branchId);
  await seedClub();
  for (const url of [
    '/api/v1/customers?limit=1',
    '/api/v1/customers?limit=1&sort=name',
    '/api/v1/customers?limit=1&sort=-totalSpent',
    `/api/v1/customers/${known.uuids[0]}/timeline?limit=1`,
    '/api/v1/audit?limit=1',
  ]) {
    const cursor = (await ws.request({ method: 'GET', url })).json().nextCursor;
    if (typeof cursor === 'string') known.cursors.push(cursor);
  }
}, 120_000);

/** A call the seeding needs to succeed; its reply. */
async function seeded(method: 'POST' | 'PUT', url: string, payload: object) {
  const res = await ws.request({ method, url, payload });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

/**
 * The club, for its routes to reach their work: members with points, a reward, an earning rule, and contests in
 * each state a route acts on (a draw to hold, one to enter, one already drawn to verify, a skill contest to judge).
 */
async function seedClub() {
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
  const inAMonth = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const program = await seeded('PUT', '/api/v1/loyalty/program', {
    name: 'מועדון העמידות',
    pendingDays: 0,
    tiers: [{ name: 'חברים', threshold: 0 }],
  });
  known.publicKey = program.publicKey;
  const memberEmails: string[] = [];
  for (let i = 0; i < 3; i++) {
    const email = `fuzz-member-${i}-${randomToken(4).toLowerCase()}@example.com`;
    const c = await seeded('POST', '/api/v1/customers?allowDuplicate=true', { firstName: `חברה ${i}`, email });
    known.members.push(c.id);
    memberEmails.push(email);
  }
  for (const customerId of [...known.members, known.uuids[0]]) {
    await seeded('POST', '/api/v1/loyalty/members', { customerId });
    await seeded('POST', `/api/v1/loyalty/members/${customerId}/adjustments`, { points: 5000, note: 'פתיחה' });
  }
  const reward = await seeded('POST', '/api/v1/loyalty/rewards', { name: 'קפה', kind: 'gift', pointsCost: 1 });
  const rule = await seeded('POST', '/api/v1/loyalty/rules', {
    name: 'סקר',
    kind: 'event',
    eventType: 'survey.done',
    points: 3,
  });
  const contest = (over: object) =>
    seeded('POST', '/api/v1/loyalty/contests', {
      name: 'הגרלה',
      prize: 'פרס',
      kind: 'draw',
      winnersCount: 1,
      opensAt: hourAgo,
      closesAt: inAMonth,
      ...over,
    });
  const toDraw = await contest({});
  const toEnter = await contest({ entryCostPoints: 1 });
  const drawn = await contest({});
  await seeded('POST', `/api/v1/loyalty/contests/${drawn.id}/draw`, {});
  const skill = await contest({ kind: 'skill', question: 'למה?', winnersCount: 3 });
  await seeded('POST', `/api/v1/loyalty/contests/${skill.id}/entries`, { customerId: known.members[0], answer: 'כי' });
  known.uuids.push(reward.id, rule.id, toDraw.id, toEnter.id, drawn.id, skill.id);
  const [address = ''] = memberEmails;
  portal.cookie = await memberSession(address, '10.99.0.2');
  portal.logoutCookie = await memberSession(address, '10.99.0.3');
}

/** Signs a club member in on the portal (a code by email, read from the outbox); the session cookie's value. */
async function memberSession(address: string, ip: string): Promise<string> {
  const headers = { 'x-klient-member': '1', 'x-forwarded-for': ip };
  const club = `/api/v1/club/${known.publicKey}`;
  const sent = await t.app.inject({ method: 'POST', url: `${club}/login`, headers, payload: { email: address } });
  expect(sent.statusCode, sent.body).toBe(200);
  const message = await inWorkspace(t.database.db, ws.workspaceId, (trx) =>
    trx
      .selectFrom('outbox_messages')
      .select('text_body')
      .where('workspace_id', '=', ws.workspaceId)
      .where('recipient', '=', address)
      .where('purpose', '=', 'loyalty.portal_code')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow(),
  );
  const code = /\b(\d{6})\b/.exec(message.text_body)?.[1];
  const verified = await t.app.inject({
    method: 'POST',
    url: `${club}/verify`,
    headers,
    payload: { email: address, code },
  });
  expect(verified.statusCode, verified.body).toBe(200);
  const cookie = verified.cookies.find((c) => c.name === 'klient_member')?.value;
  expect(cookie).toBeTruthy();
  return cookie ?? '';
}

/** Requests that once made a 500 (or would have): each is a 400 naming the field at fault. */
function knownCases(): { name: string; sent: Sent; field: string }[] {
  const [customerId = '', , , , orderId = ''] = known.uuids;
  const json = (method: string, url: string, body: unknown): Sent => ({
    method,
    url,
    headers: { 'content-type': 'application/json', 'accept-language': 'en' },
    payload: JSON.stringify(body),
  });
  const get = (url: string): Sent => ({ method: 'GET', url, headers: { 'accept-language': 'en' } });
  const order = (over: object) => ({
    externalId: `known-${randomToken(5)}`,
    customerId,
    placedAt: '2026-01-01T00:00:00Z',
    channel: 'store',
    items: [{ sku: 's', name: 'n', quantity: 1, unitPrice: 1 }],
    ...over,
  });
  const cursor = (k: string, v: unknown[]) => Buffer.from(JSON.stringify({ k, v })).toString('base64url');
  return [
    { name: 'NUL in a name', sent: json('POST', '/api/v1/customers', { firstName: 'a\u0000b' }), field: 'firstName' },
    {
      name: 'NUL in an attribute key',
      sent: json('POST', '/api/v1/customers', { firstName: 'a', attributes: { 'k\u0000': 1 } }),
      field: 'attributes.k?',
    },
    {
      name: 'half a surrogate pair in an address',
      sent: json('POST', '/api/v1/customers', { firstName: 'a', address: { city: 'x\ud800' } }),
      field: 'address.city',
    },
    { name: 'NUL in a search', sent: get('/api/v1/customers?q=%00'), field: 'querystring.q' },
    { name: 'NUL in a path', sent: get('/api/v1/invitations/aaaaaaaaaaaaaaaaaaaa%00'), field: 'params.token' },
    {
      name: 'NUL in a note',
      sent: json('POST', `/api/v1/customers/${customerId}/notes`, { body: '\u0000' }),
      field: 'body',
    },
    { name: 'a URL that does not decode', sent: get('/api/v1/customers/%C0%AF'), field: '(url)' },
    {
      name: 'an Idempotency-Key no machine makes',
      sent: {
        ...json('POST', '/api/v1/customers', { firstName: 'a' }),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(600) },
      },
      field: 'headers.idempotency-key',
    },
    {
      name: 'a name cursor on the date sort',
      sent: get(`/api/v1/customers?sort=-createdAt&cursor=${cursor('customers.sort_name', ['Dana 1', customerId])}`),
      field: 'querystring.cursor',
    },
    {
      name: 'a date cursor whose date does not exist',
      sent: get(`/api/v1/customers?cursor=${cursor('customers.created_at', ['2026-02-30T00:00:00Z', customerId])}`),
      field: 'querystring.cursor',
    },
    {
      name: 'a total cursor holding text',
      sent: get(`/api/v1/customers?sort=totalSpent&cursor=${cursor('customers.total_spent', ['1; drop', customerId])}`),
      field: 'querystring.cursor',
    },
    {
      name: 'a timeline cursor with a bad id',
      sent: get(`/api/v1/customers/${customerId}/timeline?cursor=${cursor('time', ['2026-01-01T00:00:00Z', 'x'])}`),
      field: 'querystring.cursor',
    },
    {
      name: 'an order in year 0',
      sent: json('POST', '/api/v1/orders', order({ placedAt: '0000-01-01T00:00:00Z' })),
      field: 'placedAt',
    },
    {
      name: 'an order pushed past 9999 by its offset',
      sent: json('POST', '/api/v1/orders', order({ placedAt: '9999-12-31T23:59:59-23:59' })),
      field: 'placedAt',
    },
    {
      name: 'a line too big for the money column',
      sent: json(
        'POST',
        '/api/v1/orders',
        order({ items: [{ sku: 's', name: 'n', quantity: 1e6, unitPrice: 99999999999 }] }),
      ),
      field: 'items.0.quantity',
    },
    {
      name: 'a birthday in year 0',
      sent: json('POST', '/api/v1/customers', { firstName: 'a', birthday: '0000-01-01' }),
      field: 'birthday',
    },
    {
      name: 'a price too big',
      sent: json('POST', '/api/v1/products', { sku: 'big', name: 'n', price: 1e300 }),
      field: 'price',
    },
    {
      name: 'a refund smaller than an agora',
      sent: json('POST', `/api/v1/orders/${orderId}/refunds`, { amount: 0.001 }),
      field: 'amount',
    },
  ];
}

describe(`every route, random and hostile input (${testDatabaseKind})`, () => {
  it('reads every route from the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThanOrEqual(40);
    expect(known.cursors.length).toBeGreaterThanOrEqual(3);
  });

  it('answers each known hostile request with a 400 naming the field', async () => {
    for (const { name, sent, field } of knownCases()) {
      const res = await send(sent, 'api key');
      checkAnswer(sent, res);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(400);
      expect(
        res.json().errors.map((e: { field: string }) => e.field),
        name,
      ).toContain(field);
    }
  });

  it('never answers 5xx, with an owner API key', async () => {
    const { failures, statuses } = await fuzzEveryRoute('api key', RUNS);
    expect(failures.join('\n\n'), `seed ${SEED}`).toBe('');
    // The fuzz reaches the work, not only validation: most routes answer some request with a success.
    const succeeded = [...statuses.values()].filter((s) => [...s].some((code) => code < 300)).length;
    if (process.env.KLIENT_FUZZ_REPORT)
      for (const [name, s] of statuses) process.stderr.write(`FUZZ ${name} ${[...s].sort().join(',')}\n`);
    expect(succeeded).toBeGreaterThanOrEqual(Math.floor(routes.length / 2));
    await expectHealthy();
  }, 180_000);

  it('never answers 5xx, with a session and its CSRF token', async () => {
    const { failures } = await fuzzEveryRoute('session', SESSION_RUNS);
    expect(failures.join('\n\n'), `seed ${SEED}`).toBe('');
    await expectHealthy();
  }, 180_000);
});
