import { z } from 'zod';

/*
 * Building blocks of reply schemas. A reply is encoded through its route's
 * schema (fastify-type-provider-zod's serializer runs `z.encode`), so a reply
 * schema's output side is what a service returns and its input side is the
 * JSON a client reads: `z.input<typeof schema>` is the wire type.
 */

/**
 * A moment: a service answers with a Date, the JSON carries its ISO string
 * (as JSON.stringify writes it). A stored reply that is replayed (an
 * Idempotency-Key) already holds the string, and passes as it is.
 */
export const instant = z.codec(
  z.string(),
  z
    .custom<Date | string>((v) => v instanceof Date || typeof v === 'string')
    .meta({
      type: 'string',
      format: 'date-time',
    }),
  {
    decode: (text) => new Date(text),
    encode: (value) => (typeof value === 'string' ? value : value.toISOString()),
  },
);

/** Money as a decimal string with two places ("120.50"), never a float. */
export const money = z.string().regex(/^-?\d+\.\d{2}$/);

/** A list envelope: one page of items and the cursor of the next (null on the last page). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });

/**
 * RFC 9457 problem+json, as the one error handler (http.ts) writes it. Open
 * to more members: a problem may add its own (`retryAfter`, `reason`, `limit`).
 * Key order is the handler's, so the bytes stay what they were.
 */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().optional(),
    detail: z.string().optional(),
    errors: z.array(
      z.looseObject({
        field: z.string(),
        message: z.string(),
        code: z.string().optional(),
      }),
    ),
  })
  .meta({ description: 'RFC 9457 problem details' });
export type Problem = z.input<typeof problemSchema>;

const problemContent = { content: { 'application/problem+json': { schema: problemSchema } } };

/** The error replies every route may give: a problem+json for any 4xx or 5xx status. */
export const problemReplies = {
  '4xx': { description: 'The request was refused (problem+json)', ...problemContent },
  '5xx': { description: 'The server failed (problem+json)', ...problemContent },
} as const;

/** A 204: no body. */
export const noContent = z.undefined().meta({ description: 'No content' });

/** A route's `schema.response`: its success replies, and the problems every route may give. */
export const replies = <Ok extends Record<number, unknown>>(ok: Ok) => ({ ...ok, ...problemReplies });

/**
 * A value the service types more loosely than the reply documents it (a jsonb
 * address read as `unknown`, a status read as `string`): checked by `schema`
 * as the reply is encoded, and typed by it on the wire.
 */
export const checked = <T extends z.ZodType>(schema: T) => schema as unknown as z.ZodType<unknown, z.input<T>>;

/** What a retried create (the same Idempotency-Key) answers once the record it made was erased (idempotency.ts). */
export const erasedReplySchema = z.strictObject({ id: z.uuid(), redacted: z.literal('erased') });
