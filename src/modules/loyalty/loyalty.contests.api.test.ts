import { beforeAll, describe, expect, it } from 'vitest';
import { getTestApp, type TestApp, type TestWorkspace } from '../../test/harness.ts';
import { drawWinners } from './loyalty.contests.draw.ts';
import { apiCaller, enrolledMember, type Json, silverAndGoldClub, workspaceWithClub } from './loyalty.test-helpers.ts';

let t: TestApp;
let ws: TestWorkspace;
const call = apiCaller(() => ws);

const hour = 3_600_000;
const open = () => ({
  opensAt: new Date(Date.now() - hour).toISOString(),
  closesAt: new Date(Date.now() + 24 * hour).toISOString(),
});
const contest = (body: object, w = ws) =>
  call(
    'POST',
    '/api/v1/loyalty/contests',
    { name: 'הגרלת חנוכה', prize: 'סל מוצרים', kind: 'draw', winnersCount: 2, ...open(), ...body },
    201,
    w,
  );
const draw = (id: string, status: number, w = ws) =>
  call('POST', `/api/v1/loyalty/contests/${id}/draw`, undefined, status, w);
const enter = (id: string, body: object, status: number, w = ws) =>
  call('POST', `/api/v1/loyalty/contests/${id}/entries`, body, status, w);
const balance = async (customerId: string, w = ws) =>
  (await call('GET', `/api/v1/loyalty/members/${customerId}`, undefined, 200, w)).available as number;

/** A fresh workspace whose club has the members given, each with its opening points; their ids. */
async function clubWith(name: string, points: number[]) {
  const w = await workspaceWithClub(t, name, silverAndGoldClub(name));
  const ids: string[] = [];
  for (const p of points) ids.push(await enrolledMember(call, w, p));
  return { w, ids };
}

beforeAll(async () => {
  t = await getTestApp();
  ws = await workspaceWithClub(t, 'חנות התחרויות', silverAndGoldClub('מועדון התחרויות'));
});

