/*
 * A proof that t()'s keys are typed (i18next's CustomTypeOptions, ./i18next.d.ts): each line marked
 * @ts-expect-error must fail the typecheck, so `npm run typecheck` fails if the typing stops working.
 * Nothing imports this file: it is checked, never bundled.
 */
import type { TFunction } from 'i18next';
import type { NavEntry } from '../features/feature.ts';
import type { NamespacedKey } from './keys.ts';

declare const t: TFunction<readonly ['customers', 'shell']>;
declare const anyT: (key: NamespacedKey) => string;

t('customers.title');
t('shell:app.save');
t('customers.total', { count: 2 }); // the plural forms total_one … total_other, by their base key
anyT('customers:nav.customers');

// @ts-expect-error a key the English file lacks
t('customers.titel');
// @ts-expect-error another namespace's key without its namespace
t('app.save');
// @ts-expect-error a namespace the hook was not given
t('audit:audit.title');
// @ts-expect-error a label with a typo
anyT('customers:nav.customerz');

export const wrongLabel: NavEntry<NamespacedKey> = {
  to: '/customers',
  // @ts-expect-error a navigation label must be a key
  label: 'customers:nav.customerz',
  icon: 'users',
  permission: 'customers.read',
  testId: 'nav-customers',
};
