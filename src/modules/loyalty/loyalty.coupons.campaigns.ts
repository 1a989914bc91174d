import { type Selectable, sql } from 'kysely';
import type { Trx } from '../../db/tenancy.ts';
import { recordAudit } from '../../platform/audit.ts';
import type { Ctx } from '../../platform/context.ts';
import { newId } from '../../platform/crypto.ts';
import { decodeTimeCursor, encodeTimeCursor, pageOfRows } from '../../platform/cursor.ts';
import { AppError, type FieldError } from '../../platform/errors.ts';
import { requirePermission } from '../../platform/permissions.ts';
import { benefitReplyOf, benefitRow, definedOf } from './loyalty.coupons.benefit.ts';
import {
  couponReplyOf,
  couponsPage,
  insertCoupons,
  insertCouponWithCode,
  type NewCoupon,
} from './loyalty.coupons.codes.ts';
import type { CouponStatus, LoyaltyCampaignTable } from './loyalty.coupons.tables.ts';
import type { CreateCampaignBody, UpdateCampaignBody } from './loyalty.rewards.schemas.ts';

/*
 * Members-only promotions: a campaign gives its benefit, at no points, to the
 * members of its tiers (or every member) between its dates: by one shared
 * code that each member uses once, or by a pool of single-use codes (still
 * once a member). Its codes carry its benefit as it was made; its dates, tier,
 * limit and whether it runs are read when a code is used.
 */

type CampaignRow = Selectable<LoyaltyCampaignTable> & {
  code: string | null;
  codes: string | number | null;
  uses: string | number | null;
};

export function campaignReplyOf(row: CampaignRow) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ...benefitReplyOf(row),
    mode: row.mode,
    code: row.mode === 'shared' ? row.code : null,
    codes: Number(row.codes ?? 0),
    minTierRank: row.min_tier_rank,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    maxUses: row.max_uses,
    used: Number(row.uses ?? 0),
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Campaigns with their shared code and how many codes each has. */
function campaignsQuery(trx: Trx, ctx: Ctx) {
  return trx
    .selectFrom('loyalty_campaigns as k')
    .selectAll('k')
    .select((eb) => [
      eb
        .selectFrom('loyalty_coupons as c')
        .select('c.code')
        .whereRef('c.workspace_id', '=', 'k.workspace_id')
        .whereRef('c.campaign_id', '=', 'k.id')
        .where('c.multi_use', '=', true)
        .limit(1)
        .as('code'),
      eb
        .selectFrom('loyalty_coupons as c')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('c.workspace_id', '=', 'k.workspace_id')
        .whereRef('c.campaign_id', '=', 'k.id')
        .as('codes'),
      // Counted from the uses: only a campaign with a limit keeps a running count (used_count), which its uses wait on.
      eb
        .selectFrom('loyalty_coupon_uses as u')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('u.workspace_id', '=', 'k.workspace_id')
        .whereRef('u.campaign_id', '=', 'k.id')
        .as('uses'),
    ])
    .where('k.workspace_id', '=', ctx.workspaceId);
}

