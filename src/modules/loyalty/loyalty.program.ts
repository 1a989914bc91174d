import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import type { ProgramBody } from './loyalty.schemas.ts';
import type { DowngradePolicy, ExpiryMode, Qualification, TierBasis } from './loyalty.tables.ts';

/** A tier as the code reads it: thresholds in points or agorot, by the program's basis. */
export type Tier = {
  id: string;
  name: string;
  rank: number;
  threshold: number;
  earnMultiplierPct: number;
  birthdayPoints: number;
  earlyAccess: boolean;
  perks: string;
};

/** The club's settings and its tiers, lowest first. */
export type Program = {
  name: string;
  status: 'active' | 'paused';
  earnPoints: number;
  earnPerAgorot: number;
  redeemPoints: number;
  redeemValueAgorot: number;
  pendingDays: number;
  expiryMode: ExpiryMode;
  expiryMonths: number;
  expiryWarningDays: number;
  qualification: Qualification;
  tierBasis: TierBasis;
  downgrade: DowngradePolicy;
  joinTerms: string;
  /** The club's part of its public join page and member portal addresses: /club/<publicKey>/join. */
  publicKey: string;
  tiers: Tier[];
  updatedAt: Date;
};

/** The workspace's club, or null before it is set up. */
export async function findProgram(trx: Trx, ctx: Ctx): Promise<Program | null> {
  const row = await trx
    .selectFrom('loyalty_programs')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .executeTakeFirst();
  if (!row) return null;
  const tiers = await trx
    .selectFrom('loyalty_tiers')
    .selectAll()
    .where('workspace_id', '=', ctx.workspaceId)
    .orderBy('rank')
    .execute();
  return {
    name: row.name,
    status: row.status,
    earnPoints: row.earn_points,
    earnPerAgorot: row.earn_per_agorot,
    redeemPoints: row.redeem_points,
    redeemValueAgorot: row.redeem_value_agorot,
    pendingDays: row.pending_days,
    expiryMode: row.expiry_mode,
    expiryMonths: row.expiry_months,
    expiryWarningDays: row.expiry_warning_days,
    qualification: row.qualification,
    tierBasis: row.tier_basis,
    downgrade: row.downgrade,
    joinTerms: row.join_terms,
    publicKey: row.public_key,
    updatedAt: row.updated_at,
    tiers: tiers.map((t) => ({
      id: t.id,
      name: t.name,
      rank: t.rank,
      threshold: Number(t.threshold),
      earnMultiplierPct: t.earn_multiplier_pct,
      birthdayPoints: t.birthday_points,
      earlyAccess: t.early_access,
      perks: t.perks,
    })),
  };
}

export async function getProgram(trx: Trx, ctx: Ctx): Promise<Program> {
  requirePermission(ctx, 'loyalty.read');
  const program = await findProgram(trx, ctx);
  if (!program) throw new AppError('LOYALTY.NO_PROGRAM');
  return program;
}

/**
 * Sets the club up or changes it, tiers included: a tier given with its id
 * is changed, one without is added, one left out is removed (refused while
 * members hold it). Ranks follow the order given; each tier's threshold must
 * be above the one before.
 */
export async function saveProgram(trx: Trx, ctx: Ctx, body: ProgramBody): Promise<Program> {
  requirePermission(ctx, 'loyalty.manage');
  const before = await findProgram(trx, ctx);
  body.tiers.forEach((tier, i) => {
    const previous = body.tiers[i - 1];
    if (previous && tier.threshold <= previous.threshold) {
      throw new AppError('LOYALTY.TIERS_INVALID', {
        fields: [{ field: `body.tiers.${i}.threshold`, message: 'loyalty:tiers.thresholdOrder' }],
      });
    }
  });
  const known = new Set(before?.tiers.map((t) => t.id));
  for (const [i, tier] of body.tiers.entries()) {
    if (tier.id && !known.has(tier.id)) {
      throw new AppError('LOYALTY.TIERS_INVALID', {
        fields: [{ field: `body.tiers.${i}.id`, message: 'loyalty:tiers.unknown' }],
      });
    }
  }
  const values = {
    name: body.name,
    status: body.status,
    earn_points: body.earnPoints,
    earn_per_agorot: body.earnPerAgorot,
    redeem_points: body.redeemPoints,
    redeem_value_agorot: body.redeemValueAgorot,
    pending_days: body.pendingDays,
    expiry_mode: body.expiryMode,
    expiry_months: body.expiryMonths,
    expiry_warning_days: body.expiryWarningDays,
    qualification: body.qualification,
    tier_basis: body.tierBasis,
    downgrade: body.downgrade,
    join_terms: body.joinTerms,
    updated_at: new Date(),
  };
  await trx
    .insertInto('loyalty_programs')
    .values({ workspace_id: ctx.workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
  const kept = new Set(body.tiers.flatMap((t) => (t.id ? [t.id] : [])));
  const removed = (before?.tiers ?? []).filter((t) => !kept.has(t.id)).map((t) => t.id);
  if (removed.length > 0) {
    const holder = await trx
      .selectFrom('loyalty_members')
      .select('tier_id')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('tier_id', 'in', removed)
      .executeTakeFirst();
    if (holder) throw new AppError('LOYALTY.TIER_IN_USE');
    await trx
      .deleteFrom('loyalty_tiers')
      .where('workspace_id', '=', ctx.workspaceId)
      .where('id', 'in', removed)
      .execute();
  }
  // Ranks move out of the way first, so that reordering never meets the unique rank of another tier.
  await trx
    .updateTable('loyalty_tiers')
    .set((eb) => ({ rank: eb('rank', '+', 1000) }))
    .where('workspace_id', '=', ctx.workspaceId)
    .execute();
  for (const [i, tier] of body.tiers.entries()) {
    const row = {
      name: tier.name,
      rank: i + 1,
      threshold: tier.threshold,
      earn_multiplier_pct: tier.earnMultiplierPct,
      birthday_points: tier.birthdayPoints,
      early_access: tier.earlyAccess,
      perks: tier.perks,
    };
    if (tier.id) {
      await trx
        .updateTable('loyalty_tiers')
        .set(row)
        .where('workspace_id', '=', ctx.workspaceId)
        .where('id', '=', tier.id)
        .execute();
    } else {
      await trx
        .insertInto('loyalty_tiers')
        .values({ workspace_id: ctx.workspaceId, id: newId(), ...row })
        .execute();
    }
  }
  const after = await getProgram(trx, ctx);
  await recordAudit(trx, ctx, {
    action: before ? 'loyalty.program_changed' : 'loyalty.program_created',
    entityType: 'loyalty_program',
    entityId: null,
    before,
    after,
  });
  return after;
}
