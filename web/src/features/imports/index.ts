import { createRoute } from '@tanstack/react-router';
import { defineFeature } from '../feature.ts';
import { ImportPage } from './import-page.tsx';
import { importsEn } from './imports.en.ts';
import { importsHe } from './imports.he.ts';

/** Importing customers and orders from CSV or Excel files. */
export const imports = defineFeature({
  name: 'imports',
  translations: { he: importsHe, en: importsEn },
  routes: ({ app }) => [createRoute({ getParentRoute: () => app, path: '/import', component: ImportPage })],
  nav: [
    { to: '/import', label: 'imports:nav.import', icon: 'upload', permission: 'imports.run', testId: 'nav-import' },
  ],
});
