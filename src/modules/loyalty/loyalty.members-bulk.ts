import { sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { activeCustomerIds } from '../customers/customers.service.ts';
import { newReferralCode } from './loyalty.members.ts';
import { getProgram } from './loyalty.program.ts';
import { activeRules, awardEvent } from './loyalty.rules.ts';
import type { MemberSource } from './loyalty.tables.ts';
import { reviewDate, tierFor } from './loyalty.tiers.ts';

export type NewMember = { customerId: string; joinedAt: Date; messagesConsent: boolean };

/**
 * Makes many customers members in a few statements, each as enrollMember
 * makes one: the entry tier (a new member has earned nothing yet, so the
 * tier a value of nothing reaches), a referral code of its own, the join on
 * its tier history and the club's 'joined' rules. Customers who are members
 * already, or are not active customers of this workspace, are skipped;
 * returns the ids that became members.
 */
export async function enrollMany(trx: Trx, ctx: Ctx, members: NewMember[], source: MemberSource): Promise<string[]> {
  requirePermission(ctx, 'loyalty.enroll');
  if (members.length === 0) return [];
  const program = await getProgram(trx, ctx);
  const active = await activeCustomerIds(
    trx,
    ctx,
    members.map((m) => m.customerId),
  );
  const entry = tierFor(program, 0);
  const rows = members
    .filter((m) => active.has(m.customerId))
    .map((m) => ({
      customer_id: m.customerId,
      joined_at: m.joinedAt.toISOString(),
      messages_consent: m.messagesConsent,
      referral_code: newReferralCode(),
      tier_review_at: reviewDate(program, m.joinedAt)?.toISOString() ?? null,
    }));
  if (rows.length === 0) return [];
  const inserted = await sql<{ customer_id: string; joined_at: Date }>`
    insert into loyalty_members (workspace_id, customer_id, source, joined_at, referral_code, messages_consent,
      last_activity_at, tier_id, tier_since, tier_review_at)
    select ${ctx.workspaceId}::uuid, x.customer_id, ${source}, x.joined_at, x.referral_code, x.messages_consent,
      x.joined_at, ${entry?.id ?? null}::uuid, x.joined_at, x.tier_review_at
    from json_to_recordset(${JSON.stringify(rows)}::json)
      as x(customer_id uuid, joined_at timestamptz, referral_code text, messages_consent boolean, tier_review_at timestamptz)
    on conflict (workspace_id, customer_id) do nothing
    returning customer_id, joined_at`.execute(trx);
  const created = inserted.rows;
  if (created.length === 0) return [];
  const joins = created.map((m) => ({ id: newId(), customer_id: m.customer_id, occurred_at: m.joined_at }));
  await sql`
    insert into loyalty_tier_changes (workspace_id, id, customer_id, from_tier_id, to_tier_id, from_name, to_name,
      reason, occurred_at)
    select ${ctx.workspaceId}::uuid, x.id, x.customer_id, null, ${entry?.id ?? null}::uuid, null,
      ${entry?.name ?? null}, 'join', x.occurred_at
    from json_to_recordset(${JSON.stringify(joins)}::json) as x(id uuid, customer_id uuid, occurred_at timestamptz)`.execute(
    trx,
  );
  // A club with no 'joined' rule gives nothing for joining: the members' events need not be looked at one by one.
  const joinedRules = await activeRules(trx, ctx, 'event', 'joined');
  for (const m of joinedRules.length > 0 ? created : []) {
    await awardEvent(
      trx,
      ctx,
      { customerId: m.customer_id, type: 'joined', eventKey: m.customer_id, occurredAt: new Date(m.joined_at) },
      new Date(m.joined_at),
    );
  }
  await recordAudit(trx, ctx, {
    action: 'loyalty.members_enrolled',
    entityType: 'workspace',
    entityId: ctx.workspaceId,
    after: { source, count: created.length },
  });
  return created.map((m) => m.customer_id);
}
