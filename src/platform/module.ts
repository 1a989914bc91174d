import type { FastifyInstance } from 'fastify';
import type { Kysely, Migration } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { Trx } from '../db/tenancy.ts';
import type { Ctx } from './context.ts';
import type { EventDefinition, Subscriber } from './events.ts';
import type { JobHandler, Jobs } from './jobs.ts';
import type { Role } from './platform.tables.ts';
import type { SegmentFieldSpec } from './segment-fields.ts';

/**
 * The module contract. A module is one folder that exports one of these
 * (`<name>.module.ts`); `src/modules/index.ts` lists them, and everything
 * central is derived from that list: the migrator, the routes (and so the
 * OpenAPI), the permission and error types with their HTTP statuses and
 * messages, the customer hooks, the event subscribers and the jobs. Nothing
 * registers itself when its file is imported. docs/architecture.md walks
 * through adding one.
 */
export type KlientModule = {
  /** Lower-case, the folder's name; also the prefix of its permissions, errors and events. */
  readonly name: string;
  /** Schema changes by their names in kysely_migration (`YYYYMMDD_HHMMSS_what`), in `<module>/migrations/`. */
  readonly migrations?: Readonly<Record<string, Migration>>;
  /** Each permission with the roles that hold it. */
  readonly permissions?: Readonly<Record<string, readonly Role[]>>;
  /** Each error code with its HTTP status and its title in Hebrew and English. */
  readonly errors?: Readonly<Record<string, ErrorSpec>>;
  /** Its API, under /api/v1. */
  readonly routes?: (api: FastifyInstance, deps: ModuleDeps) => Promise<void>;
  /** What it puts on the customer's timeline, and whether that holds the person's text. */
  readonly timeline?: TimelineSpec;
  /** What it does when a customer is merged, exported or erased. */
  readonly customerHooks?: CustomerHooks;
  /** Domain events it handles, each once (src/platform/events.ts). */
  readonly subscribers?: readonly Subscriber<EventDefinition>[];
  /** Its background work: a queue, its handler and, if it runs on a clock, a cron schedule. */
  readonly jobs?: readonly ModuleJob[];
  /** What a segment's rules may test of a customer in this module, by key (`orders.count`): src/platform/segment-fields.ts. */
  readonly segmentFields?: Readonly<Record<string, SegmentFieldSpec>>;
};

/**
 * A module's part of the customer timeline. `recorded`: the event types it
 * writes into timeline_events; an erasure blanks the data of every type that
 * holds the person's text (and of any type nobody declared). `sources`: the
 * catalogue entries its migrations register (src/platform/timeline-sources.ts), with the
 * event types each gives; its own erase hook scrubs what they read.
 */
export type TimelineSpec = {
  readonly recorded?: Readonly<Record<string, { readonly personalData: boolean }>>;
  readonly sources?: Readonly<Record<string, { readonly eventTypes: readonly string[] }>>;
};

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429;
export type ErrorSpec = { readonly status: ErrorStatus; readonly he: string; readonly en: string };

/** What a module's routes and jobs are given: the database, the job queue and the server's settings. */
export type ModuleDeps = {
  database: Database;
  db: Kysely<DB>;
  jobs: Jobs;
  settings: ServerSettings;
};

export type ServerSettings = {
  secureCookies: boolean;
  /** Where people reach the server (KLIENT_PUBLIC_URL); links sent to them start with it. */
  publicUrl: string;
  /** Memory for customer pages kept between changes (PostgreSQL only); 0 turns it off. */
  pageCacheMb: number;
  /** Outgoing mail (KLIENT_SMTP_URL, KLIENT_MAIL_FROM); with no server, messages stay in the outbox screen. */
  mail: MailSettings;
};

export type MailSettings = {
  smtpUrl: string | null;
  from: string | null;
  /** Seconds after which a send that never finished is taken to have died with its process (default 300). */
  leaseSeconds?: number;
  /** SMTP connections a batch of messages goes out over (default 8). */
  connections?: number;
};

export type ModuleJob = {
  queue: string;
  // biome-ignore lint/suspicious/noExplicitAny: each queue's payload is its own module's type
  handler: (deps: ModuleDeps) => JobHandler<any>;
  schedule?: { cron: string; data?: object; tz?: string };
};

/**
 * What other modules plug into a customer's life: a merge moves their rows
 * to the survivor, an export adds their part, an erasure scrubs it.
 */
export type CustomerHooks = {
  merge?: (trx: Trx, ctx: Ctx, ids: { survivorId: string; mergedId: string }) => Promise<void>;
  export?: (trx: Trx, ctx: Ctx, customerId: string) => Promise<Record<string, unknown>>;
  /** Runs before the customer's own record is blanked; `person` is how the person was known, to find copies. */
  erase?: (trx: Trx, ctx: Ctx, customerId: string, person: ErasedPerson) => Promise<void>;
};

/** The values that identified an erased person (profile and every identity), for scrubbing copies of them. */
export type ErasedPerson = { emails: string[]; phones: string[]; externalIds: string[] };

/** Declares a module, keeping its permission and error names as literal types for the derived unions. */
export function defineModule<const M extends KlientModule>(module: M): M {
  return module;
}

/** The permissions a list of modules declares, as one union. */
export type PermissionsOf<L extends readonly KlientModule[]> = {
  [K in keyof L]: L[K] extends { permissions: infer P } ? keyof P & string : never;
}[number];

/** The error codes a list of modules declares, as one union. */
export type ErrorCodesOf<L extends readonly KlientModule[]> = {
  [K in keyof L]: L[K] extends { errors: infer E } ? keyof E & string : never;
}[number];
