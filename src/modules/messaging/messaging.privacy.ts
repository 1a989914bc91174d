import type { CustomerHooks } from '../customers/customers.service.ts';
import { eraseMessages, messagesOfCustomer, moveMessages } from './messaging.repository.ts';

/**
 * The messages sent to a customer are hers: a merge gives the merged
 * record's to the survivor, an export includes each one whole, and an
 * erasure blanks who each went to and what it said (also those sent to one
 * of her addresses without naming her), keeping that a message of this
 * purpose went out, and when.
 */
export const messagingCustomerHooks: CustomerHooks = {
  async merge(trx, ctx, { survivorId, mergedId }) {
    await moveMessages(trx, ctx, mergedId, survivorId);
  },
  async export(trx, ctx, customerId) {
    const rows = await messagesOfCustomer(trx, ctx, customerId);
    return {
      messages: rows.map((m) => ({
        id: m.id,
        channel: m.channel,
        to: m.recipient,
        subject: m.subject,
        text: m.text_body,
        html: m.html_body,
        purpose: m.purpose,
        status: m.status,
        createdAt: m.created_at,
        sentAt: m.sent_at,
      })),
    };
  },
  async erase(trx, ctx, customerId, person) {
    await eraseMessages(trx, ctx, customerId, { emails: person.emails, phones: person.phones });
  },
};
