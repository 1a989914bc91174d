import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Jobs } from '../../platform/jobs.ts';

export const IMPORT_QUEUE = 'imports.run';

export async function registerImportJobs(_db: Kysely<DB>, _jobs: Jobs): Promise<void> {}
