import { defineModule } from '../../platform/module.ts';
import { IMPORT_QUEUE } from './imports.jobs.ts';
import { importsCustomerHooks } from './imports.privacy.ts';
import { importsRoutes } from './imports.routes.ts';
import { type ImportJob, importLimits, runImport } from './imports.service.ts';

/** Imports: customers and orders from the files other systems export, as background jobs. */
export const importsModule = defineModule({
  name: 'imports',
  permissions: {
    'imports.run': ['owner', 'admin', 'marketer'],
  },
  errors: {
    'IMPORT.NOT_FOUND': { status: 404, he: 'הייבוא לא נמצא', en: 'Import not found' },
    'IMPORT.BAD_FILE': { status: 400, he: 'לא ניתן לקרוא את הקובץ', en: 'The file cannot be read' },
    'IMPORT.MISSING_COLUMNS': {
      status: 400,
      he: 'חסרות עמודות חובה בקובץ',
      en: 'Required columns are missing from the file',
    },
  },
  routes: async (api, { db, jobs }) => {
    await api.register(importsRoutes, { db, jobs });
  },
  // Erasing a customer also scrubs the values of theirs that error reports quote.
  customerHooks: importsCustomerHooks,
  // One worker per process: imports run one after another, each in batches that let other requests through.
  jobs: [
    {
      queue: IMPORT_QUEUE,
      handler:
        ({ db }) =>
        (job: ImportJob) =>
          runImport(db, job, importLimits()),
    },
  ],
});
