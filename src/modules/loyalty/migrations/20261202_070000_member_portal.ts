import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * The member portal and the public join page. Each club gets a public key, the
 * part of its public addresses (/club/<key>/join, /club/<key>) that names it
 * without naming the workspace: 32 random bytes (two version-4 UUIDs, 244
 * random bits), URL-safe base64, unique across workspaces; every club that
 * exists gets one now, and a new club gets one from the column's default.
 *
 * A member signs in with a one-time code sent to their email or phone: the
 * code is kept only as a hash, lives ten minutes and takes five wrong tries.
 * A signed-in member holds a session whose token is kept only as its hash.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table loyalty_programs add column public_key text not null
    default translate(rtrim(encode(decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '='), '+/', '-_')`.execute(
    db,
  );
  await sql`create unique index loyalty_programs_public_key on loyalty_programs (public_key)`.execute(db);

  // A code is kept for every address asked for, member or not, with a code nobody was sent for a non-member:
  // the reply, the tries and the limits are the same either way, so the page tells nobody who is a member.
  // The address itself is kept only as its hash (no personal data here for an erasure to find).
  await sql`
    create table loyalty_portal_codes (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      channel text not null check (channel in ('email', 'sms')),
      address_hash text not null,
      -- The member the code signs in; null for an address of nobody in the club.
      customer_id uuid,
      code_hash text not null,
      attempts int not null default 0 check (attempts >= 0),
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id)
    )`.execute(db);
  await sql`create index loyalty_portal_codes_address_idx on loyalty_portal_codes (workspace_id, address_hash, created_at desc)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_portal_codes');

  await sql`
    create table loyalty_portal_sessions (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      token_hash text not null,
      expires_at timestamptz not null,
      ended_at timestamptz,
      created_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, token_hash),
      foreign key (workspace_id, customer_id) references customers (workspace_id, id)
    )`.execute(db);
  await sql`create index loyalty_portal_sessions_customer_idx on loyalty_portal_sessions (workspace_id, customer_id)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'loyalty_portal_sessions');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table loyalty_portal_sessions`.execute(db);
  await sql`drop table loyalty_portal_codes`.execute(db);
  await sql`drop index loyalty_programs_public_key`.execute(db);
  await sql`alter table loyalty_programs drop column public_key`.execute(db);
}
