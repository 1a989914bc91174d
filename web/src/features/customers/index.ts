import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { ConsentsPanel } from './consents-panel.tsx';
import { CustomerPage, ProfileCard } from './customer-page.tsx';
import { parseCustomerSearch } from './customer-search.ts';
import { customerTimeline } from './customer-timeline.tsx';
import { customersEn } from './customers.en.ts';
import { customersHe } from './customers.he.ts';
import { CustomersPage } from './customers-page.tsx';
import { DuplicatesPanel } from './duplicates-panel.tsx';
import { TimelinePanel } from './timeline-panel.tsx';

/** The customer list and the customer's page: her details, consents, duplicates and timeline. */
export const customers = defineFeature({
  name: 'customers',
  translations: { he: customersHe, en: customersEn },
  routes: ({ app }) => [
    createRoute({
      getParentRoute: () => app,
      path: '/customers',
      component: CustomersPage,
      validateSearch: parseCustomerSearch,
    }),
    createRoute({ getParentRoute: () => app, path: '/customers/$id', component: CustomerPage }),
  ],
  nav: [
    {
      to: '/customers',
      label: 'customers:nav.customers',
      icon: 'users',
      permission: 'customers.read',
      testId: 'nav-customers',
    },
  ],
  timeline: customerTimeline,
  customerPanels: [
    { id: 'timeline', column: 'main', Panel: TimelinePanel },
    { id: 'consents', column: 'side', Panel: ConsentsPanel },
    { id: 'duplicates', column: 'side', Panel: DuplicatesPanel },
    { id: 'profile', column: 'side', Panel: ProfileCard },
  ],
});
