import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Jobs } from '../../platform/jobs.ts';
import { type ImportJob, type ImportLimits, importLimits, runImport } from './imports.service.ts';

export const IMPORT_QUEUE = 'imports.run';

/** One worker per process: imports run one after another, each in batches that let other requests through. */
export async function registerImportJobs(db: Kysely<DB>, jobs: Jobs, limits?: ImportLimits): Promise<void> {
  await jobs.work<ImportJob>(IMPORT_QUEUE, (job) => runImport(db, job, limits ?? importLimits()));
}
