import { expect } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import type { TestWorkspace } from '../../test/harness.ts';

// What the loyalty API tests share: a caller that checks the status, and a member with opening points.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
export type Json = Record<string, any>;

export type Call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: object,
  status?: number,
  w?: TestWorkspace,
  headers?: Record<string, string>,
) => Promise<Json>;

/** Calls the API as the workspace's owner (or `w`'s), expecting `status` when given; the JSON reply. */
export function apiCaller(workspace: () => TestWorkspace): Call {
  return async (method, url, payload, status, w = workspace(), headers = {}) => {
    const res = await w.request({ method, url, headers, ...(payload ? { payload } : {}) });
    if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.json() as Json;
  };
}

/** A new customer enrolled in the club, given `points` to start with; its id. */
export async function enrolledMember(call: Call, w: TestWorkspace, points = 0): Promise<string> {
  const customer = await call(
    'POST',
    '/api/v1/customers?allowDuplicate=true',
    { firstName: `חברה-${randomToken(3)}` },
    201,
    w,
  );
  await call('POST', '/api/v1/loyalty/members', { customerId: customer.id }, 201, w);
  if (points > 0) {
    await call('POST', `/api/v1/loyalty/members/${customer.id}/adjustments`, { points, note: 'פתיחה' }, 201, w);
  }
  return customer.id as string;
}
