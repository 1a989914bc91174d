import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { customer360Schema } from '../modules/customers/customers.schemas.ts';
import { createTestWorkspace, getTestApp, type TestApp } from '../test/harness.ts';
import { problemSchema } from './replies.ts';

type Operation = {
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: object }> }>;
};
type Spec = { paths: Record<string, Record<string, Operation>> };

let t: TestApp;
let spec: Spec;

beforeAll(async () => {
  t = await getTestApp();
  const ws = await createTestWorkspace(t);
  spec = (await ws.request({ method: 'GET', url: '/api/openapi.json' })).json() as Spec;
});

const operations = () =>
  Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/api/v1/'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );

describe('the OpenAPI documents every reply', () => {
  it('gives every route a success reply with its content, and the problem+json of its errors', () => {
    const missing: string[] = [];
    expect(operations().length).toBeGreaterThan(40);
    for (const { route, op } of operations()) {
      const responses = op.responses ?? {};
      const success = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) missing.push(`${route}: no success reply`);
      for (const [status, response] of success) {
        if (status === '204') {
          if (response.content) missing.push(`${route} 204: a body`);
          continue;
        }
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        // A schema of `{}` documents nothing: every reply says what it holds.
        if (schemas.length === 0 || schemas.some((s) => !s || Object.keys(s).length === 0)) {
          missing.push(`${route} ${status}: no schema`);
        }
      }
      for (const errors of ['4XX', '5XX']) {
        const problem = responses[errors]?.content?.['application/problem+json']?.schema as
          | { properties?: Record<string, unknown> }
          | undefined;
        if (!problem?.properties?.type || !problem.properties.errors) missing.push(`${route} ${errors}: no problem`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents a moment as a date-time string, and money as a decimal string', () => {
    const customer = spec.paths['/api/v1/customers/{id}']?.patch?.responses?.['200']?.content?.['application/json']
      ?.schema as { properties: Record<string, { type?: string; format?: string; pattern?: string }> };
    expect(customer.properties.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
    const totals = customer.properties.totals as unknown as { properties: Record<string, { type?: string }> };
    expect(totals.properties.totalSpent).toMatchObject({ type: 'string' });
    expect(totals.properties.lastOrderAt).toMatchObject({ type: 'string', format: 'date-time' });
  });
});

describe('replies are what their schemas say', () => {
  it('the customer page, sent as kept (not through its schema), is exactly its documented schema', async () => {
    const ws = await createTestWorkspace(t);
    const created = await ws.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: {
        firstName: 'נועה',
        email: 'noa@example.com',
        phone: '0501234567',
        address: { city: 'חיפה', street: 'הרצל 1' },
        attributes: { vip: true },
        consents: [{ channel: 'email', status: 'granted', source: 'form' }],
      },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    await ws.request({ method: 'POST', url: `/api/v1/customers/${id}/notes`, payload: { body: 'שיחה ראשונה' } });
    const page = await ws.request({ method: 'GET', url: `/api/v1/customers/${id}` });
    expect(page.statusCode).toBe(200);
    // The wire form: strict objects, so a field the schema does not name fails here.
    const parsed = customer360Schema.safeParse(page.json());
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.timeline.items.length).toBeGreaterThan(0);
    // Encoding it back gives the same JSON, key for key: the schema's order is the page's.
    expect(JSON.stringify(z.encode(customer360Schema, parsed.data!))).toBe(page.body);
  });

  it('an error reply is a problem+json the problem schema reads', async () => {
    const ws = await createTestWorkspace(t);
    const res = await ws.request({ method: 'GET', url: '/api/v1/customers/0190a5d2-7a3e-7c4f-8b2a-1234567890ab' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(problemSchema.safeParse(res.json()).success).toBe(true);
  });
});
