import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { randomToken } from '../../platform/crypto.ts';

/*
 * A member's earning-rule awards and events received, in a merge, an export
 * and an erasure of the customer.
 *
 * A merge gives the survivor the merged member's awards and events: the
 * rules' limits per member count both people's awards (a once-per-member
 * bonus each had already is not given a third time), and the events stay
 * received (their key is unique in the workspace, so either one's event sent
 * again for the survivor is a duplicate). The points they gave moved with
 * the ledger's merge (movePoints); the awards keep pointing at the bookings
 * that carried them.
 *
 * What is personal: an event's key is whatever the caller sent (a till's or
 * survey tool's id, which may be an order number, a receipt, an email or a
 * phone), so every key of the person's events is. The event's type is the
 * club's own name for it, and the ids, dates and points are the accounts':
 * they stay. Erasure replaces each key by `erased:` and a SHA-256 of it with
 * a random salt that is not kept: nothing can be matched back to the text,
 * and the awards still go with their events (the same key gets the same
 * hash within one erasure). The ledger's bookings hold no key (their source
 * key is `rule:<rule>:award:<award id>`) and keep their amounts.
 */

/** Moves the merged member's rule awards and events received to the survivor (a second run moves nothing). */
export async function mergeRuleActivity(trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }) {
  for (const table of ['loyalty_rule_awards', 'loyalty_rule_events'] as const) {
    await trx
      .updateTable(table)
      .set({ customer_id: ids.survivorId })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('customer_id', '=', ids.mergedId)
      .execute();
  }
}

/** The customer's rule awards and events received, for the export of its data. */
export async function exportRuleActivity(trx: Trx, ctx: Ctx, customerId: string) {
  const awards = await trx
    .selectFrom('loyalty_rule_awards as a')
    .innerJoin('loyalty_earning_rules as r', (join) =>
      join.onRef('r.workspace_id', '=', 'a.workspace_id').onRef('r.id', '=', 'a.rule_id'),
    )
    .select(['a.rule_id', 'r.name', 'a.points', 'a.order_id', 'a.event_type', 'a.event_key', 'a.occurred_at'])
    .where('a.workspace_id', '=', ctx.workspaceId)
    .where('a.customer_id', '=', customerId)
    .orderBy('a.occurred_at')
    .orderBy('a.id')
    .execute();
  const events = await trx
    .selectFrom('loyalty_rule_events')
    .select(['type', 'event_key', 'occurred_at', 'points', 'received_at'])
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('received_at')
    .orderBy('type')
    .orderBy('event_key')
    .execute();
  return {
    ruleAwards: awards.map((a) => ({
      ruleId: a.rule_id,
      rule: a.name,
      points: Number(a.points),
      orderId: a.order_id,
      eventType: a.event_type,
      eventId: a.event_key,
      occurredAt: a.occurred_at,
    })),
    eventsReceived: events.map((e) => ({
      type: e.type,
      eventId: e.event_key,
      points: Number(e.points),
      occurredAt: e.occurred_at,
      receivedAt: e.received_at,
    })),
  };
}

/** A key erasure wrote already: left as it is, so a second erasure changes nothing. */
const erasedKey = '^erased:[0-9a-f]{64}$';

/**
 * Erasure keeps the awards and events (their points are on the books) but
 * replaces each event key by a salted hash whose salt is dropped (see above).
 */
export async function eraseRuleActivity(trx: Trx, ctx: Ctx, customerId: string) {
  const salt = randomToken(16);
  const hashed = (type: unknown, key: unknown) =>
    sql<string>`'erased:' || encode(sha256(convert_to(${salt}::text || ${type} || ':' || ${key}, 'UTF8')), 'hex')`;
  await trx
    .updateTable('loyalty_rule_awards')
    .set({ event_key: hashed(sql.ref('event_type'), sql.ref('event_key')) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .where('event_key', 'is not', null)
    .where('event_key', '!~', erasedKey)
    .execute();
  await trx
    .updateTable('loyalty_rule_events')
    .set({ event_key: hashed(sql.ref('type'), sql.ref('event_key')) })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('customer_id', '=', customerId)
    .where('event_key', '!~', erasedKey)
    .execute();
}
