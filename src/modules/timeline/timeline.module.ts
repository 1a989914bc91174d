import { defineModule } from '../../platform/module.ts';
import { timelineMigrations } from './timeline.migrations.ts';

/**
 * The customer timeline: recorded events and the catalogue of other modules'
 * sources (src/platform/timeline-sources.ts). Its API is the customer's, under /customers/:id/timeline.
 */
export const timelineModule = defineModule({
  name: 'timeline',
  migrations: timelineMigrations,
});
