import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/database.ts';
import { inWorkspace } from './db/tenancy.ts';
import { revokeApiKey } from './platform/api-keys.service.ts';
import { systemCtx } from './platform/context.ts';
import { sha256 } from './platform/crypto.ts';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/klient.js');

type Run = { code: number | null; stdout: string; stderr: string };

function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `klient start` and resolves once it says it runs, with what it printed until then. */
function startServer(env: Record<string, string>): Promise<ChildProcess & { startup: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'start'], { env: { ...process.env, ...env }, cwd: root });
    let out = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 240_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (started || !out.includes('Klient is running')) return;
      started = true;
      clearTimeout(timer);
      // The lines after "running" are printed right after it.
      setTimeout(() => resolve(Object.assign(child, { startup: out })), 500);
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

/** This machine's first address on a network (not loopback), if it has one. */
const networkAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const pgUrl = process.env.KLIENT_TEST_PG_URL;
// Each test spawns Node processes that load the whole CLI: minutes on a busy machine.
const SPAWNING = 300_000;

describe.skipIf(!!pgUrl)('klient CLI on the embedded database', () => {
  it(
    'creates a workspace, then refuses a second process while a server holds the data directory',
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-cli-'));
      dirs.push(dataDir);
      const env = { KLIENT_DATA_DIR: dataDir, KLIENT_DEMO: '0', PORT: String(31_000 + (process.pid % 1000)) };

      const created = await run(
        [
          'admin',
          'create-workspace',
          '--name',
          'מאפיית השכונה',
          '--owner-email',
          'a@b.co.il',
          '--owner-password',
          'long-enough-pw',
          '--json',
        ],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
      const { workspaceId, apiKey } = JSON.parse(created.stdout.trim().split('\n').at(-1) ?? '{}');
      expect(workspaceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(apiKey).toMatch(/^kl_/);

      const server = await startServer({ ...env, HOST: '' });
      children.push(server);
      // Without HOST it listens on this machine only, and says so.
      expect(server.startup).toContain(
        `Klient is running on http://127.0.0.1:${env.PORT}, listening on 127.0.0.1: this machine only`,
      );
      if (networkAddress) expect(await reachable(`http://${networkAddress}:${env.PORT}/healthz`)).toBe(false);
      const before = fs.readdirSync(path.join(dataDir, 'pgdata')).sort();

      const second = await run(
        [
          'admin',
          'create-workspace',
          '--name',
          'x',
          '--owner-email',
          'x@y.co.il',
          '--owner-password',
          'long-enough-pw',
          '--json',
        ],
        env,
      );
      expect(second.code).toBe(2);
      expect(second.stderr).toContain('in use by another Klient process');
      expect(fs.readdirSync(path.join(dataDir, 'pgdata')).sort()).toEqual(before);

      // The running server still answers with the key the CLI printed.
      const res = await fetch(`http://127.0.0.1:${env.PORT}/api/v1/customers`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(res.status).toBe(200);
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));

      // Once the server has stopped, the admin command works again.
      const third = await run(
        [
          'admin',
          'create-workspace',
          '--name',
          'שלישי',
          '--owner-email',
          'c@d.co.il',
          '--owner-password',
          'long-enough-pw',
          '--json',
        ],
        env,
      );
      expect(third.code, third.stderr).toBe(0);
    },
    SPAWNING,
  );
});

