import { type Kysely, sql } from 'kysely';

/**
 * An order keeps what its source system charged besides the lines: shipping,
 * discounts and taxes, so its total (and each customer's spend) is the
 * source's own figure. Orders stored before have none of them: their total is
 * their lines, so zero is the truth for them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table orders
      add column shipping_total numeric(14,2) not null default 0,
      add column discount_total numeric(14,2) not null default 0,
      add column tax_total numeric(14,2) not null default 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table orders drop column shipping_total, drop column discount_total, drop column tax_total`.execute(
    db,
  );
}