describe('a draw among the eligible members', () => {
  it('freezes the eligible entrants and a seed, and verify re-runs it to the same winners', async () => {
    const { w, ids } = await clubWith('הגרלה', [200, 300, 150, 20, 0]);
    const c = await contest({ minAvailablePoints: 100 }, w);
    expect(c).toMatchObject({ kind: 'draw', status: 'open', result: null, minAvailablePoints: 100 });
    const drawn = await draw(c.id, 200, w);
    const eligible = ids.slice(0, 3).sort();
    expect(drawn.entrants).toEqual(eligible);
    expect(drawn.status).toBe('drawn');
    expect(drawn.result).toMatchObject({ procedure: 'hmac-sha256-rank-v1', entrantsCount: 3, decidedBy: 'owner' });
    expect(drawn.result.seed).toMatch(/^[0-9a-f]{64}$/);
    const winners = drawn.result.winners.map((x: Json) => x.customerId);
    expect(winners).toHaveLength(2);
    // Anyone holding the stored entrants and seed works the winners out again.
    expect(drawWinners(drawn.result.seed, drawn.entrants, 2)).toEqual(winners);

    const verified = await call('POST', `/api/v1/loyalty/contests/${c.id}/verify`, undefined, 200, w);
    expect(verified).toMatchObject({ matches: true, entrantsIntact: true, storedWinners: winners, entrantsCount: 3 });

    const again = await draw(c.id, 409, w);
    expect(again.code).toBe('LOYALTY.CONTEST_ALREADY_DRAWN');
    const read = await call('GET', `/api/v1/loyalty/contests/${c.id}`, undefined, 200, w);
    expect(read.result.seed).toBe(drawn.result.seed);
    expect(read.result.winners.map((x: Json) => x.customerId)).toEqual(winners);

    const audit = await call('GET', `/api/v1/audit?entityType=loyalty_contest&entityId=${c.id}`, undefined, 200, w);
    const entry = audit.items.find((a: Json) => a.action === 'loyalty.contest_drawn');
    expect(entry.after).toMatchObject({ seed: drawn.result.seed, entrants: eligible });
    expect(entry.actorName).toBeTruthy();
  });

  it('lets in only members of the tiers, points and joining date it names', async () => {
    const { w, ids } = await clubWith('תנאים', [500, 40]);
    const program = await call('GET', '/api/v1/loyalty/program', undefined, 200, w);
    const gold = program.tiers.find((x: Json) => x.rank === 2).id;
    const goldOnly = await contest({ tierIds: [gold] }, w);
    expect((await draw(goldOnly.id, 409, w)).code).toBe('LOYALTY.CONTEST_NO_ENTRANTS');
    const lifetime = await contest({ minLifetimePoints: 100, winnersCount: 5 }, w);
    expect((await draw(lifetime.id, 200, w)).entrants).toEqual([ids[0]]);
    const early = await contest({ joinedBefore: new Date(Date.now() - 24 * hour).toISOString() }, w);
    expect((await draw(early.id, 409, w)).code).toBe('LOYALTY.CONTEST_NO_ENTRANTS');
    const bad = await call(
      'POST',
      '/api/v1/loyalty/contests',
      { name: 'x', prize: 'y', kind: 'draw', winnersCount: 1, ...open(), tierIds: [crypto.randomUUID()] },
      400,
      w,
    );
    expect(bad.errors.map((e: Json) => e.field)).toEqual(['body.tierIds.0']);
    const dates = await call(
      'POST',
      '/api/v1/loyalty/contests',
      { name: 'x', prize: 'y', kind: 'draw', winnersCount: 1, opensAt: open().closesAt, closesAt: open().opensAt },
      400,
      w,
    );
    expect(dates.errors.map((e: Json) => e.field)).toContain('closesAt');
  });

  it('gives one result when two draws of one contest run at the same time', async () => {
    const { w } = await clubWith('במקביל', [10, 10, 10, 10]);
    const c = await contest({ winnersCount: 1 }, w);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => w.request({ method: 'POST', url: `/api/v1/loyalty/contests/${c.id}/draw` })),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((s) => s === 200)).toHaveLength(1);
    expect(codes.filter((s) => s === 409)).toHaveLength(7);
    const winner = answers.find((a) => a.statusCode === 200)!.json().result.winners;
    const read = await call('GET', `/api/v1/loyalty/contests/${c.id}`, undefined, 200, w);
    expect(read.result.winners).toEqual(winner);
    const audit = await call('GET', `/api/v1/audit?entityType=loyalty_contest&entityId=${c.id}`, undefined, 200, w);
    expect(audit.items.filter((a: Json) => a.action === 'loyalty.contest_drawn')).toHaveLength(1);
  });

  it('lets an analyst see contests and verify them, but not create or draw', async () => {
    const c = await contest({});
    await enrolledMember(call, ws, 5);
    const analyst = await ws.keyFor('analyst');
    const asAnalyst = (method: 'GET' | 'POST', url: string, body?: object) =>
      ws.request({ method, url, key: analyst, ...(body ? { payload: body } : {}) });
    expect((await asAnalyst('POST', `/api/v1/loyalty/contests/${c.id}/draw`)).statusCode).toBe(403);
    expect((await asAnalyst('POST', '/api/v1/loyalty/contests', { name: 'x' })).statusCode).toBe(403);
    expect((await asAnalyst('GET', '/api/v1/loyalty/contests')).statusCode).toBe(200);
    await draw(c.id, 200);
    expect((await asAnalyst('POST', `/api/v1/loyalty/contests/${c.id}/verify`)).json().matches).toBe(true);
  });

  it('does not draw a draft, and a free draw needs no entries', async () => {
    const c = await contest({ status: 'draft' });
    expect((await draw(c.id, 409)).code).toBe('LOYALTY.CONTEST_NOT_OPEN');
    const member = await enrolledMember(call, ws, 1);
    expect((await enter(c.id, { customerId: member }, 409)).code).toBe('LOYALTY.CONTEST_NOT_OPEN');
    const opened = await call('PATCH', `/api/v1/loyalty/contests/${c.id}`, { status: 'open' }, 200);
    expect(opened.status).toBe('open');
    expect((await enter(c.id, { customerId: member }, 409)).code).toBe('LOYALTY.CONTEST_WRONG_KIND');
    expect((await call('POST', `/api/v1/loyalty/contests/${c.id}/verify`, undefined, 409)).code).toBe(
      'LOYALTY.CONTEST_NOT_DRAWN',
    );
  });
});

describe('a draw that costs points to enter', () => {
  it('spends the cost through the ledger, refuses a member short of it, and draws among those who paid', async () => {
    const { w, ids } = await clubWith('כרטיסים', [60, 30, 500]);
    const [rich, poor, idle] = ids as [string, string, string];
    const c = await contest({ entryCostPoints: 50, winnersCount: 3 }, w);
    const entry = await enter(c.id, { customerId: rich }, 201, w);
    expect(entry).toMatchObject({ customerId: rich, pointsPaid: 50 });
    expect(await balance(rich, w)).toBe(10);
    expect((await enter(c.id, { customerId: rich }, 409, w)).code).toBe('LOYALTY.CONTEST_ALREADY_ENTERED');
    expect(await balance(rich, w)).toBe(10);
    expect((await enter(c.id, { customerId: poor }, 409, w)).code).toBe('LOYALTY.INSUFFICIENT_POINTS');
    expect(await balance(poor, w)).toBe(30);
    const ledger = await call('GET', `/api/v1/loyalty/members/${rich}/ledger`, undefined, 200, w);
    expect(ledger.items.some((l: Json) => l.kind === 'spend' && l.points === -50)).toBe(true);
    const drawn = await draw(c.id, 200, w);
    // The member with 500 points never entered: the draw is among those who paid.
    expect(drawn.entrants).toEqual([rich]);
    expect(drawn.entrants).not.toContain(idle);
    expect((await enter(c.id, { customerId: idle }, 409, w)).code).toBe('LOYALTY.CONTEST_ALREADY_DRAWN');
  });

  it('enters a member once and spends once when the same entry comes ten times at once', async () => {
    const { w, ids } = await clubWith('כניסות במקביל', [100]);
    const c = await contest({ entryCostPoints: 30 }, w);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        w.request({ method: 'POST', url: `/api/v1/loyalty/contests/${c.id}/entries`, payload: { customerId: ids[0] } }),
      ),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((s) => s === 201)).toHaveLength(1);
    expect(codes.filter((s) => s === 409)).toHaveLength(9);
    expect(await balance(ids[0]!, w)).toBe(70);
  });

  it('refuses an entry from a member outside the contest’s conditions, spending nothing', async () => {
    const { w, ids } = await clubWith('תנאי כניסה', [80]);
    const c = await contest({ entryCostPoints: 10, minLifetimePoints: 1000 }, w);
    expect((await enter(c.id, { customerId: ids[0] }, 422, w)).code).toBe('LOYALTY.CONTEST_NOT_ELIGIBLE');
    expect(await balance(ids[0]!, w)).toBe(80);
  });
});

