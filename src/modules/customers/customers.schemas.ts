import { z } from 'zod';

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
