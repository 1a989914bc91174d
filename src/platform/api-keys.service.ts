import { type Kysely, sql } from 'kysely';
import type { Notifications } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { Trx } from '../db/tenancy.ts';
import { recordAudit } from './audit.ts';
import type { Ctx } from './context.ts';
import { newId, randomToken, sha256 } from './crypto.ts';
import { AppError } from './errors.ts';
import { assertMayGrant, grantorOf, mayGrant } from './grants.ts';
import type { Role } from './platform.tables.ts';
import type { ResolvedAuth } from './sessions.ts';

// API keys for machines: shown once, stored as a hash, scoped to one workspace, revocable.
// A key acts on the authority of the user who made it: while that user is
// disabled, gone, or holds less than the key's role, the key does not work.
const API_KEY_PREFIX = 'kl_';

// API keys are looked up on every machine request; a short cache saves that
// round trip. Whatever can end a key (a revocation, its maker disabled or their
// role lowered) empties the cache of this process at once and, on PostgreSQL,
// of every other server as soon as it commits (a notification on
// API_KEY_CHANNEL). While that is not heard (PGlite has no one else to hear;
// a lost listener connection), another process may go on API_KEY_CACHE_MS.
const API_KEY_CACHE_MS = 10_000;
const API_KEY_CHANNEL = 'klient_api_keys';
const apiKeyCache = new Map<string, { auth: ResolvedAuth; until: number }>();
const apiKeyLookups = new Map<string, Promise<ResolvedAuth | null>>();
// Bumped by every change that can end a key: a lookup that was under way when
// it happened answers its own request but is not kept.
let generation = 0;
const watched = new WeakSet<Notifications>();

/** Forgets every cached key in this process. */
export function forgetApiKeys(): void {
  generation++;
  apiKeyCache.clear();
  apiKeyLookups.clear();
}

/** In the transaction of any change that can end a key: forgets the keys here, and everywhere once it commits. */
export async function apiKeysChanged(trx: Trx): Promise<void> {
  forgetApiKeys();
  await sql`select pg_notify(${API_KEY_CHANNEL}, '')`.execute(trx);
}

/** Hears other servers' key changes (and this one's own, at commit): called once by the app. */
export function watchApiKeyChanges(notifications: Notifications | undefined): void {
  if (!notifications || watched.has(notifications)) return;
  watched.add(notifications);
  notifications.hear(API_KEY_CHANNEL, forgetApiKeys, forgetApiKeys);
}

export async function resolveApiKey(db: Kysely<DB>, key: string): Promise<ResolvedAuth | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const keyHash = sha256(key);
  const cached = apiKeyCache.get(keyHash);
  if (cached && cached.until > Date.now()) return cached.auth;
  // When the entry runs out, the requests of that moment share one lookup instead of each making its own.
  let pending = apiKeyLookups.get(keyHash);
  if (!pending) {
    const lookup = lookUpApiKey(db, keyHash).finally(() => {
      if (apiKeyLookups.get(keyHash) === lookup) apiKeyLookups.delete(keyHash);
    });
    pending = lookup;
    apiKeyLookups.set(keyHash, pending);
  }
  return pending;
}

async function lookUpApiKey(db: Kysely<DB>, keyHash: string): Promise<ResolvedAuth | null> {
  const startedAt = generation;
  // FOR SHARE waits for a transaction that is revoking the key, or disabling
  // its maker, to commit, so the lookup reads what that transaction decided.
  const row = await db
    .selectFrom('api_keys')
    .select(['workspace_id', 'id', 'name', 'role', 'last_used_at', 'created_by'])
    .where('key_hash', '=', keyHash)
    .where('revoked_at', 'is', null)
    .forShare()
    .executeTakeFirst();
  const creator =
    row?.created_by != null
      ? await db
          .selectFrom('users')
          .select(['role', 'status'])
          .where('workspace_id', '=', row.workspace_id)
          .where('id', '=', row.created_by)
          .forShare()
          .executeTakeFirst()
      : undefined;
  if (!row || !keyHolds(row, creator)) {
    apiKeyCache.delete(keyHash);
    return null;
  }
  // Record use at most once a minute: a write per request would cost more than the request.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: new Date() })
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .execute();
  }
  const auth: ResolvedAuth = {
    ctx: { workspaceId: row.workspace_id, actor: { type: 'api_key', id: row.id, role: row.role, name: row.name } },
    csrfToken: null,
    sessionId: null,
    locale: null,
  };
  if (generation !== startedAt) return auth;
  if (apiKeyCache.size > 10_000) apiKeyCache.clear();
  apiKeyCache.set(keyHash, { auth, until: Date.now() + API_KEY_CACHE_MS });
  return auth;
}

/** A key made by a user holds while that user exists, is active, and may still grant the key's role. */
export function keyHolds(
  key: { role: Role; created_by: string | null },
  creator: { role: Role; status: 'active' | 'disabled' } | undefined,
): boolean {
  if (key.created_by === null) return true;
  return creator?.status === 'active' && mayGrant(creator.role, key.role);
}

export async function createApiKey(trx: Trx, ctx: Ctx, input: { name: string; role: Role }) {
  assertMayGrant(ctx, input.role);
  const createdBy = await grantorOf(trx, ctx);
  const secret = randomToken(32);
  const prefix = secret.slice(0, 8);
  const key = `${API_KEY_PREFIX}${secret}`;
  const id = newId();
  await trx
    .insertInto('api_keys')
    .values({
      workspace_id: ctx.workspaceId,
      id,
      name: input.name,
      prefix: `${API_KEY_PREFIX}${prefix}`,
      key_hash: sha256(key),
      role: input.role,
      created_by: createdBy,
    })
    .execute();
  await recordAudit(trx, ctx, {
    action: 'api_key.created',
    entityType: 'api_key',
    entityId: id,
    after: { name: input.name, role: input.role, prefix: `${API_KEY_PREFIX}${prefix}` },
  });
  return { id, name: input.name, role: input.role, prefix: `${API_KEY_PREFIX}${prefix}`, key };
}

export async function listApiKeys(trx: Trx, ctx: Ctx) {
  const rows = await trx
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'role', 'created_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: r.role,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeApiKey(trx: Trx, ctx: Ctx, id: string): Promise<void> {
  const revokedAt = new Date();
  const revoked = await trx
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(['name', 'role', 'prefix'])
    .executeTakeFirst();
  if (!revoked) throw new AppError('API_KEY.NOT_FOUND');
  await apiKeysChanged(trx);
  await recordAudit(trx, ctx, {
    action: 'api_key.revoked',
    entityType: 'api_key',
    entityId: id,
    before: { ...revoked, revokedAt: null },
    after: { ...revoked, revokedAt },
  });
}
