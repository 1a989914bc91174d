import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inWorkspace } from '../db/tenancy.ts';
import { seedDemoCampaigns } from '../modules/campaigns/campaigns.demo.ts';
import {
  type BulkOrderInput,
  insertOrdersBulk,
  newBulkOrderCache,
  refreshTotalsBulk,
} from '../modules/commerce/commerce.bulk.ts';
import type { OrderChannel } from '../modules/commerce/commerce.tables.ts';
import { type BulkCustomerInput, upsertCustomersBulk } from '../modules/customers/customers.bulk.ts';
import { addNote, createCustomer, normalisePhone, updateCustomer } from '../modules/customers/customers.service.ts';
import type { LifecycleStage } from '../modules/customers/customers.tables.ts';
import { findOrCreateBranch } from '../modules/locations/locations.service.ts';
import { seedDemoClub } from '../modules/loyalty/loyalty.demo.ts';
import { seedDemoSegments } from '../modules/segments/segments.demo.ts';
import { createWorkspace } from '../platform/auth.service.ts';
import type { Ctx } from '../platform/context.ts';
import type { Jobs } from '../platform/jobs.ts';
import {
  branches,
  type DemoProduct,
  emailDomains,
  femaleNames,
  lastNames,
  maleNames,
  type Name,
  notes,
  products,
  tags,
} from './demo-data.ts';

export type DemoResult = { workspaceId: string; ownerEmail: string; ownerPassword: string };

const CUSTOMERS = 2000;
const DAY = 86_400_000;

/** A small seeded PRNG (mulberry32): the same demo every time. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
  };
}
type Random = ReturnType<typeof prng>;

type Segment = 'lead' | 'one' | 'repeat' | 'loyal' | 'at_risk' | 'lost';

type DemoCustomer = {
  input: BulkCustomerInput;
  segment: Segment;
  branch: number;
  createdAt: Date;
  first: Name;
  last: Name;
  localPhone: string | null;
};

function pickSegment(r: Random): Segment {
  const x = r.next();
  if (x < 0.12) return 'lead';
  if (x < 0.32) return 'one';
  if (x < 0.67) return 'repeat';
  if (x < 0.82) return 'loyal';
  if (x < 0.9) return 'at_risk';
  return 'lost';
}

const stageOf: Record<Segment, LifecycleStage> = {
  lead: 'lead',
  one: 'customer',
  repeat: 'repeat',
  loyal: 'loyal',
  at_risk: 'at_risk',
  lost: 'lost',
};

/** How likely each kind of customer is to have joined the club. */
const keenness: Record<Segment, number> = { lead: 0.1, one: 0.35, repeat: 0.7, loyal: 0.95, at_risk: 0.7, lost: 0.5 };

