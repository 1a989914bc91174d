import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inWorkspace } from '../../db/tenancy.ts';
import { MAX_ATTEMPTS, type SendJob } from './messaging.jobs.ts';
import { type Mailer, SendFailure } from './messaging.mailer.ts';
import { lockForDelivery, updateDelivery } from './messaging.repository.ts';

type Claimed = {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  unsubscribeUrl: string | null;
  attempt: number;
};

/**
 * The send job: delivers one outbox message. Safe to run twice (a retry, a
 * job pg-boss hands out again): a message that is sent, kept, failed or
 * cancelled is left alone, and one another run is sending now makes this run
 * wait for a later retry. No transaction stays open while the mail server
 * talks: the message is claimed (`sending`) in one, and its outcome written in
 * another.
 *
 * With no mail server (`mailer` null), and for SMS, which has no provider
 * yet, delivery is keeping it: `delivered_locally`, for the outbox screen. A
 * failed send is tried again by pg-boss with growing waits, up to
 * MAX_ATTEMPTS; a refusal that cannot change (a 5xx: no such mailbox) fails at
 * once. What pg-boss records of a failure is only that it failed: the server's
 * reply, which may quote the address, is kept on the message, where an
 * erasure finds it.
 */
export async function deliverMessage(db: Kysely<DB>, mailer: Mailer | null, job: SendJob): Promise<void> {
  const { workspaceId, messageId } = job;
  const claimed = await inWorkspace(db, workspaceId, async (trx): Promise<Claimed | null> => {
    const row = await lockForDelivery(trx, workspaceId, messageId);
    if (!row) return null;
    if (row.status === 'sent' || row.status === 'delivered_locally' || row.status === 'failed') return null;
    if (row.status === 'cancelled') return null;
    if (row.erased_at !== null) {
      await updateDelivery(trx, workspaceId, messageId, { status: 'cancelled', sendingSince: null });
      return null;
    }
    if (row.status === 'sending' && row.in_lease) throw new Error(`message ${messageId} is being sent by another run`);
    const attempt = row.attempts + 1;
    if (!mailer || row.channel === 'sms') {
      await updateDelivery(trx, workspaceId, messageId, {
        status: 'delivered_locally',
        attempts: attempt,
        lastError: null,
        sendingSince: null,
        sentAt: new Date(),
      });
      return null;
    }
    await updateDelivery(trx, workspaceId, messageId, {
      status: 'sending',
      attempts: attempt,
      sendingSince: new Date(),
    });
    return {
      id: row.id,
      to: row.recipient,
      subject: row.subject ?? '',
      text: row.text_body,
      html: row.html_body,
      unsubscribeUrl: row.unsubscribe_url,
      attempt,
    };
  });
  if (!claimed || !mailer) return;

  try {
    await mailer.send({
      messageId: claimed.id,
      to: claimed.to,
      subject: claimed.subject,
      text: claimed.text,
      html: claimed.html,
      unsubscribeUrl: claimed.unsubscribeUrl,
    });
  } catch (error) {
    const failure = error instanceof SendFailure ? error : new SendFailure(String(error).slice(0, 1000), false);
    const final = failure.permanent || claimed.attempt >= MAX_ATTEMPTS;
    await inWorkspace(db, workspaceId, (trx) =>
      updateDelivery(trx, workspaceId, messageId, {
        status: final ? 'failed' : 'queued',
        lastError: failure.summary,
        sendingSince: null,
      }),
    );
    if (final) return;
    throw new Error(`message ${messageId}: attempt ${claimed.attempt} of ${MAX_ATTEMPTS} failed, tried again later`);
  }
  await inWorkspace(db, workspaceId, (trx) =>
    updateDelivery(trx, workspaceId, messageId, {
      status: 'sent',
      lastError: null,
      sendingSince: null,
      sentAt: new Date(),
    }),
  );
}
