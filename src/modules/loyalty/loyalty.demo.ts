import { addDays, addMonths, startOfMonth } from 'date-fns';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import type { Ctx } from '../../platform/context.ts';
import { createContestBody } from './loyalty.contests.schemas.ts';
import { createContest, drawContest, enterContest, judgeContest } from './loyalty.contests.ts';
import { createCampaign } from './loyalty.coupons.campaigns.ts';
import { redeemCouponBody } from './loyalty.coupons.schemas.ts';
import { redeemCoupon } from './loyalty.coupons.ts';
import { maintainLoyalty } from './loyalty.jobs.ts';
import { enrollMany } from './loyalty.members-bulk.ts';
import { saveProgram } from './loyalty.program.ts';
import { qualifyReferrals } from './loyalty.referrals.jobs.ts';
import { referFriend, saveReferralSettings } from './loyalty.referrals.ts';
import { createCampaignBody, createRewardBody } from './loyalty.rewards.schemas.ts';
import { createReward, redeemReward } from './loyalty.rewards.ts';
import { programBody } from './loyalty.schemas.ts';
import { earnForOrders } from './loyalty.service.ts';

/** A customer of the demo business as the club sees them: when they came, how keen they are. */
export type DemoClubCustomer = { id: string; createdAt: Date; keen: number };
/** An order of the demo business, for the points it earned. */
export type DemoClubOrder = { orderId: string; customerId: string; total: string; placedAt: Date };
export type DemoClubRandom = {
  next: () => number;
  chance: (p: number) => boolean;
  int: (a: number, b: number) => number;
};

const DAY = 86_400_000;
/** Months the demo's clock moves at a time. */
const STEP = 3;

/** The club of "הקפה של נועה": a point a shekel, 100 points are 5 ₪, three tiers by a year's spend. */
const club = programBody.parse({
  name: 'החברים של נועה',
  earnPoints: 1,
  earnPerAgorot: 100,
  redeemPoints: 100,
  redeemValueAgorot: 500,
  pendingDays: 14,
  expiryMode: 'batch',
  expiryMonths: 24,
  expiryWarningDays: 30,
  qualification: 'rolling_12',
  tierBasis: 'spend',
  downgrade: 'one_tier',
  joinTerms:
    'הצטרפות חינם. נקודה על כל שקל, 100 נקודות שוות 5 ₪. נקודות מהזמנה נטענות אחרי 14 ימים (חלון הביטול) ותוקפן שנתיים.',
  tiers: [
    { name: 'חבר', threshold: 0, earnMultiplierPct: 100, perks: 'נקודה על כל שקל' },
    {
      name: 'זהב',
      threshold: 80_000,
      earnMultiplierPct: 125,
      birthdayPoints: 100,
      perks: '25% יותר נקודות ומאפה ליום ההולדת',
    },
    {
      name: 'פלטינה',
      threshold: 200_000,
      earnMultiplierPct: 150,
      birthdayPoints: 250,
      earlyAccess: true,
      perks: 'פי 1.5 נקודות, עוגה ליום ההולדת וגישה מוקדמת למבצעים',
    },
  ],
});

const rewards = [
  {
    name: 'קפה הפוך גדול עלינו',
    description: 'קפה הפוך גדול אחד, בכל סניף',
    kind: 'gift' as const,
    itemSku: 'COF-HAF',
    pointsCost: 300,
    couponValidDays: 60,
  },
  {
    name: 'קרואסון חמאה מתנה',
    description: 'קרואסון חמאה טרי מהתנור',
    kind: 'gift' as const,
    itemSku: 'BAK-CRO',
    pointsCost: 220,
    couponValidDays: 60,
  },
  {
    name: '20 ₪ הנחה',
    description: 'בקנייה מעל 60 ₪',
    kind: 'amount_discount' as const,
    amountOff: '20.00',
    minBasket: '60.00',
    pointsCost: 400,
    couponValidDays: 90,
  },
  {
    name: '15% הנחה על ארוחת בוקר',
    description: 'לחברי זהב ופלטינה, עד 40 ₪ הנחה',
    kind: 'percent_discount' as const,
    percentOff: 15,
    maxDiscount: '40.00',
    minBasket: '50.00',
    minTierRank: 2,
    pointsCost: 350,
    couponValidDays: 30,
  },
  {
    name: 'מארז עוגיות חמאה',
    description: 'מארז מתנה, לחברי פלטינה, כל עוד יש במלאי',
    kind: 'gift' as const,
    itemSku: 'GFT-BOX',
    pointsCost: 700,
    minTierRank: 3,
    stock: 60,
    perMemberLimit: 2,
    couponValidDays: 45,
  },
];

