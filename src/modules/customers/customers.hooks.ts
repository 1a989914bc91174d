import type { CustomerHooks } from '../../platform/module.ts';
import { installedCustomerHooks } from '../../platform/registry.ts';

export type { CustomerHooks, ErasedPerson } from '../../platform/module.ts';

/**
 * What other modules plug into a customer's life: a merge moves their rows
 * to the survivor, an export adds their part, an erasure scrubs it. Each
 * module declares its hooks in its module object (`customerHooks`).
 */
export function customerHooks(): readonly [string, CustomerHooks][] {
  return installedCustomerHooks();
}
