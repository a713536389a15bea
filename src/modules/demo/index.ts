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