/** The basket a member buys when using a reward's coupon: its item, and enough beside it. */
function basketFor(reward: (typeof rewards)[number]) {
  const items = [{ sku: 'COF-CAP', quantity: 1, unitPrice: '14.00' }];
  if (reward.kind === 'gift') items.push({ sku: reward.itemSku, quantity: 1, unitPrice: '16.00' });
  if (reward.kind !== 'gift') items.push({ sku: 'KIT-BRK', quantity: 1, unitPrice: '68.00' });
  const total = items.reduce((sum, i) => sum + Number(i.unitPrice) * i.quantity, 0);
  return { total: total.toFixed(2), items };
}

/**
 * The demo business's club, lived through its three years: customers join
 * a little after they first came, their orders earn month by month, the
 * hourly job's work is done at each month's end (release, expiry, tiers), and
 * members spend points on rewards whose coupons they mostly use at the till.
 * Everything goes through the club's own functions, at the dates it happened.
 */
export async function seedDemoClub(
  db: Kysely<DB>,
  ctx: Ctx,
  input: { customers: DemoClubCustomer[]; orders: DemoClubOrder[]; today: Date; random: DemoClubRandom },
  log: (line: string) => void,
): Promise<{ members: number; redeemed: number }> {
  const { random: r, today } = input;
  const first = new Date(Math.min(...input.customers.map((c) => c.createdAt.getTime())));
  const opened = startOfMonth(first);
  const { program, rewardIds } = await inWorkspace(db, ctx.workspaceId, async (trx) => {
    const saved = await saveProgram(trx, ctx, club);
    await saveReferralSettings(trx, ctx, { enabled: true, referrerPoints: 200, friendPoints: 100 }, opened);
    const ids: string[] = [];
    for (const reward of rewards) ids.push((await createReward(trx, ctx, createRewardBody.parse(reward), opened)).id);
    return { program: saved, rewardIds: ids };
  });

  // Who joins and when: the keen ones nearly all, soon after their first visit.
  const joining = input.customers
    .filter((c) => r.chance(c.keen))
    .map((c) => ({
      id: c.id,
      at: new Date(
        Math.min(today.getTime() - DAY, c.createdAt.getTime() + r.int(0, 40) * DAY + r.int(0, 8) * 3_600_000),
      ),
      consent: r.chance(0.7),
    }))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const orders = [...input.orders].sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime());
  let joined = 0;
  let placed = 0;
  let redeemed = 0;
  const coupons: { code: string; customerId: string; reward: number; usedAt: Date }[] = [];
  // A quarter at a time: what the hourly jobs would have done by each quarter's end is done then.
  for (let month = opened; month < today; month = addMonths(month, STEP)) {
    const end = new Date(Math.min(addMonths(month, STEP).getTime(), today.getTime()));
    await inWorkspace(db, ctx.workspaceId, async (trx) => {
      const from = joined;
      while (joined < joining.length && joining[joined]!.at < end) joined++;
      const fresh = joining.slice(from, joined);
      // About one in eight came because a member sent them the club's link.
      const inviters = await trx
        .selectFrom('loyalty_members')
        .select('referral_code')
        .where('workspace_id', '=', ctx.workspaceId)
        .where('status', '=', 'active')
        .orderBy('joined_at')
        .limit(400)
        .execute();
      for (const friend of fresh) {
        if (inviters.length < 20 || !r.chance(0.12)) continue;
        const code = inviters[r.int(0, inviters.length - 1)]!.referral_code;
        await referFriend(trx, ctx, { friendCustomerId: friend.id, referralCode: code }, friend.at);
      }
      await enrollMany(
        trx,
        ctx,
        fresh.map((m) => ({ customerId: m.id, joinedAt: m.at, messagesConsent: m.consent })),
        'demo',
      );
      const start = placed;
      while (placed < orders.length && orders[placed]!.placedAt < end) placed++;
      for (let i = start; i < placed; i += 2000) {
        await earnForOrders(trx, ctx, orders.slice(i, Math.min(i + 2000, placed)), end);
      }
    });
    // Members with points enough spend some on a reward now and then; most use the coupon within days.
    const balances = await inWorkspace(db, ctx.workspaceId, (trx) =>
      trx
        .selectFrom('loyalty_members')
        .select(['customer_id', 'available', 'tier_id'])
        .where('workspace_id', '=', ctx.workspaceId)
        .where('status', '=', 'active')
        .where('available', '>=', String(Math.min(...rewards.map((w) => w.pointsCost))))
        .execute(),
    );
    for (const member of balances) {
      if (!r.chance(0.09)) continue;
      const rank = program.tiers.find((t) => t.id === member.tier_id)?.rank ?? 0;
      const within = rewards
        .map((reward, index) => ({ reward, index }))
        .filter(({ reward }) => reward.pointsCost <= Number(member.available) && (reward.minTierRank ?? 0) <= rank);
      if (within.length === 0) continue;
      const choice = within[r.int(0, within.length - 1)]!.index;
      const at = new Date(end.getTime() - r.int(1, 12) * DAY - r.int(1, 10) * 3_600_000);
      if (at < month) continue;
      const coupon = await inWorkspace(db, ctx.workspaceId, (trx) =>
        redeemReward(trx, ctx, { rewardId: rewardIds[choice]!, customerId: member.customer_id }, at),
      ).catch(() => null);
      if (!coupon) continue;
      redeemed += 1;
      if (r.chance(0.8)) {
        coupons.push({
          code: coupon.code,
          customerId: member.customer_id,
          reward: choice,
          usedAt: addDays(at, r.int(0, 12)),
        });
      }
    }
    for (const use of coupons.filter((c) => c.usedAt < end)) {
      const reward = rewards[use.reward]!;
      await inWorkspace(db, ctx.workspaceId, (trx) =>
        redeemCoupon(
          trx,
          ctx,
          redeemCouponBody.parse({
            code: use.code,
            customerId: use.customerId,
            basket: basketFor(reward),
            orderId: `TLV-R-${use.code}`,
          }),
          use.usedAt,
        ),
      ).catch(() => null);
    }
    coupons.splice(0, coupons.length, ...coupons.filter((c) => c.usedAt >= end));
    await maintainLoyalty(db, end, { workspaceId: ctx.workspaceId });
    await qualifyReferrals(db, end, { workspaceId: ctx.workspaceId });
    if (month.getUTCMonth() < STEP || end >= today) {
      log(`club: ${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}, ${joined} members`);
    }
  }

  // Members-only offers: one that ran last summer, one running now for gold and up.
  await inWorkspace(db, ctx.workspaceId, async (trx) => {
    await createCampaign(
      trx,
      ctx,
      createCampaignBody.parse({
        name: 'קיץ של נועה: אייס קפה מתנה',
        description: 'לכל חברי המועדון, פעם אחת לחבר',
        kind: 'gift',
        itemSku: 'COF-ICE',
        mode: 'shared',
        code: 'ICE-SUMMER',
        startsAt: addMonths(today, -6).toISOString(),
        endsAt: addMonths(today, -4).toISOString(),
      }),
      addMonths(today, -6),
    );
    await createCampaign(
      trx,
      ctx,
      createCampaignBody.parse({
        name: 'חורף חם לחברי זהב',
        description: '10% הנחה על כל הקנייה, לחברי זהב ופלטינה',
        kind: 'percent_discount',
        percentOff: 10,
        maxDiscount: '30.00',
        minTierRank: 2,
        mode: 'pool',
        poolSize: 200,
        startsAt: addDays(today, -10).toISOString(),
        endsAt: addMonths(today, 2).toISOString(),
      }),
      addDays(today, -10),
    );
  });
  await seedContests(db, ctx, today);
  log(`club: ${joined} members, ${redeemed} rewards redeemed, 2 members-only offers, referrals, 2 contests`);
  return { members: joined, redeemed };
}

