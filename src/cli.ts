import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { openConfiguredDatabase, startRuntime } from './app-runtime.ts';
import { ConfigError, isNetworkHost, listeningUrl, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { DB } from './db/schema.ts';
import { inSystem, inWorkspace } from './db/tenancy.ts';
import { seedDemo } from './demo/demo.ts';
import { modules } from './modules/index.ts';
import { createApiKey, createWorkspace, isSetupNeeded } from './platform/auth.service.ts';
import { systemCtx } from './platform/context.ts';
import { installModules } from './platform/registry.ts';
import { builtWebApp, WEB_APP_MISSING } from './server.ts';

const usage = `Usage: klient <command>

  start                      start the server (PORT, HOST, KLIENT_PUBLIC_URL, DATABASE_URL, KLIENT_DATA_DIR, KLIENT_DEMO=0)
  migrate                    bring the database schema up to date
  demo                       load the demo business into an empty database
  admin create-workspace --name N --owner-email E --owner-password P [--owner-name N] [--json]
  bench [NAME [ARGS]]        list the benchmarks in bench/, or run bench/NAME.bench.ts (docs/benchmarks.md)
`;

async function main(argv: string[]): Promise<number> {
  installModules(modules);
  const config = loadConfig();
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(config);
    case 'migrate': {
      const database = await openConfiguredDatabase(config);
      try {
        const applied = await migrateToLatest(database.db as never);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The schema is up to date.');
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'demo': {
      const database = await openConfiguredDatabase(config);
      try {
        await migrateToLatest(database.db as never);
        if (!(await isSetupNeeded(database.db))) {
          console.error('The database already has a workspace; the demo loads only into an empty database.');
          return 1;
        }
        const demo = await seedDemo(database.db, { log: (line) => console.log(line) });
        console.log(`Demo business ready. Log in as ${demo.ownerEmail} / ${demo.ownerPassword}`);
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'admin':
      return admin(config, rest);
    case 'bench':
      return bench(rest);
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return command === undefined ? 1 : 0;
    default:
      console.error(`Unknown command: ${command}\n\n${usage}`);
      return 1;
  }
}

/** The benchmarks are the files bench/NAME.bench.ts: each runs in its own process, with its own arguments. */
async function bench(args: string[]): Promise<number> {
  const dir = path.resolve(import.meta.dirname, '..', 'bench');
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
    .sort();
  const [name, ...rest] = args;
  if (!name || !names.includes(name)) {
    if (name) console.error(`No benchmark named ${name}.`);
    console.log(`Benchmarks (klient bench NAME [ARGS]): ${names.join(', ')}`);
    return name ? 1 : 0;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.bench.ts`), ...rest], {
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function admin(config: ReturnType<typeof loadConfig>, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create-workspace') {
    console.error(usage);
    return 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      'owner-email': { type: 'string' },
      'owner-password': { type: 'string' },
      'owner-name': { type: 'string' },
      locale: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const name = values.name;
  const email = values['owner-email'];
  const password = values['owner-password'];
  if (!name || !email || !password) {
    console.error('create-workspace needs --name, --owner-email and --owner-password');
    return 1;
  }
  if (password.length < 10) {
    console.error('The owner password needs at least 10 characters');
    return 1;
  }
  const database = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db as never);
    const { workspaceId, ownerId } = await createWorkspace(database.db, {
      name,
      ownerName: values['owner-name'] ?? email,
      ownerEmail: email,
      ownerPassword: password,
      locale: values.locale === 'en' ? 'en' : 'he',
    });
    const ctx = systemCtx(workspaceId);
    const key = await inWorkspace(database.db, workspaceId, (trx) =>
      createApiKey(
        trx,
        { ...ctx, actor: { type: 'user', id: ownerId, role: 'owner', name: 'cli' } },
        { name: 'cli', role: 'owner' },
      ),
    );
    if (values.json) console.log(JSON.stringify({ workspaceId, apiKey: key.key }));
    else console.log(`Workspace ${workspaceId} created.\nAPI key (shown once): ${key.key}`);
  } finally {
    await database.close();
  }
  return 0;
}

async function start(config: ReturnType<typeof loadConfig>): Promise<number> {
  const runtime = await startRuntime(config);
  if (config.demo && (await isSetupNeeded(runtime.database.db))) {
    console.log('Empty database: loading the demo business (KLIENT_DEMO=0 starts empty) ...');
    const demo = await seedDemo(runtime.database.db, {
      log: (line) => console.log(line),
      jobs: runtime.jobs,
      publicUrl: config.publicUrl,
    });
    console.log(`Demo business ready. Log in as ${demo.ownerEmail} / ${demo.ownerPassword}`);
  }
  await runtime.app.listen({ port: config.port, host: config.host });
  const database = runtime.database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  const network = isNetworkHost(config.host);
  console.log(
    network
      ? `Klient is running on ${listeningUrl(config.host, config.port)}, listening on ${config.host}: reachable from the network (${database})`
      : `Klient is running on ${listeningUrl(config.host, config.port)}, listening on ${config.host}: this machine only, HOST=0.0.0.0 opens it to the network (${database})`,
  );
  if (config.publicUrl !== listeningUrl(config.host, config.port))
    console.log(`Links in invitations start with ${config.publicUrl}`);
  else if (network)
    console.log(`Links in invitations start with ${config.publicUrl}: set KLIENT_PUBLIC_URL to the address people use`);
  if (network && (await hasDemoOwner(runtime.database.db))) {
    console.log('Warning: the demo business is reachable from the network, and its password is in the README.');
  }
  if (!builtWebApp(config.webDir)) console.log(WEB_APP_MISSING);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise(() => undefined);
}

// The demo business's login is printed in the README (src/demo/demo.ts makes it).
async function hasDemoOwner(db: Kysely<DB>): Promise<boolean> {
  const row = await inSystem(db, (trx) =>
    trx.selectFrom('users').select('id').where('email', '=', 'owner@demo.klient.co.il').executeTakeFirst(),
  );
  return row !== undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof DataDirLockedError || error instanceof ConfigError) {
      console.error(`klient: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  },
);
