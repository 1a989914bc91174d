import { beforeAll, describe, expect, it } from 'vitest';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { apiCaller, silverAndGoldClub, workspaceWithClub } from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
const call = apiCaller(() => ws);

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'פורטל', silverAndGoldClub('מועדון הפורטל'));
});

describe('the club public key', () => {
  it('is given to every club, URL-safe, long, and differs between clubs', async () => {
    const program = await call('GET', '/api/v1/loyalty/program', undefined, 200);
    expect(program.publicKey).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const other = await workspaceWithClub(t, 'אחר', silverAndGoldClub('מועדון אחר'));
    const second = await call('GET', '/api/v1/loyalty/program', undefined, 200, other);
    expect(second.publicKey).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(second.publicKey).not.toBe(program.publicKey);
    // A change to the club keeps its key, so links already shared keep working.
    await call('PUT', '/api/v1/loyalty/program', silverAndGoldClub('שם חדש'), 200);
    expect((await call('GET', '/api/v1/loyalty/program', undefined, 200)).publicKey).toBe(program.publicKey);
  });
});
