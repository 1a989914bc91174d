import { defineModule } from '../../platform/module.ts';
import { locationsRoutes } from './locations.routes.ts';

/**
 * Locations: the business's branches, which orders, customers' home branches
 * and later tickets and mystery-shopping visits name. Other modules reach
 * them through locations.service.ts; the API lists them (GET /branches). The
 * branches table came with the foundation migration, so the module has no
 * migration of its own yet.
 */
export const locationsModule = defineModule({
  name: 'locations',
  routes: async (api, { db }) => {
    await api.register(locationsRoutes, { db });
  },
});
