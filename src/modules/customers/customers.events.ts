import { z } from 'zod';
import { defineEvent } from '../../platform/events.ts';
import { consentChannels } from './customers.schemas.ts';

/** What the customers module announces; other modules subscribe to these definitions. */
export const customerCreated = defineEvent('customer.created', z.object({ customerId: z.uuid() }));
export const customerUpdated = defineEvent('customer.updated', z.object({ customerId: z.uuid() }));
export const customerMerged = defineEvent('customer.merged', z.object({ survivorId: z.uuid(), mergedId: z.uuid() }));
/** The person is gone: a subscriber that kept anything of theirs scrubs it. */
export const customerErased = defineEvent('customer.erased', z.object({ customerId: z.uuid() }));
export const consentChanged = defineEvent(
  'consent.changed',
  z.object({ customerId: z.uuid(), channel: z.enum(consentChannels), status: z.enum(['granted', 'revoked']) }),
);
