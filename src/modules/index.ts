import { platformModule } from '../platform/platform.module.ts';
import { campaignsModule } from './campaigns/campaigns.module.ts';
import { commerceModule } from './commerce/commerce.module.ts';
import { customersModule } from './customers/customers.module.ts';
import { importsModule } from './imports/imports.module.ts';
import { locationsModule } from './locations/locations.module.ts';
import { loyaltyModule } from './loyalty/loyalty.module.ts';
import { messagingModule } from './messaging/messaging.module.ts';
import { segmentsModule } from './segments/segments.module.ts';
import { timelineModule } from './timeline/timeline.module.ts';

/**
 * Every module of Klient, in the order their routes and hooks are set up.
 * The server, the migrator, the permission and error types, the OpenAPI and
 * the customer hooks all come from this list: adding a module is one line here.
 */
export const modules = [
  platformModule,
  locationsModule,
  customersModule,
  commerceModule,
  importsModule,
  timelineModule,
  messagingModule,
  loyaltyModule,
  segmentsModule,
  campaignsModule,
] as const;
