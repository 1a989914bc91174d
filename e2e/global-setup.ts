import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const root = path.resolve(import.meta.dirname, '..');

/**
 * Starts the real server (built web app, empty database, no demo) for the
 * browser tests: embedded PGlite in a temporary directory, or a fresh
 * PostgreSQL database when KLIENT_TEST_DATABASE_URL is set.
 */
export default async function setup(project: TestProject) {
  const port = 34_000 + (process.pid % 1000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klient-e2e-'));
  const env: Record<string, string> = {
    PORT: String(port),
    KLIENT_DEMO: '0',
    KLIENT_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
  };
  const adminUrl = process.env.KLIENT_TEST_DATABASE_URL;
  const dbName = `klient_e2e_${Date.now()}`;
  if (adminUrl) {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`create database ${dbName}`);
    await client.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  const server: ChildProcess = spawn(process.execPath, ['bin/klient.js', 'start'], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 120_000);
    server.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('Klient is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.stderr?.on('data', (d) => {
      out += d;
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
  project.provide('baseUrl', `http://127.0.0.1:${port}`);
  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (adminUrl) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${dbName} with (force)`);
      await client.end();
    }
  };
}
