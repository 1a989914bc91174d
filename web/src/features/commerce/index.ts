import { defineFeature } from '../feature.ts';
import { commerceEn } from './commerce.en.ts';
import { commerceHe } from './commerce.he.ts';
import { orderTimeline } from './order-timeline.tsx';

/** Orders: no screen of their own yet; they show on the customer's timeline and their words serve the import screen. */
export const commerce = defineFeature({
  name: 'commerce',
  translations: { he: commerceHe, en: commerceEn },
  timeline: orderTimeline,
});
