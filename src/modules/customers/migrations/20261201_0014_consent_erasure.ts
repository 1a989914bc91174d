import { type Kysely, sql } from 'kysely';

/**
 * The consent history stays append-only, with one exception: an erasure may
 * blank the text around an event (its source and the words shown), which can
 * quote the person, and only to the redacted form. Channel, status and time,
 * the evidence itself, still never change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function consent_events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        raise exception 'consent history is append-only';
      end if;
      if (new.workspace_id, new.id, new.channel, new.status, new.occurred_at)
         is distinct from (old.workspace_id, old.id, old.channel, old.status, old.occurred_at) then
        raise exception 'consent history is append-only';
      end if;
      if (new.source, new.text_shown) is distinct from (old.source, old.text_shown)
         and (new.source, new.text_shown) is distinct from ('erased', null::text) then
        raise exception 'consent history is append-only';
      end if;
      return new;
    end $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function consent_events_append_only() returns trigger language plpgsql as $$
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
}
