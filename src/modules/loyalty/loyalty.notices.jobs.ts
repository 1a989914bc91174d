import type { ModuleJob } from '../../platform/module.ts';
import { sendLoyaltyNotices } from './loyalty.notices.ts';

export const NOTICES_QUEUE = 'loyalty.notices';

/**
 * Every hour, after the club's maintenance (minute 7) has released and
 * expired: members told of points that became available and warned of points
 * about to expire (loyalty.notices.ts). A run twice or late tells each thing once.
 */
export const noticesJob: ModuleJob = {
  queue: NOTICES_QUEUE,
  handler:
    ({ db, jobs }) =>
    async () => {
      await sendLoyaltyNotices(db, jobs, new Date());
    },
  schedule: { cron: '37 * * * *' },
};
