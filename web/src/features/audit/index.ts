import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { auditEn } from './audit.en.ts';
import { auditHe } from './audit.he.ts';
import { AuditPage } from './audit-page.tsx';

/** The log of who changed what. */
export const audit = defineFeature({
  name: 'audit',
  translations: { he: auditHe, en: auditEn },
  routes: ({ app }) => [createRoute({ getParentRoute: () => app, path: '/audit', component: AuditPage })],
  nav: [{ to: '/audit', label: 'audit:nav.audit', icon: 'clock', permission: 'audit.read', testId: 'nav-audit' }],
});
