import { defineSubscriber } from '../../platform/events.ts';
import { defineModule } from '../../platform/module.ts';
import { orderPlaced, orderRefunded } from '../commerce/commerce.events.ts';
import { contestErrors } from './loyalty.contests.errors.ts';
import { contestsRoutes } from './loyalty.contests.routes.ts';
import { couponErrors } from './loyalty.coupons.errors.ts';
import { couponsRoutes } from './loyalty.coupons.routes.ts';
import { MAINTAIN_QUEUE, maintainLoyalty } from './loyalty.jobs.ts';
import { loyaltyMigrations } from './loyalty.migrations.ts';
import { noticesJob } from './loyalty.notices.jobs.ts';
import { portalErrors } from './loyalty.portal.errors.ts';
import { portalRoutes } from './loyalty.portal.routes.ts';
import { referralErrors } from './loyalty.referrals.errors.ts';
import { referralsJob } from './loyalty.referrals.jobs.ts';
import { referralsRoutes } from './loyalty.referrals.routes.ts';
import { rewardsRoutes } from './loyalty.rewards.routes.ts';
import { loyaltyRoutes } from './loyalty.routes.ts';
import { rulesErrors } from './loyalty.rules.errors.ts';
import { birthdaysJob } from './loyalty.rules.jobs.ts';
import { rulesRoutes } from './loyalty.rules.routes.ts';
import { loyaltySegmentFields } from './loyalty.segment-fields.ts';
import { clawBackForRefund, earnForOrder, earnForOrders, loyaltyCustomerHooks } from './loyalty.service.ts';

/**
 * The loyalty club: its settings and tiers, members, and the points ledger.
 * Orders earn through commerce's order.placed event and refunds take back
 * through order.refunded; merge, export and erase reach it through its
 * customer hooks; the hourly job releases, expires and reviews.
 */
export const loyaltyModule = defineModule({
  name: 'loyalty',
  segmentFields: loyaltySegmentFields,
  migrations: loyaltyMigrations,
  // Agents enrol members at the counter and read their standing; points are given or taken by managers.
  permissions: {
    'loyalty.read': ['owner', 'admin', 'agent', 'marketer', 'analyst'],
    'loyalty.enroll': ['owner', 'admin', 'agent', 'marketer'],
    'loyalty.adjust': ['owner', 'admin'],
    'loyalty.manage': ['owner', 'admin', 'marketer'],
    // A till's or web store's API key (role agent) checks and uses coupons, and redeems rewards for members.
    'coupons.redeem': ['owner', 'admin', 'agent'],
    // A till, web store or survey tool's API key (role agent or marketer) reports events that earning rules reward.
    'loyalty.events': ['owner', 'admin', 'agent', 'marketer'],
  },
  errors: {
    'LOYALTY.NO_PROGRAM': {
      status: 404,
      he: 'מועדון הלקוחות עוד לא הוקם',
      en: 'The loyalty club has not been set up yet',
    },
    'LOYALTY.NOT_MEMBER': { status: 404, he: 'הלקוח אינו חבר מועדון', en: 'The customer is not a club member' },
    'LOYALTY.INSUFFICIENT_POINTS': {
      status: 409,
      he: 'אין מספיק נקודות זמינות',
      en: 'Not enough available points',
    },
    'LOYALTY.INVALID_POINTS': { status: 400, he: 'מספר הנקודות אינו תקין', en: 'The number of points is not valid' },
    'LOYALTY.TIERS_INVALID': {
      status: 400,
      he: 'כל דרגה צריכה סף גבוה מזה של הדרגה שלפניה',
      en: 'Each tier needs a higher threshold than the tier before it',
    },
    'LOYALTY.TIER_IN_USE': {
      status: 409,
      he: 'יש חברים בדרגה הזו: אי אפשר להסיר אותה',
      en: 'Members hold this tier: it cannot be removed',
    },
    ...couponErrors,
    ...rulesErrors,
    ...contestErrors,
    ...referralErrors,
    ...portalErrors,
  },
  timeline: {
    // klient_loyalty_events (the module's migration): bookings and tier changes; a booking's note is blanked by its erase hook.
    sources: {
      'loyalty.club': {
        eventTypes: ['loyalty.points', 'loyalty.tier_changed', 'loyalty.referral', 'loyalty.referral_qualified'],
      },
    },
  },
  routes: async (api, { db, settings, jobs }) => {
    await api.register(loyaltyRoutes, { db, clock: () => new Date() });
    await api.register(rewardsRoutes, { db, clock: () => new Date() });
    await api.register(couponsRoutes, { db, clock: () => new Date() });
    await api.register(referralsRoutes, { db, clock: () => new Date(), publicUrl: settings.publicUrl });
    await api.register(rulesRoutes, { db, clock: () => new Date() });
    await api.register(contestsRoutes, { db, clock: () => new Date() });
    await api.register(portalRoutes, {
      db,
      jobs,
      clock: () => new Date(),
      secureCookies: settings.secureCookies,
      publicUrl: settings.publicUrl,
    });
  },
  customerHooks: loyaltyCustomerHooks,
  subscribers: [
    defineSubscriber({
      name: 'loyalty.earn',
      events: [orderPlaced],
      handle: (trx, ctx, event) =>
        earnForOrder(
          trx,
          ctx,
          {
            orderId: event.payload.orderId,
            customerId: event.payload.customerId,
            total: event.payload.total,
            placedAt: event.payload.placedAt ?? event.occurredAt,
          },
          new Date(),
        ),
      handleBatch: (trx, ctx, events) =>
        earnForOrders(
          trx,
          ctx,
          events.map((event) => ({
            orderId: event.payload.orderId,
            customerId: event.payload.customerId,
            total: event.payload.total,
            placedAt: event.payload.placedAt ?? event.occurredAt,
          })),
          new Date(),
        ),
    }),
    defineSubscriber({
      name: 'loyalty.clawback',
      events: [orderRefunded],
      handle: (trx, ctx, event) =>
        clawBackForRefund(trx, ctx, {
          eventId: event.id,
          orderId: event.payload.orderId,
          amount: event.payload.amount,
          occurredAt: event.occurredAt,
        }),
    }),
  ],
  jobs: [
    {
      queue: MAINTAIN_QUEUE,
      handler:
        ({ db }) =>
        async () => {
          await maintainLoyalty(db, new Date());
        },
      schedule: { cron: '7 * * * *' },
    },
    noticesJob,
    birthdaysJob,
    referralsJob,
  ],
});
