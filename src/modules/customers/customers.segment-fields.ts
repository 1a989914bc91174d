import { sql } from 'kysely';
import type { SegmentFieldSpec } from '../../platform/segment-fields.ts';
import { listBranches } from '../locations/locations.service.ts';

/*
 * What a segment may test of a customer's own record: the profile, tags,
 * lifecycle stage, home branch and consent per channel (the purchases are
 * commerce's fields).
 */

const stageLabels = {
  lead: ['ליד', 'Lead'],
  customer: ['לקוח', 'Customer'],
  repeat: ['לקוח חוזר', 'Repeat'],
  loyal: ['לקוח נאמן', 'Loyal'],
  at_risk: ['בסיכון', 'At risk'],
  lost: ['אבוד', 'Lost'],
} as const;
const channelLabels = {
  email: ['אימייל', 'Email'],
  sms: ['SMS', 'SMS'],
  whatsapp: ['וואטסאפ', 'WhatsApp'],
  phone: ['טלפון', 'Phone'],
} as const;
const optionsOf = (labels: Record<string, readonly [string, string]>) =>
  Object.entries(labels).map(([value, [he, en]]) => ({ value, he, en }));

const consent = (channel: keyof typeof channelLabels): SegmentFieldSpec => ({
  type: 'boolean',
  label: { he: `הסכמה לדיוור ב${channelLabels[channel][0]}`, en: `Marketing consent: ${channelLabels[channel][1]}` },
  value: () => sql<boolean>`(c.consents ->> ${channel})::boolean`,
});

export const customerSegmentFields = {
  'customer.first_name': {
    type: 'text',
    label: { he: 'שם פרטי', en: 'First name' },
    value: (eb) => eb.ref('c.first_name'),
  },
  'customer.last_name': {
    type: 'text',
    label: { he: 'שם משפחה', en: 'Last name' },
    value: (eb) => eb.ref('c.last_name'),
  },
  'customer.email': { type: 'text', label: { he: 'אימייל', en: 'Email' }, value: (eb) => eb.ref('c.email') },
  'customer.phone': { type: 'text', label: { he: 'טלפון', en: 'Phone' }, value: (eb) => eb.ref('c.phone') },
  'customer.city': {
    type: 'text',
    label: { he: 'עיר', en: 'City' },
    value: () => sql<string>`c.address ->> 'city'`,
  },
  'customer.birthday': {
    type: 'date',
    label: { he: 'תאריך לידה', en: 'Birthday' },
    without: ['in_last_days', 'not_in_last_days'],
    value: (eb) => eb.ref('c.birthday'),
  },
  'customer.birthday_month': {
    type: 'number',
    label: { he: 'חודש יום ההולדת (1–12)', en: 'Birthday month (1–12)' },
    value: () => sql<number>`extract(month from c.birthday)`,
  },
  'customer.created_at': {
    type: 'date',
    label: { he: 'הצטרף/ה למערכת', en: 'Added on' },
    without: ['is_set', 'is_not_set'],
    value: (eb) => eb.ref('c.created_at'),
  },
  'customer.source': { type: 'text', label: { he: 'מקור', en: 'Source' }, value: (eb) => eb.ref('c.source') },
  'customer.tags': { type: 'tags', label: { he: 'תגיות', en: 'Tags' }, value: (eb) => eb.ref('c.tags') },
  'customer.lifecycle_stage': {
    type: 'enum',
    label: { he: 'שלב במחזור החיים', en: 'Lifecycle stage' },
    without: ['is_set', 'is_not_set'],
    options: optionsOf(stageLabels),
    value: (eb) => eb.ref('c.lifecycle_stage'),
  },
  'customer.preferred_channel': {
    type: 'enum',
    label: { he: 'ערוץ מועדף', en: 'Preferred channel' },
    options: optionsOf(channelLabels),
    value: (eb) => eb.ref('c.preferred_channel'),
  },
  'customer.home_branch': {
    type: 'enum',
    label: { he: 'סניף הבית', en: 'Home branch' },
    loadOptions: async (trx, ctx) =>
      (await listBranches(trx, ctx)).map((b) => ({ value: b.id, he: b.name, en: b.name })),
    value: (eb) => eb.ref('c.home_branch_id'),
  },
  'consent.email': consent('email'),
  'consent.sms': consent('sms'),
  'consent.whatsapp': consent('whatsapp'),
  'consent.phone': consent('phone'),
} as const satisfies Record<string, SegmentFieldSpec>;
