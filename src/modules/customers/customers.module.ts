import { defineModule } from '../../platform/module.ts';
import { customersMigrations } from './customers.migrations.ts';
import { CustomerPageCache } from './customers.page-cache.ts';
import { customersRoutes } from './customers.routes.ts';
import { customerSegmentFields } from './customers.segment-fields.ts';

/** Customers: the one record of each person, their identities, consents, tags, merges and erasure. */
export const customersModule = defineModule({
  name: 'customers',
  segmentFields: customerSegmentFields,
  migrations: customersMigrations,
  // Marketers tag customers (segments for campaigns) and export, but do not edit a profile.
  // Shoppers are external mystery shoppers: they never see customer data.
  permissions: {
    'customers.read': ['owner', 'admin', 'agent', 'marketer', 'analyst'],
    'customers.write': ['owner', 'admin', 'agent'],
    'customers.tag': ['owner', 'admin', 'agent', 'marketer'],
    'customers.consent': ['owner', 'admin', 'agent', 'marketer'],
    'customers.merge': ['owner', 'admin', 'agent'],
    'customers.erase': ['owner', 'admin'],
    'customers.export': ['owner', 'admin', 'marketer'],
  },
  errors: {
    'CUSTOMER.NOT_FOUND': { status: 404, he: 'הלקוח לא נמצא', en: 'Customer not found' },
    'CUSTOMER.DUPLICATE': {
      status: 409,
      he: 'כבר קיים לקוח עם אותו טלפון או דוא״ל',
      en: 'A customer with the same phone or email already exists',
    },
    'CUSTOMER.MERGE_SELF': {
      status: 400,
      he: 'אי אפשר למזג לקוח עם עצמו',
      en: 'A customer cannot be merged with itself',
    },
    'CUSTOMER.NOT_ACTIVE': {
      status: 409,
      he: 'הלקוח מוזג, נמחק או הועבר לארכיון',
      en: 'The customer was merged, erased or archived',
    },
  },
  timeline: {
    recorded: {
      'note.added': { personalData: true },
      'conduct.flagged': { personalData: true },
      // Who was merged in, by name.
      'customer.merged': { personalData: true },
    },
    // klient_customer_events (migration 0009): the customer row and the consent history, scrubbed by the erasure itself.
    sources: { 'customers.events': { eventTypes: ['customer.created', 'consent.changed'] } },
  },
  routes: async (api, { database, db, settings }) => {
    const pages = new CustomerPageCache(database.notifications, {
      maxBytes: settings.pageCacheMb * 1024 * 1024,
      maxAgeMs: 5 * 60_000,
    });
    await api.register(customersRoutes, { db, pages });
  },
});
