import type { FlatNamespace, ParseKeys } from 'i18next';

/** A translation key with its namespace, of any namespace: 'customers:nav.customers', 'shell:app.save'. */
export type NamespacedKey = { [N in FlatNamespace]: `${N}:${ParseKeys<N>}` }[FlatNamespace];

/**
 * Whether a value from the data (an audit action, an event's channel) has its own words in `group`, a group of
 * an English file (`auditEn.audit.actions`); then `audit.actions.${value}` is a key t() takes. The English file
 * lists every key (the Hebrew one is typed against it), so a value it lacks is shown as it is.
 */
export function isKeyOf<T extends object>(group: T, value: string): value is Extract<keyof T, string> {
  return Object.hasOwn(group, value);
}
