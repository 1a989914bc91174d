import { defineModule } from '../../platform/module.ts';
import { campaignsMigrations } from './campaigns.migrations.ts';
import { campaignsRoutes } from './campaigns.routes.ts';
import {
  campaignsCustomerHooks,
  DISPATCH_QUEUE,
  type DispatchJob,
  dispatchCampaign,
  RESUME_QUEUE,
  resumeCampaigns,
} from './campaigns.service.ts';

/**
 * Campaigns: templates (email through MJML, SMS), and campaigns that send one
 * to a segment's members on each one's consented channel, through the
 * platform outbox, with "פרסומת", the sender and a one-click unsubscribe in
 * every message, consent read at the moment of sending, and quiet hours.
 */
export const campaignsModule = defineModule({
  name: 'campaigns',
  migrations: campaignsMigrations,
  permissions: {
    'campaigns.read': ['owner', 'admin', 'marketer', 'analyst'],
    'campaigns.manage': ['owner', 'admin', 'marketer'],
    'campaigns.send': ['owner', 'admin', 'marketer'],
  },
  errors: {
    'TEMPLATE.NOT_FOUND': { status: 404, he: 'התבנית לא נמצאה', en: 'Template not found' },
    'CAMPAIGN.NOT_FOUND': { status: 404, he: 'הקמפיין לא נמצא', en: 'Campaign not found' },
    'CAMPAIGN.CANCELLED': { status: 409, he: 'הקמפיין בוטל', en: 'The campaign was cancelled' },
    'CAMPAIGN.ALREADY_SENT': { status: 409, he: 'הקמפיין כבר נשלח', en: 'The campaign was already sent' },
    'CAMPAIGN.NOT_DRAFT': {
      status: 409,
      he: 'אפשר לשנות או למחוק רק קמפיין שעוד לא נשלח',
      en: 'Only a campaign not yet sent can be changed or deleted',
    },
    'TEMPLATE.IN_USE': {
      status: 409,
      he: 'התבנית בשימוש של קמפיין: אפשר למחוק רק תבנית שאף קמפיין לא משתמש בה, ולשנות רק כשאף קמפיין שלה לא נשלח כרגע',
      en: 'The template is used by a campaign: it can be deleted only when no campaign uses it, and changed only while none of its campaigns is sending',
    },
  },
  customerHooks: campaignsCustomerHooks,
  routes: async (api, { db, jobs }) => {
    await api.register(campaignsRoutes, { db, jobs, clock: () => new Date() });
  },
  jobs: [
    {
      queue: DISPATCH_QUEUE,
      handler:
        ({ db, jobs, settings }) =>
        async (data: DispatchJob) => {
          await dispatchCampaign(db, jobs, settings.publicUrl, data);
        },
    },
    {
      queue: RESUME_QUEUE,
      handler:
        ({ db, jobs }) =>
        async () => {
          await resumeCampaigns(db, jobs);
        },
      schedule: { cron: '* * * * *' },
    },
  ],
});