describe.skipIf(!pgUrl)('klient CLI on PostgreSQL', () => {
  it(
    'creates a workspace while a server runs on the same database',
    async () => {
      const env = { DATABASE_URL: pgUrl ?? '', KLIENT_DEMO: '0', PORT: String(32_000 + (process.pid % 1000)) };
      const server = await startServer(env);
      children.push(server);
      const created = await run(
        [
          'admin',
          'create-workspace',
          '--name',
          'סניף',
          '--owner-email',
          'pg@b.co.il',
          '--owner-password',
          'long-enough-pw',
          '--json',
        ],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
      const { apiKey } = JSON.parse(created.stdout.trim().split('\n').at(-1) ?? '{}');
      const res = await fetch(`http://127.0.0.1:${env.PORT}/api/v1/customers`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(res.status).toBe(200);
      expect((await res.json()).items).toEqual([]);

      // A key revoked by another process (here, this one) is refused by the server at once,
      // though the server had just looked it up and keeps keys for 10 seconds.
      const database = await openDatabase({ kind: 'postgres', connectionString: pgUrl ?? '', max: 1 });
      try {
        const key = await database.db
          .selectFrom('api_keys')
          .select(['workspace_id', 'id'])
          .where('key_hash', '=', sha256(apiKey))
          .executeTakeFirstOrThrow();
        const use = () =>
          fetch(`http://127.0.0.1:${env.PORT}/api/v1/customers`, { headers: { authorization: `Bearer ${apiKey}` } });
        expect((await use()).status).toBe(200);
        const cachedAt = Date.now();
        await inWorkspace(database.db, key.workspace_id, (trx) =>
          revokeApiKey(trx, systemCtx(key.workspace_id), key.id),
        );
        // Heard within moments, not at the end of the cache's 10 seconds.
        let status = (await use()).status;
        for (let i = 0; i < 20 && status === 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          status = (await use()).status;
        }
        expect(status).toBe(401);
        expect(Date.now() - cachedAt).toBeLessThan(9_000);
      } finally {
        await database.close();
      }
    },
    SPAWNING,
  );
});

describe('start-up settings', () => {
  it('listens on 127.0.0.1 unless HOST says otherwise, and links start with KLIENT_PUBLIC_URL or the listening address', () => {
    expect(loadConfig({})).toMatchObject({ host: '127.0.0.1', port: 3000, publicUrl: 'http://127.0.0.1:3000' });
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' })).toMatchObject({
      host: '0.0.0.0',
      publicUrl: 'http://localhost:8080',
    });
    expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:3000');
    expect(loadConfig({ KLIENT_PUBLIC_URL: 'https://crm.example.co.il/' }).publicUrl).toBe('https://crm.example.co.il');
    expect(loadConfig({ KLIENT_PUBLIC_URL: 'https://example.co.il/crm/' }).publicUrl).toBe('https://example.co.il/crm');
    for (const bad of ['crm.example.co.il', 'ftp://crm.example.co.il', 'https://crm.example.co.il/?x=1']) {
      expect(() => loadConfig({ KLIENT_PUBLIC_URL: bad })).toThrow(ConfigError);
    }
  });

  it(
    'a bad KLIENT_PUBLIC_URL stops the CLI with one line naming it',
    async () => {
      const result = await run(['migrate'], { KLIENT_PUBLIC_URL: 'crm.example.co.il' });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toMatch(/^klient: KLIENT_PUBLIC_URL must be a full address/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    },
    SPAWNING,
  );

  it(
    'HOST=0.0.0.0 opens it to the network and says so; with no built web app, / says how to build it',
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-host-'));
      const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-noweb-'));
      dirs.push(dataDir, webDir);
      const port = String(33_000 + (process.pid % 1000));
      const server = await startServer({
        KLIENT_DATA_DIR: dataDir,
        KLIENT_DEMO: '0',
        DATABASE_URL: '',
        PORT: port,
        HOST: '0.0.0.0',
        KLIENT_WEB_DIR: webDir,
      });
      children.push(server);
      expect(server.startup).toContain('listening on 0.0.0.0: reachable from the network');
      expect(server.startup).toContain('set KLIENT_PUBLIC_URL');
      expect(server.startup).toContain('The web app is not built: run `npm run build:web`');
      if (networkAddress) expect(await reachable(`http://${networkAddress}:${port}/healthz`)).toBe(true);

      for (const page of ['/', '/customers']) {
        const res = await fetch(`http://127.0.0.1:${port}${page}`);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toContain('text/html');
        expect(await res.text()).toContain('npm run build:web');
      }
      const api = await fetch(`http://127.0.0.1:${port}/api/v1/nothing-here`);
      // The API still answers as the API (a problem), not with the page.
      expect(api.status).not.toBe(503);
      expect(api.headers.get('content-type')).toContain('application/problem+json');
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    },
    SPAWNING,
  );
});
