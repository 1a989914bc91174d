import type { Locale } from './messages.ts';
import type { Role } from './platform.tables.ts';

export type Actor = { type: 'user' | 'api_key' | 'system'; id: string | null; role: Role; name: string };

/** Who is acting, in which workspace: the first thing every service receives after the transaction. */
export type Ctx = { workspaceId: string; actor: Actor; ip?: string | undefined; locale?: Locale };

export function systemCtx(workspaceId: string): Ctx {
  return { workspaceId, actor: { type: 'system', id: null, role: 'owner', name: 'system' } };
}
