/** The queue one message waits in (a code, a points notice); its worker is declared in messaging.module.ts. */
export const SEND_QUEUE = 'messaging.send';

/** The queue many messages wait in together (a campaign's batch): one job, one claim, one pool of connections. */
export const SEND_BATCH_QUEUE = 'messaging.send-batch';

/** Every minute: messages left `sending` by a process that died are handed to a new batch job. */
export const SWEEP_QUEUE = 'messaging.sweep';

/** What a send job carries: ids only, so pg-boss's tables never hold a person's address or text. */
export type SendJob = { workspaceId: string; messageId: string };
export type SendBatchJob = { workspaceId: string; messageIds: string[] };

/** How many times a message is tried before it is `failed`. */
export const MAX_ATTEMPTS = 5;

/** The most messages one batch job carries. */
export const MAX_BATCH = 500;

/**
 * A send that has been `sending` this long is taken to have died with its
 * process, and is taken over (KLIENT_SEND_LEASE_SECONDS changes it). pg-boss
 * gives up on the job after the same time, and the mail server's timeouts
 * (messaging.mailer.ts) end well before it.
 */
export const LEASE_SECONDS = 300;

/** How many SMTP connections a batch sends over at once (KLIENT_SMTP_CONNECTIONS changes it). */
export const CONNECTIONS = 8;

/**
 * pg-boss retries a failed send after 30 s, then about twice as long each time
 * (30 s, 1 min, 2 min, 4 min); the job's id is the message's, so one message
 * has one job.
 */
export const sendOptions = (messageId: string, leaseSeconds = LEASE_SECONDS) => ({
  id: messageId,
  retryLimit: MAX_ATTEMPTS - 1,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: leaseSeconds,
});

/**
 * A batch job is tried again only when it died as a whole (its process, the
 * database); a message the mail server refused for now is put in a new batch
 * of its own, at the wait its attempt calls for (retryAfterSeconds).
 */
export const batchOptions = (leaseSeconds = LEASE_SECONDS) => ({
  retryLimit: 3,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: leaseSeconds,
});

/** The wait before attempt `attempt + 1`: 30 s, 1 min, 2 min, 4 min. */
export const retryAfterSeconds = (attempt: number) => 30 * 2 ** Math.max(0, attempt - 1);
