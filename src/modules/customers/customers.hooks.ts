import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';

/**
 * What other modules plug into a customer's life: a merge moves their rows
 * to the survivor, an export adds their part, an erasure scrubs it.
 * Commerce registers its orders here; loyalty, tickets and surveys will too.
 */
export type CustomerHooks = {
  merge?: (trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }) => Promise<void>;
  export?: (trx: Trx, ctx: Ctx, customerId: string) => Promise<Record<string, unknown>>;
  /** Runs before the customer's own record is blanked; `person` is how the person was known, to find copies. */
  erase?: (trx: Trx, ctx: Ctx, customerId: string, person: ErasedPerson) => Promise<void>;
};

/** The values that identified an erased person (profile and every identity), for scrubbing copies of them. */
export type ErasedPerson = { emails: string[]; phones: string[]; externalIds: string[] };

const hooks = new Map<string, CustomerHooks>();

export function registerCustomerHooks(module: string, moduleHooks: CustomerHooks): void {
  hooks.set(module, moduleHooks);
}

/** The hooks of every module, for merge, export and erase to call in turn. */
export function customerHooks(): [string, CustomerHooks][] {
  return [...hooks.entries()];
}
