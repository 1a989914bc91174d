import { z } from 'zod';
import { instant } from '../../platform/replies.ts';
import { segmentOperators } from '../../platform/segment-fields.ts';
import { segmentRulesSchema } from './segments.rules.ts';

// Segments as the API takes and answers them.

export const segmentSchedules = ['manual', 'hourly', 'daily'] as const;

const name = z.string().trim().min(1).max(120);
const description = z.string().trim().max(1000).nullable();

export const previewSegmentBody = z.strictObject({ rules: segmentRulesSchema });

export const createSegmentBody = z.strictObject({
  name,
  description: description.optional(),
  rules: segmentRulesSchema,
  schedule: z.enum(segmentSchedules).default('daily'),
});
export type CreateSegmentBody = z.output<typeof createSegmentBody>;

export const updateSegmentBody = z.strictObject({
  name: name.optional(),
  description: description.optional(),
  rules: segmentRulesSchema.optional(),
  schedule: z.enum(segmentSchedules).optional(),
});
export type UpdateSegmentBody = z.output<typeof updateSegmentBody>;

export const segmentParams = z.strictObject({ id: z.uuid() });

export const segmentMembersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

/** A customer as a segment's preview and member list show one. */
export const segmentCustomerSchema = z.strictObject({
  id: z.uuid(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  lifecycleStage: z.string(),
});

export const segmentPreviewSchema = z.strictObject({
  count: z.number().int(),
  customers: z.array(segmentCustomerSchema),
});

export const segmentSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  rules: segmentRulesSchema,
  schedule: z.enum(segmentSchedules),
  customerCount: z.number().int(),
  refreshedAt: instant.nullable(),
  createdAt: instant,
  updatedAt: instant,
});

const label = z.strictObject({ he: z.string(), en: z.string() });
const allOperators = [...new Set(Object.values(segmentOperators).flat())] as [string, ...string[]];

/** What the rule builder offers: every field the modules declare, its operators and its values. */
export const segmentFieldsSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      key: z.string(),
      module: z.string(),
      type: z.enum(['text', 'number', 'date', 'enum', 'tags', 'boolean']),
      label,
      operators: z.array(z.enum(allOperators)),
      period: z.boolean(),
      options: z.array(z.strictObject({ value: z.string(), he: z.string(), en: z.string() })).nullable(),
    }),
  ),
});
