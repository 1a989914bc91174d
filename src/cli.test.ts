import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

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

function startServer(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'start'], { env: { ...process.env, ...env }, cwd: root });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 90_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Klient is running')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGTERM');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const pgUrl = process.env.KLIENT_TEST_PG_URL;

describe.skipIf(!!pgUrl)('klient CLI on the embedded database', () => {
  it('creates a workspace, then refuses a second process while a server holds the data directory', async () => {
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

    const server = await startServer(env);
    children.push(server);
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
  });
});

describe.skipIf(!pgUrl)('klient CLI on PostgreSQL', () => {
  it('creates a workspace while a server runs on the same database', async () => {
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
  });
});
