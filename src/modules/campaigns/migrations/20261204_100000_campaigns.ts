import { type Kysely, sql } from 'kysely';
import { enableTenantSecurity } from '../../../db/tenancy.ts';

/**
 * Templates, campaigns and each campaign's recipients. A campaign sends one
 * template per channel to a segment's members; every member becomes one
 * recipient row when the campaign starts (unique per campaign and customer,
 * so a start run twice adds no one), and each row is decided once: a message
 * in the outbox (its key the campaign and the customer, so a crash mid-send
 * and a restart send it once), or the reason it was not sent. The workspace's
 * unsubscribe key signs the links in its messages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table message_templates (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null check (length(name) between 1 and 120),
      channel text not null check (channel in ('email', 'sms')),
      subject text check (length(subject) <= 300),
      blocks jsonb not null default '[]',
      text_body text not null default '' check (length(text_body) <= 5000),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await enableTenantSecurity(db, 'message_templates');

  await sql`
    create table campaigns (
      workspace_id uuid not null references workspaces(id),
      id uuid not null,
      name text not null check (length(name) between 1 and 120),
      segment_id uuid not null,
      email_template_id uuid,
      sms_template_id uuid,
      channel_strategy text not null check (channel_strategy in ('email', 'sms', 'preferred')),
      quiet_hours boolean not null default true,
      status text not null default 'draft' check (status in ('draft', 'sending', 'sent', 'cancelled')),
      started_at timestamptz,
      finished_at timestamptz,
      created_by uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, segment_id) references segments (workspace_id, id),
      foreign key (workspace_id, email_template_id) references message_templates (workspace_id, id),
      foreign key (workspace_id, sms_template_id) references message_templates (workspace_id, id),
      check (email_template_id is not null or sms_template_id is not null)
    )`.execute(db);
  await enableTenantSecurity(db, 'campaigns');

  await sql`
    create table campaign_recipients (
      workspace_id uuid not null references workspaces(id),
      campaign_id uuid not null,
      customer_id uuid not null,
      status text not null default 'pending' check (status in ('pending', 'sent', 'skipped')),
      channel text check (channel in ('email', 'sms')),
      skip_reason text check (skip_reason in ('no_consent', 'no_address', 'no_template', 'conduct', 'gone')),
      message_id uuid,
      decided_at timestamptz,
      primary key (workspace_id, campaign_id, customer_id),
      foreign key (workspace_id, campaign_id) references campaigns (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index campaign_recipients_pending_idx on campaign_recipients (workspace_id, campaign_id, customer_id) where status = 'pending'`.execute(
    db,
  );
  await sql`create index campaign_recipients_customer_idx on campaign_recipients (workspace_id, customer_id)`.execute(
    db,
  );
  await enableTenantSecurity(db, 'campaign_recipients');

  await sql`
    create table campaign_keys (
      workspace_id uuid primary key references workspaces(id),
      unsubscribe_key text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await enableTenantSecurity(db, 'campaign_keys');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table campaign_keys`.execute(db);
  await sql`drop table campaign_recipients`.execute(db);
  await sql`drop table campaigns`.execute(db);
  await sql`drop table message_templates`.execute(db);
}
