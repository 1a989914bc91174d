import path from 'node:path';

export type Config = {
  port: number;
  /** The address the server listens on: 127.0.0.1 (this machine only) unless HOST says otherwise. */
  host: string;
  /** Where people reach the server; the start of every link Klient hands out (invitations). */
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** The built web app (KLIENT_WEB_DIR; default dist/web of this checkout). */
  webDir: string | undefined;
  demo: boolean;
  secureCookies: boolean;
  logLevel: string;
  trustProxy: boolean;
  /** Memory for customer pages kept between changes (PostgreSQL only); 0 turns it off. */
  pageCacheMb: number;
  /** The mail server messages go out through (KLIENT_SMTP_URL); null keeps them in the outbox screen. */
  smtpUrl: string | null;
  /** The sender of that mail (KLIENT_MAIL_FROM), e.g. `Café Dana <club@cafe-dana.co.il>`. */
  mailFrom: string | null;
  /** Seconds before a send that never finished is taken over (KLIENT_SEND_LEASE_SECONDS, 5–3600; default 300). */
  sendLeaseSeconds: number;
  /** SMTP connections a batch of messages goes out over (KLIENT_SMTP_CONNECTIONS, 1–50; default 8). */
  smtpConnections: number;
};

/** A setting that cannot be used; the CLI prints its message alone and stops. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const wildcardHosts = new Set(['0.0.0.0', '::', '[::]']);

/** True when the address accepts connections from other machines, not only this one. */
export function isNetworkHost(host: string): boolean {
  return !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) && !host.startsWith('127.');
}

/** The URL of the listening address; for a wildcard (all interfaces) this machine's name for itself. */
export function listeningUrl(host: string, port: number): string {
  const name = wildcardHosts.has(host) ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

function publicUrlFrom(value: string | undefined, fallback: string): string {
  if (!value) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`KLIENT_PUBLIC_URL must be a full address such as https://crm.example.co.il, not "${value}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
    throw new ConfigError(
      `KLIENT_PUBLIC_URL must be an http(s) address with no query, fragment or user, such as https://crm.example.co.il, not "${value}"`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function smtpUrlFrom(value: string | undefined): string | null {
  if (!value) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  // Never echo the value: it holds the mail server's password.
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new ConfigError(
      'KLIENT_SMTP_URL must be a mail server address such as smtp://user:password@smtp.example.co.il:587 (or smtps:// for port 465)',
    );
  }
  return value;
}

function mailFromFrom(value: string | undefined, smtpUrl: string | null): string | null {
  const from = value?.trim() || null;
  if (smtpUrl && !from) {
    throw new ConfigError(
      'KLIENT_MAIL_FROM must say who mail is from when KLIENT_SMTP_URL is set, e.g. club@example.co.il',
    );
  }
  if (from && !/^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(from)) {
    throw new ConfigError(`KLIENT_MAIL_FROM must be an address, or a name and <address>, not "${from}"`);
  }
  return from;
}

function wholeNumberFrom(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  }
  return n;
}

/** Reads the process environment once; every other module takes a Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  // The demo business's password is in the README: the network is opt-in (HOST=0.0.0.0).
  const host = env.HOST || '127.0.0.1';
  const smtpUrl = smtpUrlFrom(env.KLIENT_SMTP_URL);
  return {
    port,
    host,
    publicUrl: publicUrlFrom(env.KLIENT_PUBLIC_URL, listeningUrl(host, port)),
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.KLIENT_DATA_DIR ?? '.klient'),
    webDir: env.KLIENT_WEB_DIR ? path.resolve(env.KLIENT_WEB_DIR) : undefined,
    demo: env.KLIENT_DEMO !== '0',
    secureCookies: env.KLIENT_SECURE_COOKIES === '1',
    logLevel: env.LOG_LEVEL ?? 'warn',
    trustProxy: env.KLIENT_TRUST_PROXY === '1',
    pageCacheMb: Number(env.KLIENT_PAGE_CACHE_MB ?? 64),
    smtpUrl,
    mailFrom: mailFromFrom(env.KLIENT_MAIL_FROM, smtpUrl),
    sendLeaseSeconds: wholeNumberFrom('KLIENT_SEND_LEASE_SECONDS', env.KLIENT_SEND_LEASE_SECONDS, 300, 5, 3600),
    smtpConnections: wholeNumberFrom('KLIENT_SMTP_CONNECTIONS', env.KLIENT_SMTP_CONNECTIONS, 8, 1, 50),
  };
}
