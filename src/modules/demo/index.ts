export type {
  DemoClub,
  DemoMember,
  DemoModel,
  DemoOrder,
  DemoOrderLine,
  DemoProduct,
  GenerateDemoClubOptions,
} from './demo-data.js';
export { generateDemoClub } from './demo-data.js';
export type {
  DemoPricedProduct,
  DemoPriceObservation,
  DemoPriceStory,
  GenerateDemoPricesOptions,
} from './demo-prices.js';
export { generateDemoPrices } from './demo-prices.js';