/** About 2,000 people of the chain, with the mix of contacts and consents a real café club has. */
function makeCustomers(r: Random, today: number): DemoCustomer[] {
  const phones = new Set<string>();
  const customers: DemoCustomer[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const female = r.chance(0.56);
    const first = r.pick(female ? femaleNames : maleNames);
    const last = r.pick(lastNames);
    const branch = r.int(0, 2);
    const segment = pickSegment(r);
    const start = today - 3 * 365 * DAY;
    const createdAt = new Date(
      segment === 'lost'
        ? start + r.int(0, 300) * DAY
        : start + r.int(0, 3 * 365 - 30) * DAY + r.int(8, 19) * 3_600_000,
    );
    let localPhone: string | null = null;
    if (r.chance(0.95)) {
      do {
        localPhone = `05${r.pick(['0', '2', '3', '4', '8'])}${String(r.int(0, 9_999_999)).padStart(7, '0')}`;
      } while (phones.has(localPhone));
      phones.add(localPhone);
    }
    const latin = r.chance(0.3);
    const hasEmail = r.chance(0.7);
    const email = hasEmail
      ? `${first.latin.toLowerCase()}.${last.latin.toLowerCase().replace(/\s/g, '')}${r.int(1, 99)}${i}@${r.pick(emailDomains)}`
      : undefined;
    const input: BulkCustomerInput = {
      firstName: first.he,
      lastName: last.he,
      city: r.pick(branches[branch]!.cities),
      lifecycleStage: stageOf[segment],
      createdAt,
      consentAt: createdAt,
    };
    if (r.chance(0.8)) input.externalId = `CL-${10001 + i}`;
    if (latin) {
      input.firstNameLatin = first.latin;
      input.lastNameLatin = last.latin;
    }
    if (email) input.email = email;
    const phone = localPhone ? normalisePhone(localPhone) : null;
    if (phone) input.phone = phone;
    if (r.chance(0.55)) {
      input.birthday = `${r.int(1950, 2006)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
    }
    const consents: BulkCustomerInput['consents'] = {};
    if (email && r.chance(0.55)) consents.email = true;
    if (localPhone) {
      if (r.chance(0.45)) consents.sms = true;
      else if (r.chance(0.1)) consents.sms = false;
      if (r.chance(0.35)) consents.whatsapp = true;
    }
    if (Object.keys(consents).length) input.consents = consents;
    const customerTags: string[] = [];
    if (segment !== 'lead' && r.chance(0.5)) customerTags.push(tags[0]!);
    if (segment === 'loyal' && r.chance(0.4)) customerTags.push('VIP');
    for (const tag of tags.slice(2)) if (r.chance(0.04)) customerTags.push(tag);
    if (customerTags.length) input.tags = customerTags;
    customers.push({ input, segment, branch, createdAt, first, last, localPhone });
  }
  return customers;
}

function pickChannel(r: Random): OrderChannel {
  const x = r.next();
  if (x < 0.6) return 'store';
  if (x < 0.75) return 'app';
  if (x < 0.85) return 'web';
  if (x < 0.93) return 'phone';
  return 'whatsapp';
}

function basket(r: Random): { product: DemoProduct; quantity: number }[] {
  const coffee = products.filter((p) => p.category === 'coffee');
  const bakery = products.filter((p) => p.category === 'bakery');
  const kitchen = products.filter((p) => p.category === 'kitchen');
  const lines = new Map<string, { product: DemoProduct; quantity: number }>();
  const add = (product: DemoProduct, quantity: number) => {
    const line = lines.get(product.sku);
    if (line) line.quantity += quantity;
    else lines.set(product.sku, { product, quantity });
  };
  if (r.chance(0.8)) add(r.pick(coffee), r.chance(0.2) ? 2 : 1);
  if (r.chance(0.7)) add(r.pick(bakery), r.chance(0.25) ? r.int(2, 4) : 1);
  if (r.chance(0.25)) add(r.pick(kitchen), 1);
  if (r.chance(0.04)) add(r.pick(products.filter((p) => p.category === 'gift')), 1);
  if (lines.size === 0) add(r.pick(bakery), 1);
  return [...lines.values()];
}

/** Three years of purchases: loyal regulars weekly, the lost ones only early, the at-risk quiet lately. */
function makeOrders(r: Random, customers: DemoCustomer[], ids: string[], today: number): BulkOrderInput[] {
  const orders: BulkOrderInput[] = [];
  let serial = 100_000;
  customers.forEach((c, index) => {
    const count = {
      lead: 0,
      one: 1,
      repeat: r.int(2, 8),
      loyal: r.int(20, 60),
      at_risk: r.int(5, 15),
      lost: r.int(1, 6),
    }[c.segment];
    const from = c.createdAt.getTime();
    const until =
      c.segment === 'lost'
        ? Math.min(today - 400 * DAY, from + 540 * DAY)
        : c.segment === 'at_risk'
          ? today - 120 * DAY
          : today - DAY;
    if (until <= from) return;
    for (let n = 0; n < count; n++) {
      const channel = pickChannel(r);
      let day = from + Math.floor(r.next() * (until - from));
      // The shops close for Shabbat; the app and the website take orders anyway.
      if (channel === 'store' && new Date(day).getUTCDay() === 6) day -= DAY;
      const placedAt = new Date(Math.floor(day / DAY) * DAY + r.int(5, 18) * 3_600_000 + r.int(0, 59) * 60_000);
      const branch = r.chance(0.85) ? c.branch : r.int(0, 2);
      serial += 1;
      const prefix = channel === 'store' ? ['TLV', 'HFA', 'BSV'][branch]! : channel.toUpperCase();
      orders.push({
        externalId: `${prefix}-${serial}`,
        customerId: ids[index]!,
        placedAt,
        channel,
        branch: branches[branch]!.name,
        items: basket(r).map((l) => ({
          sku: l.product.sku,
          name: l.product.name,
          quantity: l.quantity,
          unitPrice: l.product.price,
        })),
      });
    }
  });
  return orders.sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime());
}

/**
 * Loads the demo business: "הקפה של נועה", a café-bakery chain with branches
 * in Tel Aviv, Haifa and Be'er Sheva, about 2,000 customers and three years
 * of orders, written with the same bulk functions the importer uses.
 */
export async function seedDemo(
  db: Kysely<DB>,
  options: {
    log: (line: string) => void;
    /** The server's jobs: the demo campaigns' messages are enqueued for the outbox; without them no campaign is sent. */
    jobs?: Pick<Jobs, 'send' | 'sendWithin'>;
    publicUrl?: string;
  },
): Promise<DemoResult> {
  const started = Date.now();
  const log = (line: string) => options.log(`[demo ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const ownerEmail = 'owner@demo.klient.co.il';
  const ownerPassword = 'klient-demo-1234';
  const { workspaceId, ownerId } = await createWorkspace(db, {
    name: 'הקפה של נועה',
    ownerName: 'נועה לוי',
    ownerEmail,
    ownerPassword,
  });
  const ctx: Ctx = { workspaceId, actor: { type: 'user', id: ownerId, role: 'owner', name: 'נועה לוי' } };
  const r = prng(20_261_124);
  const today = Math.floor(Date.now() / DAY) * DAY;

  const branchIds = await inWorkspace(db, workspaceId, async (trx) => {
    const ids: string[] = [];
    for (const branch of branches) ids.push(await findOrCreateBranch(trx, ctx, branch.name));
    return ids;
  });
  log(`workspace and ${branchIds.length} branches (${branches.map((b) => b.name).join(', ')})`);

  const customers = makeCustomers(r, today);
  for (const c of customers) c.input.homeBranchId = branchIds[c.branch]!;
  const ids: string[] = [];
  for (let i = 0; i < customers.length; i += 1000) {
    const slice = customers.slice(i, i + 1000);
    const outcomes = await inWorkspace(db, workspaceId, (trx) =>
      upsertCustomersBulk(
        trx,
        ctx,
        slice.map((c) => c.input),
        { source: 'demo' },
      ),
    );
    for (const outcome of outcomes) {
      if (outcome.status === 'error') throw new Error(`demo customer rejected: ${outcome.reason}`);
      ids.push(outcome.id);
    }
  }
  // Some asked to stop the newsletter later on: a revocation after the grant, as the history shows it.
  const revoked = customers
    .map((c, i) => ({ c, id: ids[i]! }))
    .filter(({ c }) => c.input.consents?.email && r.chance(0.06));
  await inWorkspace(db, workspaceId, (trx) =>
    upsertCustomersBulk(
      trx,
      ctx,
      revoked.map(({ c }) => ({
        ...(c.input.externalId ? { externalId: c.input.externalId } : {}),
        ...(c.input.email ? { email: c.input.email } : {}),
        consents: { email: false },
        consentAt: new Date(Math.min(today - DAY, c.createdAt.getTime() + r.int(30, 500) * DAY)),
      })),
      { source: 'unsubscribe-link' },
    ),
  );
  log(`${customers.length} customers, ${revoked.length} of them unsubscribed from email later`);

  const orders = makeOrders(r, customers, ids, today);
  const cache = newBulkOrderCache();
  let lines = 0;
  for (let i = 0; i < orders.length; i += 2000) {
    const slice = orders.slice(i, i + 2000);
    await inWorkspace(db, workspaceId, (trx) => insertOrdersBulk(trx, ctx, slice, cache));
    lines += slice.reduce((sum, o) => sum + o.items.length, 0);
    log(`orders ${Math.min(i + 2000, orders.length)}/${orders.length} (${lines} lines)`);
  }
  for (let i = 0; i < ids.length; i += 1000) {
    await inWorkspace(db, workspaceId, (trx) => refreshTotalsBulk(trx, ctx, ids.slice(i, i + 1000)));
  }
  log('customer totals and lifecycle stages');

  await inWorkspace(db, workspaceId, async (trx) => {
    // The same person twice, the phone written another way: the merge screen has something to show.
    const withPhone = customers.map((c, i) => ({ c, id: ids[i]! })).filter(({ c }) => c.localPhone);
    for (let n = 0; n < 6; n++) {
      const { c } = withPhone[n * 97 + 13]!;
      const phone = c.localPhone!;
      await createCustomer(
        trx,
        ctx,
        {
          firstName: n % 2 === 0 ? c.first.he : null,
          lastName: c.last.he,
          firstNameLatin: n % 2 === 0 ? null : c.first.latin,
          lastNameLatin: n % 2 === 0 ? null : c.last.latin,
          phone: n % 3 === 0 ? `+972-${phone.slice(1, 3)}-${phone.slice(3)}` : `${phone.slice(0, 3)}-${phone.slice(3)}`,
          source: 'קופה',
        },
        { allowDuplicate: true },
      );
    }
    const loyal = customers.map((c, i) => ({ c, id: ids[i]! })).filter(({ c }) => c.segment === 'loyal');
    for (const [n, body] of notes.entries()) await addNote(trx, ctx, loyal[n * 11]!.id, body);
    await updateCustomer(trx, ctx, loyal[5]!.id, {
      conductFlag: 'warning',
      conductNote: 'הרים את הקול על הבריסטה בסניף באר שבע כשההזמנה התעכבה. שוחחנו איתו, נרגע.',
    });
    await updateCustomer(trx, ctx, loyal[17]!.id, {
      conductFlag: 'restricted',
      conductNote: 'שתי הזמנות טלפוניות גדולות לא נאספו. הזמנות טלפון רק בתשלום מראש.',
    });
  });
  log('duplicates to merge, notes and conduct flags');

  const placed = await inWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('orders')
      .select(['id', 'customer_id', 'total', 'placed_at'])
      .where('workspace_id', '=', workspaceId)
      .execute(),
  );
  await seedDemoClub(
    db,
    ctx,
    {
      customers: customers.map((c, i) => ({ id: ids[i]!, createdAt: c.createdAt, keen: keenness[c.segment] })),
      orders: placed.map((o) => ({ orderId: o.id, customerId: o.customer_id, total: o.total, placedAt: o.placed_at })),
      today: new Date(today),
      random: r,
    },
    log,
  );
  const segments = await seedDemoSegments(db, ctx, new Date());
  log(`segments: ${segments.map((s) => s.count).join(', ')} customers`);
  if (options.jobs) {
    const reached = await seedDemoCampaigns(
      db,
      ctx,
      options.jobs,
      options.publicUrl ?? 'http://localhost:3000',
      { regulars: segments[0]!.id, lapsed: segments[1]!.id },
      new Date(),
    );
    log(`campaigns sent: ${reached.join(', ')} messages`);
  }
  log(`done: ${customers.length + 6} customers, ${orders.length} orders, ${lines} order lines`);
  return { workspaceId, ownerEmail, ownerPassword };
}
