import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { inWorkspace } from '../db/tenancy.ts';
import { createTestWorkspace, getTestApp } from '../test/harness.ts';
import { type Jobs, startJobs } from './jobs.ts';

const adminUrl = process.env.KLIENT_TEST_PG_URL;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('background jobs', () => {
  it('runs a job sent to a queue, once', async () => {
    const { jobs } = await getTestApp();
    const done: string[] = [];
    await jobs.work<{ n: string }>('test.once', async (data) => {
      done.push(data.n);
    });
    await jobs.send('test.once', { n: 'a' });
    await expect.poll(() => done, { timeout: 15_000, interval: 200 }).toEqual(['a']);
  });

  it('enqueues inside a workspace transaction: the job runs once if it commits, never if it rolls back', async () => {
    const t = await getTestApp();
    const ws = await createTestWorkspace(t);
    const done: string[] = [];
    await t.jobs.work<{ n: string }>('test.within', async (data) => {
      done.push(data.n);
    });
    await inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
      await t.jobs.sendWithin(trx, 'test.within', { n: 'committed' });
    });
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, async (trx) => {
        await t.jobs.sendWithin(trx, 'test.within', { n: 'rolled back' });
        throw new Error('the change failed after its job was queued');
      }),
    ).rejects.toThrow('the change failed');
    await expect.poll(() => done, { timeout: 15_000, interval: 200 }).toEqual(['committed']);
    // A job for the rolled-back change would have run by now, beside the committed one.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(done).toEqual(['committed']);
    // A queue nobody declared cannot be created inside the transaction: the caller hears so at once.
    await expect(
      inWorkspace(t.database.db, ws.workspaceId, (trx) => t.jobs.sendWithin(trx, 'test.undeclared', { n: 'x' })),
    ).rejects.toThrow(/not declared/);
  });

  it('runs a scheduled job on its schedule, once per tick', async () => {
    const database = (await getTestApp()).database;
    // A second job runner on the same database, looking at schedules every second.
    const jobs = await startJobs(database, { scheduleCheckSeconds: 1 });
    cleanups.push(() => jobs.stop());
    const queue = `test.every-minute.${Date.now()}`;
    const runs: string[] = [];
    await jobs.work<{ what: string }>(queue, async (data) => {
      runs.push(data.what);
    });
    await jobs.schedule(queue, '* * * * *', { what: 'nightly recompute' }, { tz: 'Asia/Jerusalem' });
    await expect.poll(() => runs, { timeout: 20_000, interval: 250 }).toEqual(['nightly recompute']);
    // The next checks within the same minute send nothing more.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(runs.length).toBeLessThanOrEqual(2);
    await jobs.unschedule(queue);
  });

  it.skipIf(!adminUrl)('starts two servers on one new database at the same moment', async () => {
    const name = `klient_jobs_${Date.now()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl ?? '');
    url.pathname = `/${name}`;
    const [a, b] = await Promise.all([
      openDatabase({ kind: 'postgres', connectionString: url.toString(), max: 2 }),
      openDatabase({ kind: 'postgres', connectionString: url.toString(), max: 2 }),
    ]);
    const started: Jobs[] = await Promise.all([startJobs(a), startJobs(b)]);
    cleanups.push(async () => {
      for (const j of started) await j.stop();
      await a.close();
      await b.close();
      const drop = new pg.Client({ connectionString: adminUrl });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`);
      await drop.end();
    });
    const handled: string[] = [];
    // Both create the same queues at once, as two servers starting together do.
    await Promise.all(
      started.flatMap((jobs, i) =>
        ['q.one', 'q.two', 'q.three'].map((queue) =>
          jobs.work<{ id: string }>(queue, async (data) => {
            handled.push(`${i}:${data.id}`);
          }),
        ),
      ),
    );
    await started[0]?.send('q.two', { id: 'x' });
    await expect.poll(() => handled.length, { timeout: 15_000, interval: 200 }).toBe(1);
    expect(handled[0]).toMatch(/^[01]:x$/);
  });
});