/**
 * The club's contests: a skill contest eight months ago (the best sentence
 * about the café, judged), a draw the café ran with its permit last year
 * (auditable, as every draw is), and a skill contest open now — skill, as a
 * chance draw in Israel needs a permit.
 */
async function seedContests(db: Kysely<DB>, ctx: Ctx, today: Date) {
  await inWorkspace(db, ctx.workspaceId, async (trx) => {
    const members = await trx
      .selectFrom('loyalty_members')
      .select(['customer_id', 'joined_at'])
      .where('workspace_id', '=', ctx.workspaceId)
      .where('status', '=', 'active')
      .orderBy('lifetime_points', 'desc')
      .limit(60)
      .execute();
    const answers = [
      'הקרואסון שקדים של סניף חיפה הוא הסיבה שאני קמה בבוקר.',
      'אצל נועה הבריסטה זוכר איך אני שותה את ההפוך, וזה שווה יותר מכל הנחה.',
      'לחם המחמצת ביום שישי זה כבר מסורת משפחתית אצלנו.',
      'ישבתי פה עם הלפטופ שלוש שנים, סיימתי תואר וכתבתי ספר. תודה על השקט ועל הקפה.',
      'הבורקס גבינה הכי טוב בבאר שבע, ואני אומר את זה כבאר שבעי.',
      'השקשוקה עם הלחם הטרי מחזירה אותי לבית של סבתא.',
    ];
    const spring = addMonths(today, -8);
    const skill = await createContest(
      trx,
      ctx,
      createContestBody.parse({
        name: 'המשפט הכי טוב על הקפה של נועה',
        description: 'כתבו במשפט אחד למה אתם אוהבים את הקפה של נועה. צוות הסניפים בוחר את שלושת המשפטים הטובים.',
        prize: 'חודש קפה חינם',
        kind: 'skill',
        question: 'למה אתם אוהבים את הקפה של נועה? משפט אחד.',
        winnersCount: 3,
        opensAt: spring.toISOString(),
        closesAt: addDays(spring, 21).toISOString(),
      }),
      spring,
    );
    const entered: string[] = [];
    for (const [i, answer] of answers.entries()) {
      const member = members[i * 7]!;
      if (member.joined_at > spring) continue;
      await enterContest(trx, ctx, skill.id, { customerId: member.customer_id, answer }, addDays(spring, 2 + i * 3));
      entered.push(member.customer_id);
    }
    await judgeContest(
      trx,
      ctx,
      skill.id,
      {
        winners: entered.slice(0, 3).map((customerId, i) => ({
          customerId,
          note: ['כתוב מהלב ומצחיק', 'מתאר בדיוק את מה שאנחנו רוצים להיות', 'מסורת של שישי: ריגש את הצוות'][i]!,
        })),
      },
      addDays(spring, 24),
    );
    const lastYear = addMonths(today, -14);
    const draw = await createContest(
      trx,
      ctx,
      createContestBody.parse({
        name: 'הגרלת מכונת אספרסו ביתית',
        description: 'הגרלה בין כל חברי המועדון. נערכה בהיתר לפי חוק העונשין, סעיף 231.',
        prize: 'מכונת אספרסו ביתית',
        kind: 'draw',
        winnersCount: 2,
        joinedBefore: lastYear.toISOString(),
        opensAt: addDays(lastYear, -30).toISOString(),
        closesAt: lastYear.toISOString(),
      }),
      addDays(lastYear, -30),
    );
    await drawContest(trx, ctx, draw.id, addDays(lastYear, 1));
    await createContest(
      trx,
      ctx,
      createContestBody.parse({
        name: 'מתכון החורף שלכם',
        description: 'שלחו מתכון חורפי עם מוצר מהקפה של נועה. המתכון הנבחר ייכנס לתפריט החורף.',
        prize: 'ארוחת בוקר זוגית וסדנת אפייה',
        kind: 'skill',
        question: 'איזה מתכון חורפי הייתם מוסיפים לתפריט?',
        winnersCount: 1,
        opensAt: addDays(today, -5).toISOString(),
        closesAt: addDays(today, 25).toISOString(),
      }),
      addDays(today, -5),
    );
  });
}
