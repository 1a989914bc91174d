import { z } from 'zod';
import { checked, instant, money, pageOf } from '../../platform/replies.ts';

export const consentChannels = ['email', 'sms', 'whatsapp', 'phone'] as const;
export const lifecycleStages = ['lead', 'customer', 'repeat', 'loyal', 'at_risk', 'lost'] as const;
export const conductFlags = ['warning', 'restricted', 'banned'] as const;

const name = z.string().trim().max(100);
/** A birthday: a real calendar date from 1900 up to today (a day ahead of UTC, for Israel's evening). */
const birthday = z.iso
  .date()
  .refine((v) => v >= '1900-01-01' && v <= new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), {
    message: 'klient:birthday.out_of_range',
  });
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

export const addressSchema = z
  .object({
    street: z.string().trim().max(200).nullable().optional(),
    city: z.string().trim().max(100).nullable().optional(),
    zip: z.string().trim().max(20).nullable().optional(),
  })
  .strict();

const profileFields = {
  externalId: optionalText(100),
  firstName: name.nullable().optional(),
  lastName: name.nullable().optional(),
  firstNameLatin: name.nullable().optional(),
  lastNameLatin: name.nullable().optional(),
  // Validated and normalised by the service, which names the field it rejects.
  email: z.string().trim().max(254).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  birthday: birthday.nullable().optional(),
  address: addressSchema.nullable().optional(),
  attributes: z
    .record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
    .optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  lifecycleStage: z.enum(lifecycleStages).optional(),
  preferredChannel: z.enum(consentChannels).nullable().optional(),
  conductFlag: z.enum(conductFlags).nullable().optional(),
  conductNote: optionalText(2000),
  homeBranchId: z.uuid().nullable().optional(),
  source: optionalText(100),
};

export const createCustomerBody = z
  .object({
    ...profileFields,
    consents: z
      .array(
        z
          .object({
            channel: z.enum(consentChannels),
            status: z.enum(['granted', 'revoked']),
            source: z.string().trim().min(1).max(100),
            textShown: z.string().max(2000).nullable().optional(),
          })
          .strict(),
      )
      .max(8)
      .optional(),
  })
  .strict();
export type CreateCustomerBody = z.infer<typeof createCustomerBody>;

export const updateCustomerBody = z.object(profileFields).strict();
export type UpdateCustomerBody = z.infer<typeof updateCustomerBody>;

export const customerSorts = [
  '-createdAt',
  'createdAt',
  'name',
  '-name',
  '-totalSpent',
  'totalSpent',
  '-lastOrderAt',
  'lastOrderAt',
] as const;
export type CustomerSort = (typeof customerSorts)[number];

