import { audit } from './audit/index.ts';
import { auth } from './auth/index.ts';
import { campaigns } from './campaigns/index.ts';
import { commerce } from './commerce/index.ts';
import { customers } from './customers/index.ts';
import { dashboard } from './dashboard/index.ts';
import { imports } from './imports/index.ts';
import { loyalty } from './loyalty/index.ts';
import { messaging } from './messaging/index.ts';
import { segments } from './segments/index.ts';
import { settings } from './settings/index.ts';

/**
 * The web app's features, in the order the navigation shows them. The router, the menu, the translations, the
 * customer page's panels and timeline and the dashboard's cards are all built from this list: adding a feature is
 * one line here.
 */
export const features = [
  auth,
  dashboard,
  customers,
  segments,
  campaigns,
  loyalty,
  commerce,
  imports,
  messaging,
  audit,
  settings,
] as const;
