import path from 'node:path';

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  demo: boolean;
  secureCookies: boolean;
  logLevel: string;
  trustProxy: boolean;
  /** Memory for customer pages kept between changes (PostgreSQL only); 0 turns it off. */
  pageCacheMb: number;
};

/** Reads the process environment once; every other module takes a Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.KLIENT_DATA_DIR ?? '.klient'),
    demo: env.KLIENT_DEMO !== '0',
    secureCookies: env.KLIENT_SECURE_COOKIES === '1',
    logLevel: env.LOG_LEVEL ?? 'warn',
    trustProxy: env.KLIENT_TRUST_PROXY === '1',
    pageCacheMb: Number(env.KLIENT_PAGE_CACHE_MB ?? 64),
  };
}