async function campaignById(trx: Trx, ctx: Ctx, id: string) {
  const row = await campaignsQuery(trx, ctx).where('k.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('LOYALTY.CAMPAIGN_NOT_FOUND');
  return row;
}

function refuse(field: string, message = 'invalid'): never {
  throw new AppError('VALIDATION', { fields: [{ field, message }] satisfies FieldError[] });
}

/** A campaign's codes to make: its benefit, at no points, used once each (a shared code once a member). */
function codeOf(row: Selectable<LoyaltyCampaignTable>, now: Date): NewCoupon {
  return {
    campaign_id: row.id,
    name: row.name,
    kind: row.kind,
    percent_off: row.percent_off,
    amount_off_agorot: row.amount_off_agorot,
    item_sku: row.item_sku,
    min_basket_agorot: row.min_basket_agorot,
    max_discount_agorot: row.max_discount_agorot,
    points_cost: 0,
    multi_use: row.mode === 'shared',
    created_at: now,
  };
}

export async function createCampaign(trx: Trx, ctx: Ctx, body: CreateCampaignBody, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const benefit = benefitRow(body);
  if (body.endsAt <= body.startsAt) refuse('endsAt');
  if (body.mode === 'pool' && body.code !== undefined) refuse('code');
  if (body.mode === 'shared' && (body.poolSize ?? 0) > 0) refuse('poolSize');
  const row = await trx
    .insertInto('loyalty_campaigns')
    .values({
      workspace_id: ctx.workspaceId,
      id: newId(),
      name: body.name,
      description: body.description ?? '',
      ...benefit,
      mode: body.mode,
      min_tier_rank: body.minTierRank ?? null,
      starts_at: body.startsAt,
      ends_at: body.endsAt,
      max_uses: body.maxUses ?? null,
      active: body.active ?? true,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (body.mode === 'shared') {
    if (body.code !== undefined) await insertCouponWithCode(trx, ctx, codeOf(row, now), body.code);
    else await insertCoupons(trx, ctx, codeOf(row, now), 1);
  } else if (body.poolSize) {
    await insertCoupons(trx, ctx, codeOf(row, now), body.poolSize);
  }
  const campaign = campaignReplyOf(await campaignById(trx, ctx, row.id));
  await recordAudit(trx, ctx, {
    action: 'loyalty.campaign_created',
    entityType: 'loyalty_campaign',
    entityId: row.id,
    after: campaign,
  });
  return campaign;
}

/** Changes a campaign's name, dates, tier or limit, or stops it (`active: false`). */
export async function updateCampaign(trx: Trx, ctx: Ctx, id: string, body: UpdateCampaignBody, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const locked = await trx
    .selectFrom('loyalty_campaigns')
    .select('id')
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!locked) throw new AppError('LOYALTY.CAMPAIGN_NOT_FOUND');
  const before = await campaignById(trx, ctx, id);
  const startsAt = body.startsAt ?? before.starts_at;
  const endsAt = body.endsAt ?? before.ends_at;
  if (endsAt <= startsAt) refuse('endsAt');
  // The lock above waited for the uses under way (each holds the campaign row key-shared), so the count is exact.
  const used = Number(before.uses ?? 0);
  if (body.maxUses != null && body.maxUses < used) refuse('maxUses', 'too_small');
  await trx
    .updateTable('loyalty_campaigns')
    .set({
      ...definedOf({
        name: body.name,
        description: body.description,
        min_tier_rank: body.minTierRank,
        max_uses: body.maxUses,
        active: body.active,
      }),
      starts_at: startsAt,
      ends_at: endsAt,
      used_count: used,
      updated_at: now,
    })
    .where('workspace_id', '=', ctx.workspaceId)
    .where('id', '=', id)
    .execute();
  if (body.name !== undefined && body.name !== before.name) {
    await trx
      .updateTable('loyalty_coupons')
      .set({ name: body.name })
      .where('workspace_id', '=', ctx.workspaceId)
      .where('campaign_id', '=', id)
      .execute();
  }
  const campaign = campaignReplyOf(await campaignById(trx, ctx, id));
  await recordAudit(trx, ctx, {
    action: 'loyalty.campaign_changed',
    entityType: 'loyalty_campaign',
    entityId: id,
    before: campaignReplyOf(before),
    after: campaign,
  });
  return campaign;
}

export async function listCampaigns(
  trx: Trx,
  ctx: Ctx,
  query: { limit: number; cursor?: string | undefined; active?: 'true' | 'false' | undefined },
) {
  requirePermission(ctx, 'loyalty.read');
  const after = decodeTimeCursor(query.cursor, 'campaigns');
  const rows = await campaignsQuery(trx, ctx)
    .$if(query.active !== undefined, (q) => q.where('k.active', '=', query.active === 'true'))
    .$if(after !== null, (q) =>
      q.where(sql<boolean>`(k.created_at, k.id) < (${after!.at}::timestamptz, ${after!.id}::uuid)`),
    )
    .orderBy('k.created_at', 'desc')
    .orderBy('k.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const { page, nextCursor } = pageOfRows(rows, query.limit, (last) =>
    encodeTimeCursor({ at: last.created_at.toISOString(), id: last.id }, 'campaigns'),
  );
  return { items: page.map(campaignReplyOf), nextCursor };
}

/** More single-use codes for a pool campaign. */
export async function addPoolCodes(trx: Trx, ctx: Ctx, id: string, count: number, now: Date) {
  requirePermission(ctx, 'loyalty.manage');
  const campaign = await campaignById(trx, ctx, id);
  if (campaign.mode !== 'pool') throw new AppError('LOYALTY.CAMPAIGN_NOT_POOL');
  const made = await insertCoupons(trx, ctx, codeOf(campaign, now), count);
  await recordAudit(trx, ctx, {
    action: 'loyalty.campaign_codes_added',
    entityType: 'loyalty_campaign',
    entityId: id,
    after: { count },
  });
  return { items: made.map((row) => couponReplyOf(row)) };
}

/** A campaign's codes, newest first, to print or send; unused ones only with `status: 'active'`. */
export async function listCampaignCodes(
  trx: Trx,
  ctx: Ctx,
  id: string,
  query: { limit: number; cursor?: string | undefined; status?: CouponStatus | undefined },
) {
  requirePermission(ctx, 'loyalty.manage');
  await campaignById(trx, ctx, id);
  return couponsPage(trx, ctx, { campaignId: id }, query, 'campaign-codes');
}
