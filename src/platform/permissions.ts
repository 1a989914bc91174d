import type { modules } from '../modules/index.ts';
import type { Ctx } from './context.ts';
import { AppError } from './errors.ts';
import type { PermissionsOf } from './module.ts';
import type { Role } from './platform.tables.ts';
import { declaredPermissions, roleGrants } from './registry.ts';

/** Every permission a module declares (its `permissions`, src/modules/index.ts). */
export type Permission = PermissionsOf<typeof modules>;

/** Whether the role holds the permission, as the module that declares it says. */
export function can(role: Role, permission: Permission): boolean {
  return roleGrants(role).has(permission);
}

/** What a role may do, for screens to show exactly that (a session's `permissions`). */
export function permissionsOf(role: Role): Permission[] {
  return allPermissions().filter((permission) => can(role, permission));
}

/** Every permission of every installed module. */
export function allPermissions(): readonly Permission[] {
  return declaredPermissions() as readonly Permission[];
}

export { roles } from './roles.ts';

/**
 * Services call this before they change anything: a role's limits hold on every
 * path to a change (route, import, job, API key, a later module's batch), not
 * only where a route's `access` names the permission.
 */
export function requirePermission(ctx: Ctx, permission: Permission): void {
  if (!can(ctx.actor.role, permission)) throw new AppError('AUTH.FORBIDDEN', { extra: { permission } });
}
