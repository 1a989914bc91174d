import { defineModule } from '../../platform/module.ts';
import { deliverBatch, deliverMessage, sweepAbandoned } from './messaging.delivery.ts';
import { SEND_BATCH_QUEUE, SEND_QUEUE, type SendBatchJob, type SendJob, SWEEP_QUEUE } from './messaging.jobs.ts';
import { smtpMailer } from './messaging.mailer.ts';
import { messagingMigrations } from './messaging.migrations.ts';
import { messagingCustomerHooks } from './messaging.privacy.ts';
import { messagingRoutes } from './messaging.routes.ts';

/**
 * Messaging: the platform outbox. Every message Klient sends a person (loyalty
 * codes and points, later campaigns and the service desk) is enqueued through
 * messaging.service.ts in the transaction of its cause, and delivered by the
 * send job: by SMTP when KLIENT_SMTP_URL is set, otherwise kept for the
 * outbox screen (GET /messaging/outbox). docs/architecture.md, "Sending a
 * message", says how a module sends.
 */
export const messagingModule = defineModule({
  name: 'messaging',
  migrations: messagingMigrations,
  permissions: {
    // Reading the outbox is reading what was sent to people, one-time codes included.
    'messaging.read': ['owner', 'admin'],
  },
  errors: {
    'MESSAGE.NOT_FOUND': { status: 404, he: 'ההודעה לא נמצאה', en: 'Message not found' },
    'MESSAGE.INVALID': {
      status: 422,
      he: 'אי אפשר לשלוח את ההודעה: חלק מהפרטים שלה אינם תקינים',
      en: 'The message cannot be sent: some of its details are not valid',
    },
  },
  routes: async (api, { db, settings }) => {
    await api.register(messagingRoutes, { db, mail: settings.mail });
  },
  customerHooks: messagingCustomerHooks,
  timeline: {
    // klient_messaging_events (migration 20261205_091000): each message to the customer, without its text.
    sources: { 'messaging.messages': { eventTypes: ['message.sent'] } },
  },
  jobs: [
    {
      queue: SEND_QUEUE,
      handler: ({ db, settings }) => {
        const mailer = smtpMailer(settings.mail);
        return (job: SendJob) => deliverMessage(db, mailer, job, settings.mail);
      },
    },
    {
      queue: SEND_BATCH_QUEUE,
      handler: ({ db, jobs, settings }) => {
        const mailer = smtpMailer(settings.mail);
        return (job: SendBatchJob) => deliverBatch(db, mailer, jobs, job, settings.mail);
      },
    },
    {
      queue: SWEEP_QUEUE,
      handler:
        ({ db, jobs, settings }) =>
        async () => {
          await sweepAbandoned(db, jobs, settings.mail);
        },
      schedule: { cron: '* * * * *' },
    },
  ],
});
