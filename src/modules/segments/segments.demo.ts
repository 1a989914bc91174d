import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import type { SegmentRules } from './segments.rules.ts';
import { createSegment } from './segments.service.ts';

/** The demo café's saved segments, each a question its owner would ask before a mailing. */
const demoSegments: { name: string; description: string; schedule: 'daily' | 'hourly'; rules: SegmentRules }[] = [
  {
    name: 'לקוחות קבועים שאפשר לכתוב להם',
    description: 'קנו לפחות 3 פעמים בחצי השנה האחרונה ונתנו הסכמה לדיוור באימייל או ב-SMS.',
    schedule: 'daily',
    rules: {
      match: 'all',
      rules: [
        { field: 'orders.count', op: 'gte', value: 3, withinDays: 180 },
        {
          match: 'any',
          rules: [
            { field: 'consent.email', op: 'is_true' },
            { field: 'consent.sms', op: 'is_true' },
          ],
        },
      ],
    },
  },
  {
    name: 'מתגעגעים: לא קנו 90 יום',
    description: 'קנו בעבר לפחות פעמיים, ולא חזרו כבר שלושה חודשים — לקמפיין החזרה.',
    schedule: 'daily',
    rules: {
      match: 'all',
      rules: [
        { field: 'orders.count', op: 'gte', value: 2 },
        { field: 'orders.days_since_last', op: 'gt', value: 90 },
      ],
    },
  },
  {
    name: 'VIP או חברי מועדון עם 500 נקודות',
    description: 'מי שמקבל הזמנה מוקדמת להשקת התפריט החדש.',
    schedule: 'hourly',
    rules: {
      match: 'any',
      rules: [
        { field: 'customer.tags', op: 'has_any', value: ['VIP'] },
        { field: 'loyalty.available', op: 'gte', value: 500 },
      ],
    },
  },
  {
    name: 'אוהבי הקפה של חיפה',
    description: 'קנו קפה בשנה האחרונה וסניף הבית שלהם בחיפה.',
    schedule: 'daily',
    rules: {
      match: 'all',
      rules: [
        { field: 'orders.bought_product', op: 'has_any', value: ['COF-ESP', 'COF-CAP', 'COF-HAF'], withinDays: 365 },
        { field: 'customer.city', op: 'eq', value: 'חיפה' },
      ],
    },
  },
];

/** Saves the demo's segments (their members worked out at once): each one's id and how many customers it holds. */
export async function seedDemoSegments(db: Kysely<DB>, ctx: Ctx, now: Date): Promise<{ id: string; count: number }[]> {
  const saved = [];
  for (const segment of demoSegments) {
    const made = await inWorkspace(db, ctx.workspaceId, (trx) => createSegment(trx, ctx, segment, now));
    saved.push({ id: made.id, count: made.customerCount });
  }
  return saved;
}
