import type { VafaModule } from '../registry.js';
import { PRICES_MIGRATIONS } from './prices.migrations.js';
import { registerPricesRoutes } from './prices.routes.js';

export { importPrices, registerPricesCommands } from './prices.cli.js';
export type { TProduct } from './prices.schema.js';
export { PricesService } from './prices.service.js';
export { buyOrWait } from './signal.js';

/** Products, price history, the buy-or-wait signal, watches and price-drop alerts (docs/prices.md). */
export const pricesModule: VafaModule = {
  name: 'prices',
  migrations: PRICES_MIGRATIONS,
  registerRoutes: registerPricesRoutes,
};
