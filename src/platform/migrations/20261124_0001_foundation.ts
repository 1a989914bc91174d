import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../db/tenancy.ts';

/**
 * The foundation schema. Every tenant table has workspace_id as the first
 * column of its primary key and of each foreign key (Citus-ready), and
 * row-level security keyed on the `klient.workspace_id` setting, which
 * `inWorkspace` sets for each transaction it opens as the `klient_app` role.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'klient_app') then
        create role klient_app nologin;
      end if;
    end $$`.execute(db);
  await sql`grant klient_app to current_user`.execute(db);

  await sql`
    create table workspaces (
      id uuid primary key,
      name text not null,
      locale text not null default 'he',
      currency text not null default 'ILS',
      time_zone text not null default 'Asia/Jerusalem',
      work_week smallint[] not null default '{0,1,2,3,4}',
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table users (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      email text not null,
      name text not null,
      password_hash text,
      role text not null check (role in ('owner','admin','agent','marketer','analyst','shopper')),
      status text not null default 'active' check (status in ('active','disabled')),
      locale text,
      failed_logins int not null default 0,
      locked_until timestamptz,
      last_login_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, email)
    )`.execute(db);
  await sql`create index users_email_idx on users (email)`.execute(db);

  await sql`
    create table invitations (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      email text not null,
      role text not null,
      token_hash text not null unique,
      invited_by uuid not null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, invited_by) references users(workspace_id, id)
    )`.execute(db);

  await sql`
    create table sessions (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      user_id uuid not null,
      token_hash text not null unique,
      csrf_token text not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, user_id) references users(workspace_id, id) on delete cascade
    )`.execute(db);

  await sql`
    create table api_keys (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null,
      prefix text not null,
      key_hash text not null unique,
      role text not null,
      created_by uuid,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz,
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table audit_log (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      actor_type text not null,
      actor_id uuid,
      action text not null,
      entity_type text not null,
      entity_id uuid,
      before jsonb,
      after jsonb,
      ip text,
      at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index audit_log_entity_idx on audit_log (workspace_id, entity_type, entity_id, at desc)`.execute(db);

  await sql`
    create table branches (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      code text not null,
      name text not null,
      city text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, code)
    )`.execute(db);

  await sql`
    create table customers (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      external_id text,
      first_name text,
      last_name text,
      first_name_latin text,
      last_name_latin text,
      email text,
      phone text,
      birthday date,
      address jsonb,
      attributes jsonb not null default '{}',
      tags text[] not null default '{}',
      lifecycle_stage text not null default 'lead'
        check (lifecycle_stage in ('lead','customer','repeat','loyal','at_risk','lost')),
      preferred_channel text check (preferred_channel in ('email','sms','whatsapp','phone')),
      consents jsonb not null default '{}',
      conduct_flag text check (conduct_flag in ('warning','restricted','banned')),
      conduct_note text,
      home_branch_id uuid,
      source text,
      search_text text not null default '',
      orders_count int not null default 0,
      total_spent numeric(14,2) not null default 0,
      first_order_at timestamptz,
      last_order_at timestamptz,
      status text not null default 'active' check (status in ('active','merged','archived','erased')),
      merged_into uuid,
      erased_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, home_branch_id) references branches(workspace_id, id)
    )`.execute(db);
  await sql`create unique index customers_external_id_key on customers (workspace_id, external_id) where external_id is not null`.execute(
    db,
  );
  await sql`create index customers_email_idx on customers (workspace_id, email) where email is not null`.execute(db);
  await sql`create index customers_phone_idx on customers (workspace_id, phone) where phone is not null`.execute(db);
  await sql`create index customers_created_idx on customers (workspace_id, created_at desc, id desc)`.execute(db);
  await sql`create index customers_search_trgm on customers using gin (search_text gin_trgm_ops)`.execute(db);
  await sql`create index customers_tags_idx on customers using gin (tags)`.execute(db);

  await sql`
    create table customer_identities (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      kind text not null check (kind in ('email','phone','external_id','device')),
      value text not null,
      source text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers(workspace_id, id)
    )`.execute(db);
  await sql`create index customer_identities_value_idx on customer_identities (workspace_id, kind, value)`.execute(db);
  await sql`create index customer_identities_customer_idx on customer_identities (workspace_id, customer_id)`.execute(
    db,
  );

  await sql`
    create table consent_events (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      channel text not null check (channel in ('email','sms','whatsapp','phone')),
      status text not null check (status in ('granted','revoked')),
      source text not null,
      text_shown text,
      recorded_by text,
      occurred_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers(workspace_id, id)
    )`.execute(db);
  await sql`create index consent_events_customer_idx on consent_events (workspace_id, customer_id, occurred_at desc)`.execute(
    db,
  );
  // The consent history is evidence (Communications Law §30A): rows are never
  // rewritten or removed. Only a merge may re-point a row to the surviving customer.
  await sql`
    create function consent_events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'consent history is append-only';
      end if;
      if (new.workspace_id, new.id, new.channel, new.status, new.source, new.text_shown, new.occurred_at)
         is distinct from (old.workspace_id, old.id, old.channel, old.status, old.source, old.text_shown, old.occurred_at) then
        raise exception 'consent history is append-only';
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger consent_events_append_only before update or delete on consent_events
    for each row execute function consent_events_append_only()`.execute(db);

  await sql`
    create table notes (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      body text not null,
      author_id uuid,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers(workspace_id, id)
    )`.execute(db);

  await sql`
    create table customer_merges (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      survivor_id uuid not null,
      merged_id uuid not null,
      snapshot jsonb not null,
      merged_by text,
      at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, survivor_id) references customers(workspace_id, id),
      foreign key (workspace_id, merged_id) references customers(workspace_id, id)
    )`.execute(db);

  await sql`
    create table timeline_events (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      customer_id uuid not null,
      occurred_at timestamptz not null,
      type text not null,
      ref_id uuid,
      data jsonb not null default '{}',
      primary key (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers(workspace_id, id)
    )`.execute(db);
  await sql`create index timeline_events_customer_idx on timeline_events (workspace_id, customer_id, occurred_at desc, id desc)`.execute(
    db,
  );
  await sql`create index timeline_events_ref_idx on timeline_events (workspace_id, ref_id)`.execute(db);

  await sql`
    create table domain_events (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      type text not null,
      payload jsonb not null,
      occurred_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table products (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      sku text not null,
      name text not null,
      category text,
      price numeric(14,2),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, sku)
    )`.execute(db);

  await sql`
    create table orders (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      external_id text,
      customer_id uuid not null,
      placed_at timestamptz not null,
      channel text not null check (channel in ('store','web','app','phone','whatsapp')),
      branch_id uuid,
      status text not null default 'completed' check (status in ('completed','partially_refunded','refunded','cancelled')),
      currency text not null default 'ILS',
      total numeric(14,2) not null,
      refunded_total numeric(14,2) not null default 0,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, customer_id) references customers(workspace_id, id),
      foreign key (workspace_id, branch_id) references branches(workspace_id, id)
    )`.execute(db);
  await sql`create unique index orders_external_id_key on orders (workspace_id, external_id) where external_id is not null`.execute(
    db,
  );
  await sql`create index orders_customer_idx on orders (workspace_id, customer_id, placed_at desc)`.execute(db);

  await sql`
    create table order_items (
      workspace_id uuid not null references workspaces(id),
      order_id uuid not null,
      line_no int not null,
      product_id uuid,
      sku text not null,
      name text not null,
      quantity numeric(12,3) not null,
      unit_price numeric(14,2) not null,
      total numeric(14,2) not null,
      primary key (workspace_id, order_id, line_no),
      foreign key (workspace_id, order_id) references orders(workspace_id, id),
      foreign key (workspace_id, product_id) references products(workspace_id, id)
    )`.execute(db);

  await sql`
    create table refunds (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      order_id uuid not null,
      external_id text,
      amount numeric(14,2) not null check (amount > 0),
      reason text,
      refunded_at timestamptz not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, order_id) references orders(workspace_id, id)
    )`.execute(db);
  await sql`create unique index refunds_external_id_key on refunds (workspace_id, external_id) where external_id is not null`.execute(
    db,
  );

  await sql`
    create table imports (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      kind text not null check (kind in ('customers','orders')),
      filename text not null,
      status text not null default 'queued' check (status in ('queued','running','completed','failed')),
      mapping jsonb not null default '{}',
      encoding text,
      file bytea,
      total_rows int not null default 0,
      processed_rows int not null default 0,
      inserted_rows int not null default 0,
      updated_rows int not null default 0,
      unchanged_rows int not null default 0,
      error_rows int not null default 0,
      errors jsonb not null default '[]',
      failure text,
      created_by text,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (workspace_id, id)
    )`.execute(db);

  await sql`
    create table idempotency_keys (
      workspace_id uuid not null references workspaces(id),
      key text not null,
      route text not null,
      request_hash text not null,
      status_code int not null,
      response jsonb not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, key, route)
    )`.execute(db);

  const tenantTables = [
    'users',
    'invitations',
    'sessions',
    'api_keys',
    'audit_log',
    'branches',
    'customers',
    'customer_identities',
    'consent_events',
    'notes',
    'customer_merges',
    'timeline_events',
    'domain_events',
    'products',
    'orders',
    'order_items',
    'refunds',
    'imports',
    'idempotency_keys',
  ];
  for (const table of tenantTables) {
    await enableTenantSecurity(db, table, 'workspace_id');
  }
  await enableTenantSecurity(db, 'workspaces', 'id');
}

export async function down(): Promise<void> {
  throw new Error('The foundation migration cannot be reverted');
}
