import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { NewSegmentPage, SegmentPage } from './segment-editor-page.tsx';
import { segmentsEn } from './segments.en.ts';
import { segmentsHe } from './segments.he.ts';
import { SegmentsPage } from './segments-page.tsx';

/** Segments: groups of customers by rules over every module's fields, with a live count, kept up to date. */
export const segments = defineFeature({
  name: 'segments',
  translations: { he: segmentsHe, en: segmentsEn },
  routes: ({ app }) => [
    createRoute({ getParentRoute: () => app, path: '/segments', component: SegmentsPage }),
    createRoute({ getParentRoute: () => app, path: '/segments/new', component: NewSegmentPage }),
    createRoute({ getParentRoute: () => app, path: '/segments/$id', component: SegmentPage }),
  ],
  nav: [
    {
      to: '/segments',
      label: 'segments:nav.segments',
      icon: 'filter',
      permission: 'segments.read',
      testId: 'nav-segments',
    },
  ],
});
