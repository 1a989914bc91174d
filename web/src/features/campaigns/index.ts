import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { EditCampaignPage, NewCampaignPage } from './campaign-editor-page.tsx';
import { CampaignPage } from './campaign-page.tsx';
import { campaignsEn } from './campaigns.en.ts';
import { campaignsHe } from './campaigns.he.ts';
import { CampaignsPage } from './campaigns-page.tsx';
import { NewTemplatePage, TemplatePage } from './template-editor-page.tsx';

/** Campaigns: templates (email blocks or SMS), campaigns to a segment, sending with quiet hours, and the report. */
export const campaigns = defineFeature({
  name: 'campaigns',
  translations: { he: campaignsHe, en: campaignsEn },
  routes: ({ app }) => [
    createRoute({ getParentRoute: () => app, path: '/campaigns', component: CampaignsPage }),
    createRoute({ getParentRoute: () => app, path: '/campaigns/new', component: NewCampaignPage }),
    createRoute({ getParentRoute: () => app, path: '/campaigns/$id', component: CampaignPage }),
    createRoute({ getParentRoute: () => app, path: '/campaigns/$id/edit', component: EditCampaignPage }),
    createRoute({ getParentRoute: () => app, path: '/campaigns/templates/new', component: NewTemplatePage }),
    createRoute({ getParentRoute: () => app, path: '/campaigns/templates/$id', component: TemplatePage }),
  ],
  nav: [
    {
      to: '/campaigns',
      label: 'campaigns:nav.campaigns',
      icon: 'send',
      permission: 'campaigns.read',
      testId: 'nav-campaigns',
    },
  ],
});
