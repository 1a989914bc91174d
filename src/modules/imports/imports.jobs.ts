import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { registerCustomerHooks } from '../customers/customers.service.ts';
import { importsCustomerHooks } from './imports.privacy.ts';
import { type ImportJob, type ImportLimits, importLimits, runImport } from './imports.service.ts';

export const IMPORT_QUEUE = 'imports.run';

/** One worker per process: imports run one after another, each in batches that let other requests through. */
export async function registerImportJobs(db: Kysely<DB>, jobs: Jobs, limits?: ImportLimits): Promise<void> {
  // Erasing a customer also scrubs the values of theirs that error reports quote.
  registerCustomerHooks('imports', importsCustomerHooks);
  await jobs.work<ImportJob>(IMPORT_QUEUE, (job) => runImport(db, job, limits ?? importLimits()));
}