describe('a skill contest', () => {
  it('takes answers, and staff judge the winners with a note each; no seed, no second judging', async () => {
    const { w, ids } = await clubWith('תחרות סלוגן', [0, 0, 0]);
    const c = await contest({ kind: 'skill', question: 'כתבו סלוגן למאפייה', winnersCount: 1 }, w);
    const missing = await enter(c.id, { customerId: ids[0] }, 400, w);
    expect(missing.errors.map((e: Json) => e.field)).toEqual(['body.answer']);
    await enter(c.id, { customerId: ids[0], answer: 'לחם של בית' }, 201, w);
    await enter(c.id, { customerId: ids[1], answer: 'טרי כל בוקר' }, 201, w);
    const entries = await call('GET', `/api/v1/loyalty/contests/${c.id}/entries`, undefined, 200, w);
    expect(entries.items.map((e: Json) => e.answer)).toEqual(['לחם של בית', 'טרי כל בוקר']);

    expect((await draw(c.id, 409, w)).code).toBe('LOYALTY.CONTEST_WRONG_KIND');
    const judge = (winners: object[], status: number) =>
      call('POST', `/api/v1/loyalty/contests/${c.id}/judge`, { winners }, status, w);
    const stranger = await judge([{ customerId: ids[2], note: 'לא השתתף' }], 400);
    expect(stranger.errors.map((e: Json) => e.field)).toEqual(['body.winners.0.customerId']);
    const tooMany = await judge(
      [
        { customerId: ids[0], note: 'א' },
        { customerId: ids[1], note: 'ב' },
      ],
      400,
    );
    expect(tooMany.code).toBe('LOYALTY.CONTEST_INVALID');
    const judged = await judge([{ customerId: ids[1], note: 'קצר, חם וזכיר' }], 200);
    expect(judged.result).toMatchObject({
      procedure: 'judged',
      seed: null,
      entrantsCount: 2,
      winners: [{ customerId: ids[1], rank: 1, note: 'קצר, חם וזכיר' }],
    });
    expect((await judge([{ customerId: ids[0], note: 'שוב' }], 409)).code).toBe('LOYALTY.CONTEST_ALREADY_DRAWN');
    expect((await call('POST', `/api/v1/loyalty/contests/${c.id}/verify`, undefined, 409, w)).code).toBe(
      'LOYALTY.CONTEST_WRONG_KIND',
    );
    const list = await call('GET', '/api/v1/loyalty/contests', undefined, 200, w);
    expect(list.items[0]).toMatchObject({ id: c.id, status: 'drawn', entriesCount: 2 });
  });

  it('keeps an erased entrant as an id, without the person’s answer or name', async () => {
    const { w, ids } = await clubWith('מחיקה', [0]);
    const c = await contest({ kind: 'skill', question: 'מה המאפה האהוב עליך?', winnersCount: 1 }, w);
    await enter(c.id, { customerId: ids[0], answer: 'בורקס של סבתא רחל' }, 201, w);
    await call('POST', `/api/v1/customers/${ids[0]}/erase`, undefined, 200, w);
    const entries = await call('GET', `/api/v1/loyalty/contests/${c.id}/entries`, undefined, 200, w);
    expect(entries.items).toHaveLength(1);
    expect(entries.items[0]).toMatchObject({ customerId: ids[0], answer: '' });
    expect(entries.items[0].name ?? '').not.toContain('חברה');
  });

  it('moves a merged member’s entry to the survivor, who then counts once', async () => {
    const { w, ids } = await clubWith('מיזוג', [100, 100]);
    const [survivor, merged] = ids as [string, string];
    const c = await contest({ entryCostPoints: 10, winnersCount: 2 }, w);
    await enter(c.id, { customerId: merged }, 201, w);
    await call('POST', `/api/v1/customers/${survivor}/merge`, { otherId: merged }, 200, w);
    const entries = await call('GET', `/api/v1/loyalty/contests/${c.id}/entries`, undefined, 200, w);
    expect(entries.items.map((e: Json) => e.customerId)).toEqual([survivor]);
    expect((await enter(c.id, { customerId: survivor }, 409, w)).code).toBe('LOYALTY.CONTEST_ALREADY_ENTERED');
    expect((await draw(c.id, 200, w)).entrants).toEqual([survivor]);
  });
});
