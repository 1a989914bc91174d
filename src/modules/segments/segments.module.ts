import { defineModule } from '../../platform/module.ts';
import { REFRESH_QUEUE, refreshDueSegments } from './segments.jobs.ts';
import { segmentsMigrations } from './segments.migrations.ts';
import { segmentsRoutes } from './segments.routes.ts';
import { segmentsCustomerHooks } from './segments.service.ts';

/**
 * Segments: groups of customers by rules over every module's segment fields
 * (profile, consent, purchases, the club), counted live while they are
 * written and saved with their members, refreshed on demand and by the clock.
 * Campaigns send to a segment's members through segments.service.ts.
 */
export const segmentsModule = defineModule({
  name: 'segments',
  migrations: segmentsMigrations,
  // Marketers build audiences; analysts read them.
  permissions: {
    'segments.read': ['owner', 'admin', 'marketer', 'analyst'],
    'segments.manage': ['owner', 'admin', 'marketer'],
  },
  errors: {
    'SEGMENT.NOT_FOUND': { status: 404, he: 'הקהל לא נמצא', en: 'Segment not found' },
    'SEGMENT.NAME_TAKEN': { status: 409, he: 'כבר יש קהל בשם הזה', en: 'A segment with this name already exists' },
  },
  customerHooks: segmentsCustomerHooks,
  routes: async (api, { db }) => {
    await api.register(segmentsRoutes, { db, clock: () => new Date() });
  },
  jobs: [
    {
      queue: REFRESH_QUEUE,
      handler:
        ({ db }) =>
        async () => {
          await refreshDueSegments(db, new Date());
        },
      schedule: { cron: '17 * * * *' },
    },
  ],
});
