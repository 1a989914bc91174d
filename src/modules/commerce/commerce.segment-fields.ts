import { type Expression, type SqlBool, sql } from 'kysely';
import {
  type CheckedRule,
  compareValue,
  periodStart,
  type SegmentEb,
  type SegmentFieldSpec,
} from '../../platform/segment-fields.ts';

/*
 * What a segment may test of a customer's purchases. All-time counts and
 * spend read the totals commerce keeps on the customer's record; over a
 * period (`withinDays`) and for what was bought, a subquery over the
 * customer's orders (orders_customer_idx: workspace, customer, date).
 * Cancelled orders never count; spend is net of refunds.
 */

const channels = {
  store: ['בחנות', 'In store'],
  web: ['באתר', 'Web store'],
  app: ['באפליקציה', 'App'],
  phone: ['בטלפון', 'Phone'],
  whatsapp: ['בוואטסאפ', 'WhatsApp'],
} as const;

/** The customer's orders that count, in the rule's period. */
function ordersOf(eb: SegmentEb, rule: CheckedRule, now: Date) {
  const since = periodStart(rule, now);
  return eb
    .selectFrom('orders as o')
    .whereRef('o.workspace_id', '=', 'c.workspace_id')
    .whereRef('o.customer_id', '=', 'c.id')
    .where('o.status', '<>', 'cancelled')
    .$if(since !== null, (q) => q.where('o.placed_at', '>=', since as Date));
}

/** Whether the customer bought any, all or none of the rule's values (SKUs or categories) in its period. */
function bought(eb: SegmentEb, rule: CheckedRule, now: Date, by: 'sku' | 'category'): Expression<SqlBool> {
  const wanted = rule.value as string[];
  const lines = ordersOf(eb, rule, now)
    .innerJoin('order_items as i', (j) =>
      j.onRef('i.workspace_id', '=', 'o.workspace_id').onRef('i.order_id', '=', 'o.id'),
    )
    .$if(by === 'category', (q) =>
      q.innerJoin('products as p', (j) =>
        j.onRef('p.workspace_id', '=', 'i.workspace_id').onRef('p.id', '=', 'i.product_id'),
      ),
    );
  const column = by === 'sku' ? sql.ref('i.sku') : sql.ref('p.category');
  const matching = lines.where(sql<SqlBool>`${column} = any(${wanted}::text[])`);
  if (rule.op === 'has_any') return eb.exists(matching.select(sql.lit(1).as('one')));
  if (rule.op === 'has_none') return eb.not(eb.exists(matching.select(sql.lit(1).as('one'))));
  // has_all: as many distinct of them bought as were asked for.
  const distinct = matching.select(sql<number>`count(distinct ${column})`.as('n'));
  return sql<SqlBool>`(${distinct}) = ${new Set(wanted).size}`;
}

export const commerceSegmentFields = {
  'orders.count': {
    type: 'number',
    label: { he: 'מספר הזמנות', en: 'Number of orders' },
    without: ['is_set', 'is_not_set'],
    period: true,
    value: (eb, rule, now) =>
      rule.withinDays
        ? ordersOf(eb, rule, now).select((e) => e.fn.countAll<number>().as('n'))
        : eb.ref('c.orders_count'),
  },
  'orders.spend': {
    type: 'number',
    label: { he: 'סך הקניות (₪)', en: 'Spend (₪)' },
    without: ['is_set', 'is_not_set'],
    period: true,
    value: (eb, rule, now) =>
      rule.withinDays
        ? ordersOf(eb, rule, now).select(sql<string>`coalesce(sum(o.total - o.refunded_total), 0)`.as('spend'))
        : eb.ref('c.total_spent'),
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
    where: (eb, rule, now) =>
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
    where: (eb, rule, now) => bought(eb, rule, now, 'sku'),
  },
  'orders.bought_category': {
    type: 'tags',
    label: { he: 'קנה/תה מקטגוריה', en: 'Bought from category' },
    period: true,
    where: (eb, rule, now) => bought(eb, rule, now, 'category'),
  },
  'orders.channel': {
    type: 'enum',
    label: { he: 'קנה/תה בערוץ', en: 'Bought through channel' },
    without: ['is_set', 'is_not_set'],
    period: true,
    options: Object.entries(channels).map(([value, [he, en]]) => ({ value, he, en })),
    where: (eb, rule, now) => {
      const through = ordersOf(eb, rule, now)
        .where(sql<SqlBool>`o.channel = any(${rule.value as string[]}::text[])`)
        .select(sql.lit(1).as('one'));
      return rule.op === 'in' ? eb.exists(through) : eb.not(eb.exists(through));
    },
  },
} as const satisfies Record<string, SegmentFieldSpec>;
