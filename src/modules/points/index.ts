export { registerPointsRoutes } from './points.routes.js';
export {
  DEFAULT_EARN_RULE_ID,
  type EarnItem,
  type OrderPoints,
  PointsService,
  type ReverseCause,
} from './points.service.js';
