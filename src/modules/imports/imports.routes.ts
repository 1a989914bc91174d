import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Jobs } from '../../platform/jobs.ts';

export const importsRoutes: FastifyPluginAsyncZod<{ db: Kysely<DB>; jobs: Jobs }> = async () => {};
