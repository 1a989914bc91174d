import { type Expression, type SqlBool, sql } from 'kysely';
import {
  type CheckedRule,
  compareValue,
  customerIdsWhere,
  periodStart,
  type SegmentEb,
  type SegmentEnv,
  type SegmentFieldSpec,
} from '../../platform/segment-fields.ts';

/*
 * What a segment may test of a customer's purchases. All-time counts and
 * spend read the totals commerce keeps on the customer's record; over a
 * period (`withinDays`) and for what was bought, the ids of the customers
 * whose orders pass, read in one pass over the period's orders (a hashed
 * subquery, also under an OR), never one subquery per customer. Cancelled
 * orders never count; spend is net of refunds.
 */

const channels = {
  store: ['בחנות', 'In store'],
  web: ['באתר', 'Web store'],
  app: ['באפליקציה', 'App'],
  phone: ['בטלפון', 'Phone'],
  whatsapp: ['בוואטסאפ', 'WhatsApp'],
} as const;

/** The workspace's orders that count, in the rule's period (one pass over them, not one per customer). */
function periodOrders(eb: SegmentEb, rule: CheckedRule, env: SegmentEnv) {
  const since = periodStart(rule, env.now);
  return eb
    .selectFrom('orders as o')
    .where('o.workspace_id', '=', env.workspaceId)
    .where('o.status', '<>', 'cancelled')
    .$if(since !== null, (q) => q.where('o.placed_at', '>=', since as Date));
}

/** A count or sum of the period's orders compared per customer; a customer with none in it has 0. */
function perCustomer(eb: SegmentEb, rule: CheckedRule, env: SegmentEnv, aggregate: Expression<unknown>) {
  return customerIdsWhere(
    eb,
    rule,
    0,
    (test) => periodOrders(eb, rule, env).select('o.customer_id').groupBy('o.customer_id').having(test(aggregate)),
    'number',
    env,
  );
}

/** Whether the customer bought any, all or none of the rule's values (SKUs or categories) in its period. */
function bought(eb: SegmentEb, rule: CheckedRule, env: SegmentEnv, by: 'sku' | 'category'): Expression<SqlBool> {
  const wanted = rule.value as string[];
  const lines = periodOrders(eb, rule, env)
    .innerJoin('order_items as i', (j) =>
      j.onRef('i.workspace_id', '=', 'o.workspace_id').onRef('i.order_id', '=', 'o.id'),
    )
    .$if(by === 'category', (q) =>
      q.innerJoin('products as p', (j) =>
        j.onRef('p.workspace_id', '=', 'i.workspace_id').onRef('p.id', '=', 'i.product_id'),
      ),
    );
  const column = by === 'sku' ? sql.ref('i.sku') : sql.ref('p.category');
  const buyers = lines.where(sql<SqlBool>`${column} = any(${wanted}::text[])`).select('o.customer_id');
  if (rule.op === 'has_any') return sql<SqlBool>`c.id in (${buyers})`;
  if (rule.op === 'has_none') return sql<SqlBool>`c.id not in (${buyers})`;
  // has_all: as many distinct of them bought as were asked for.
  const all = buyers.groupBy('o.customer_id').having(sql<SqlBool>`count(distinct ${column}) = ${new Set(wanted).size}`);
  return sql<SqlBool>`c.id in (${all})`;
}

export const commerceSegmentFields = {
  'orders.count': {
    type: 'number',
    label: { he: 'מספר הזמנות', en: 'Number of orders' },
    without: ['is_set', 'is_not_set'],
    period: true,
    where: (eb, rule, env) =>
      rule.withinDays
        ? perCustomer(eb, rule, env, sql`count(*)`)
        : compareValue(eb, eb.ref('c.orders_count'), 'number', rule, env.now),
  },
  'orders.spend': {
    type: 'number',
    label: { he: 'סך הקניות (₪)', en: 'Spend (₪)' },
    without: ['is_set', 'is_not_set'],
    period: true,
    where: (eb, rule, env) =>
      rule.withinDays
        ? perCustomer(eb, rule, env, sql`sum(o.total - o.refunded_total)`)
        : compareValue(eb, eb.ref('c.total_spent'), 'number', rule, env.now),
  },
  'orders.first_order_at': {
    type: 'date',
    label: { he: 'הזמנה ראשונה', en: 'First order' },
    value: (eb) => eb.ref('c.first_order_at'),
  },
  'orders.last_order_at': {
    type: 'date',
    label: { he: 'הזמנה אחרונה', en: 'Last order' },
    value: (eb) => eb.ref('c.last_order_at'),
  },
  'orders.days_since_last': {
    type: 'number',
    label: { he: 'ימים מאז הקנייה האחרונה', en: 'Days since the last purchase' },
    where: (eb, rule, { now }) =>
      compareValue(
        eb,
        sql<number>`floor(extract(epoch from (${now}::timestamptz - c.last_order_at)) / 86400)`,
        'number',
        rule,
        now,
      ),
  },
  'orders.bought_product': {
    type: 'tags',
    label: { he: 'קנה/תה מוצר (מק״ט)', en: 'Bought product (SKU)' },
    period: true,
    where: (eb, rule, env) => bought(eb, rule, env, 'sku'),
  },
  'orders.bought_category': {
    type: 'tags',
    label: { he: 'קנה/תה מקטגוריה', en: 'Bought from category' },
    period: true,
    where: (eb, rule, env) => bought(eb, rule, env, 'category'),
  },
  'orders.channel': {
    type: 'enum',
    label: { he: 'קנה/תה בערוץ', en: 'Bought through channel' },
    without: ['is_set', 'is_not_set'],
    period: true,
    options: Object.entries(channels).map(([value, [he, en]]) => ({ value, he, en })),
    where: (eb, rule, env) => {
      const through = periodOrders(eb, rule, env)
        .where(sql<SqlBool>`o.channel = any(${rule.value as string[]}::text[])`)
        .select('o.customer_id');
      return rule.op === 'in' ? sql<SqlBool>`c.id in (${through})` : sql<SqlBool>`c.id not in (${through})`;
    },
  },
} as const satisfies Record<string, SegmentFieldSpec>;
