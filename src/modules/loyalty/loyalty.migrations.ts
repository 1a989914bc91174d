import type { Migration } from 'kysely';
import * as loyaltyClub from './migrations/20261202_030000_loyalty_club.ts';
import * as rewardsCoupons from './migrations/20261202_040000_rewards_coupons.ts';
import * as earningRules from './migrations/20261202_050000_earning_rules.ts';
import * as referrals from './migrations/20261202_060000_referrals.ts';
import * as memberPortal from './migrations/20261202_070000_member_portal.ts';
import * as contests from './migrations/20261202_080000_contests.ts';
import * as ledgerReportIndexes from './migrations/20261203_090000_ledger_report_indexes.ts';

/** The loyalty module's schema changes, by their names in kysely_migration. */
export const loyaltyMigrations: Record<string, Migration> = {
  '20261202_030000_loyalty_club': loyaltyClub,
  '20261202_040000_rewards_coupons': rewardsCoupons,
  '20261202_050000_earning_rules': earningRules,
  '20261202_060000_referrals': referrals,
  '20261202_070000_member_portal': memberPortal,
  '20261202_080000_contests': contests,
  '20261203_090000_ledger_report_indexes': ledgerReportIndexes,
};
