import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import type { Role } from './platform.tables.ts';

export type Permission =
  | 'customers.read'
  | 'customers.write'
  | 'customers.tag'
  | 'customers.consent'
  | 'customers.merge'
  | 'customers.erase'
  | 'customers.export'
  | 'imports.run'
  | 'commerce.read'
  | 'commerce.write'
  | 'users.manage'
  | 'apikeys.manage'
  | 'settings.manage'
  | 'audit.read';

const everything: Permission[] = [
  'customers.read',
  'customers.write',
  'customers.tag',
  'customers.consent',
  'customers.merge',
  'customers.erase',
  'customers.export',
  'imports.run',
  'commerce.read',
  'commerce.write',
  'users.manage',
  'apikeys.manage',
  'settings.manage',
  'audit.read',
];

// Shoppers are external mystery shoppers: they never see customer data.
const grants: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(everything),
  admin: new Set(everything),
  agent: new Set([
    'customers.read',
    'customers.write',
    'customers.tag',
    'customers.consent',
    'customers.merge',
    'commerce.read',
  ]),
  // Marketers tag customers (segments for campaigns) but do not edit their profile.
  marketer: new Set([
    'customers.read',
    'customers.tag',
    'customers.consent',
    'imports.run',
    'commerce.read',
    'customers.export',
  ]),
  analyst: new Set(['customers.read', 'commerce.read', 'audit.read']),
  shopper: new Set([]),
};

export function can(role: Role, permission: Permission): boolean {
  return grants[role].has(permission);
}

export const roles: readonly Role[] = ['owner', 'admin', 'agent', 'marketer', 'analyst', 'shopper'];

/**
 * Services call this before they change anything: a role's limits hold on every
 * path to a change (route, import, job, API key, a later module's batch), not
 * only where a route's `access` names the permission.
 */
export function requirePermission(ctx: Ctx, permission: Permission): void {
  if (!can(ctx.actor.role, permission)) throw new AppError('AUTH.FORBIDDEN', { extra: { permission } });
}
