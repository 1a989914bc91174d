import pg from 'pg';

/**
 * With KLIENT_TEST_DATABASE_URL set, the suite runs on PostgreSQL in a fresh
 * database made for this run (and dropped after), so runs never see each
 * other's data. Otherwise every worker uses an in-memory PGlite.
 */
export default async function setup() {
  const url = process.env.KLIENT_TEST_DATABASE_URL;
  if (!url) return;
  const name = `klient_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  process.env.KLIENT_TEST_PG_URL = target.toString();
  return async () => {
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  };
}