export const listCustomersQuery = z
  .object({
    q: z.string().max(100).optional(),
    tag: z.string().max(50).optional(),
    stage: z.enum(lifecycleStages).optional(),
    consent: z.enum(consentChannels).optional(),
    branch: z.uuid().optional(),
    sort: z.enum(customerSorts).default('-createdAt'),
    limit: z.coerce.number().int().min(1).max(200).default(25),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export type ListCustomersQuery = z.infer<typeof listCustomersQuery>;

export const consentBody = z
  .object({
    channel: z.enum(consentChannels),
    status: z.enum(['granted', 'revoked']),
    source: z.string().trim().min(1).max(100),
    textShown: z.string().max(2000).nullable().optional(),
  })
  .strict();
export type ConsentBody = z.infer<typeof consentBody>;

export const tagsBody = z.object({ tags: z.array(z.string().trim().min(1).max(50)).max(50) }).strict();
export const noteBody = z.object({ body: z.string().trim().min(1).max(10_000) }).strict();
export const mergeBody = z.object({ otherId: z.uuid() }).strict();
export const customerIdParams = z.object({ id: z.uuid() }).strict();

// Replies. Objects kept as jsonb (addresses, consents, attributes) list their
// keys in jsonb's own order (shorter keys first), the order they are read in.

export const customerStatuses = ['active', 'merged', 'archived', 'erased'] as const;

export const customerAddressSchema = z.strictObject({
  zip: z.string().nullable().optional(),
  city: z.string().nullable().optional(),
  street: z.string().nullable().optional(),
});

/** Which channels the customer may be reached on, from the latest consent of each. */
export const consentsSchema = z.partialRecord(z.enum(consentChannels), z.boolean());

export const customerSchema = z.strictObject({
  id: z.uuid(),
  externalId: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  firstNameLatin: z.string().nullable(),
  lastNameLatin: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  birthday: z.iso.date().nullable(),
  address: checked(customerAddressSchema.nullable()),
  attributes: checked(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  tags: z.array(z.string()),
  lifecycleStage: z.enum(lifecycleStages),
  preferredChannel: z.enum(consentChannels).nullable(),
  consents: consentsSchema,
  conductFlag: z.enum(conductFlags).nullable(),
  conductNote: z.string().nullable(),
  homeBranchId: z.uuid().nullable(),
  source: z.string().nullable(),
  status: z.enum(customerStatuses),
  /** The customer this one was merged into (status merged). */
  mergedInto: z.uuid().nullable(),
  createdAt: instant,
  updatedAt: instant,
  totals: z.strictObject({
    ordersCount: z.number().int(),
    totalSpent: money,
    firstOrderAt: instant.nullable(),
    lastOrderAt: instant.nullable(),
  }),
});

export const customerPageSchema = z.strictObject({
  ...pageOf(customerSchema).shape,
  total: z.number().int(),
  /** False when the count stopped at its cap (a broad search of a large workspace). */
  totalExact: z.boolean(),
});

export const timelineEventSchema = z.strictObject({
  id: z.uuid(),
  type: z.string(),
  occurredAt: instant,
  refId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export const timelinePageSchema = pageOf(timelineEventSchema);

export const identitySchema = z.strictObject({
  id: z.uuid(),
  kind: z.enum(['email', 'phone', 'external_id', 'device']),
  value: z.string(),
  source: z.string().nullable(),
  createdAt: instant,
});

export const consentEventSchema = z.strictObject({
  id: z.uuid(),
  channel: z.enum(consentChannels),
  status: z.enum(['granted', 'revoked']),
  source: z.string(),
  textShown: z.string().nullable(),
  recordedBy: z.string().nullable(),
  occurredAt: instant,
});

/** The customer page: profile, identities, consent history and the latest 20 timeline events. */
export const customer360Schema = z.strictObject({
  ...customerSchema.shape,
  identities: z.array(identitySchema),
  consentHistory: z.array(consentEventSchema),
  timeline: timelinePageSchema,
});
export type Customer360 = z.output<typeof customer360Schema>;

export const consentChangeSchema = z.strictObject({ id: z.uuid(), consents: consentsSchema });

export const noteSchema = z.strictObject({
  id: z.uuid(),
  body: z.string(),
  authorId: z.uuid().nullable(),
  authorName: z.string().nullable(),
  createdAt: instant,
});

export const erasureSchema = z.strictObject({ erasedAt: instant });

export const tagCountSchema = z.strictObject({ tag: z.string(), count: z.number().int() });

/**
 * A customer's data as a file (the right of access): what Klient holds about
 * them, and each module's own part under the module's name.
 */
export const customerExportSchema = z.looseObject({
  exportedAt: instant,
  customer: customerSchema,
  identities: z.array(identitySchema.omit({ id: true })),
  consentHistory: z.array(consentEventSchema),
  notes: z.array(noteSchema.omit({ authorName: true })),
  timeline: z.array(timelineEventSchema),
  mergedRecords: z.array(
    z.strictObject({ mergedId: z.uuid(), snapshot: checked(z.record(z.string(), z.unknown())), at: instant }),
  ),
});
