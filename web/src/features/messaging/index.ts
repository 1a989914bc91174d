import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { MessagePage } from './message-page.tsx';
import { messagingEn } from './messaging.en.ts';
import { messagingHe } from './messaging.he.ts';
import { messagingTimeline } from './messaging-timeline.tsx';
import { OutboxPage } from './outbox-page.tsx';

/** The outbox: every message sent to people, and the mailbox of those kept here when no mail server is set. */
export const messaging = defineFeature({
  name: 'messaging',
  translations: { he: messagingHe, en: messagingEn },
  routes: ({ app }) => [
    createRoute({ getParentRoute: () => app, path: '/outbox', component: OutboxPage }),
    createRoute({ getParentRoute: () => app, path: '/outbox/$id', component: MessagePage }),
  ],
  timeline: messagingTimeline,
  nav: [
    {
      to: '/outbox',
      label: 'messaging:nav.outbox',
      icon: 'note',
      permission: 'messaging.read',
      testId: 'nav-outbox',
    },
  ],
});
