import { expect } from 'vitest';
import { randomToken } from '../../platform/crypto.ts';
import type { TestWorkspace } from '../../test/harness.ts';

/** What the customers API tests share: one call with its expected status, and the records they make. */

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely, as a client would
export type Json = Record<string, any>;

export async function call(
  w: TestWorkspace,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
  status?: number,
): Promise<Json> {
  const res = await w.request({ method, url, ...(payload ? { payload } : {}) });
  if (status !== undefined) expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.body ? res.json() : {};
}

export const uniquePhone = () =>
  `05${['0', '2', '3', '8'][Math.floor(Math.random() * 4)]}${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

export async function newCustomer(w: TestWorkspace, payload: object): Promise<Json> {
  return call(w, 'POST', '/api/v1/customers?allowDuplicate=true', payload, 201);
}

let orderSeq = 0;
export async function newOrder(w: TestWorkspace, customerId: string, overrides: Json = {}): Promise<Json> {
  return call(
    w,
    'POST',
    '/api/v1/orders',
    {
      externalId: `o-${++orderSeq}-${randomToken(4)}`,
      customerId,
      placedAt: '2026-03-01T09:00:00Z',
      channel: 'store',
      items: [{ sku: 'bread', name: 'לחם', quantity: 1, unitPrice: '10.00' }],
      ...overrides,
    },
    201,
  );
}

/** A granted SMS consent: an event on the customer's history and timeline. */
export const grantSms = (w: TestWorkspace, customerId: string) =>
  call(w, 'POST', `/api/v1/customers/${customerId}/consents`, { channel: 'sms', status: 'granted', source: 'x' }, 201);

export const ids = (items: Json[]): string[] => items.map((i) => i.id);
