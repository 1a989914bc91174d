/** The queue outbox messages wait in; its worker is declared in messaging.module.ts. */
export const SEND_QUEUE = 'messaging.send';

/** What a send job carries: ids only, so pg-boss's tables never hold a person's address or text. */
export type SendJob = { workspaceId: string; messageId: string };

/** How many times a message is tried before it is `failed`. */
export const MAX_ATTEMPTS = 5;

/**
 * A send that has been `sending` this long is taken to have died with its
 * process, and is taken over. pg-boss gives up on the job after the same time,
 * and the mail server's timeouts (messaging.mailer.ts) end well before it.
 */
export const LEASE_SECONDS = 300;

/**
 * pg-boss retries a failed send after 30 s, then about twice as long each time
 * (30 s, 1 min, 2 min, 4 min); the job's id is the message's, so one message
 * has one job.
 */
export const sendOptions = (messageId: string) => ({
  id: messageId,
  retryLimit: MAX_ATTEMPTS - 1,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: LEASE_SECONDS,
});
