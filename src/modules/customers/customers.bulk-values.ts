/** One bulk input against a stored customer: the values it leaves, and whether any changed. */
import { dateOnly } from './customers.repository.ts';
import type { ConductFlag, ConsentChannel, CustomerRow, LifecycleStage } from './customers.tables.ts';

/**
 * One customer to create or update. Values must already be normalised
 * (normaliseEmail, normalisePhone, trimmed text); an absent field leaves the
 * stored value as it is.
 */
export type BulkCustomerInput = {
  externalId?: string;
  firstName?: string;
  lastName?: string;
  firstNameLatin?: string;
  lastNameLatin?: string;
  email?: string;
  phone?: string;
  /** YYYY-MM-DD */
  birthday?: string;
  street?: string;
  city?: string;
  zip?: string;
  /** Added as a note on the customer unless the customer already has a note with this text. */
  note?: string;
  /** Only update: a row that names no match is an error (`customer.unknown_id`), never an empty new customer. */
  mustExist?: boolean;
  /** Added to the customer's tags; tags are never removed by an import. */
  tags?: string[];
  lifecycleStage?: LifecycleStage;
  /** Each given channel appends a consent event when it differs from the current consent. */
  consents?: Partial<Record<ConsentChannel, boolean>>;
  homeBranchId?: string;
  preferredChannel?: ConsentChannel;
  conductFlag?: ConductFlag;
  conductNote?: string;
  attributes?: Record<string, string | number | boolean | null>;
  /** Only for new customers (the demo's history); defaults to now. */
  createdAt?: Date;
  /** When the consents were given; defaults to now. */
  consentAt?: Date;
};

export const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The stored values after applying the input's given fields. */
export function applyInput(row: CustomerRow, input: BulkCustomerInput) {
  const address = (row.address ?? null) as Record<string, unknown> | null;
  const tags = input.tags ? [...new Set([...row.tags, ...input.tags])] : row.tags;
  const consents = { ...row.consents, ...(input.consents ?? {}) };
  return {
    external_id: input.externalId ?? row.external_id,
    first_name: input.firstName ?? row.first_name,
    last_name: input.lastName ?? row.last_name,
    first_name_latin: input.firstNameLatin ?? row.first_name_latin,
    last_name_latin: input.lastNameLatin ?? row.last_name_latin,
    email: input.email ?? row.email,
    phone: input.phone ?? row.phone,
    birthday: input.birthday ?? dateOnly(row.birthday),
    address: nextAddress(address, input),
    tags,
    lifecycle_stage: input.lifecycleStage ?? row.lifecycle_stage,
    consents,
    home_branch_id: input.homeBranchId ?? row.home_branch_id,
    preferred_channel: input.preferredChannel ?? row.preferred_channel,
    conduct_flag: input.conductFlag ?? row.conduct_flag,
    conduct_note: input.conductNote ?? row.conduct_note,
    attributes: input.attributes ? { ...row.attributes, ...input.attributes } : row.attributes,
  };
}

/** The stored address with the input's street, city and zip; the same object when none of them changes. */
function nextAddress(address: Record<string, unknown> | null, input: BulkCustomerInput) {
  const given = { street: input.street, city: input.city, zip: input.zip };
  const changes = Object.entries(given).filter(([key, value]) => value !== undefined && address?.[key] !== value);
  return changes.length ? { ...(address ?? {}), ...Object.fromEntries(changes) } : address;
}

export function addressOf(input: BulkCustomerInput) {
  const address = { street: input.street, city: input.city, zip: input.zip };
  const given = Object.entries(address).filter(([, value]) => value !== undefined);
  return given.length ? Object.fromEntries(given) : null;
}

export function isChanged(row: CustomerRow, next: ReturnType<typeof applyInput>): boolean {
  return (
    next.external_id !== row.external_id ||
    next.first_name !== row.first_name ||
    next.last_name !== row.last_name ||
    next.first_name_latin !== row.first_name_latin ||
    next.last_name_latin !== row.last_name_latin ||
    next.email !== row.email ||
    next.phone !== row.phone ||
    next.birthday !== dateOnly(row.birthday) ||
    next.address !== row.address ||
    !sameList(next.tags, row.tags) ||
    next.lifecycle_stage !== row.lifecycle_stage ||
    next.home_branch_id !== row.home_branch_id ||
    next.preferred_channel !== row.preferred_channel ||
    next.conduct_flag !== row.conduct_flag ||
    next.conduct_note !== row.conduct_note ||
    JSON.stringify(next.attributes) !== JSON.stringify(row.attributes)
  );
}
