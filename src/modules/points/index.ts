export { earnedBetweenByMember, entriesByTransferPrefix } from './points.repo.js';
export { registerPointsRoutes } from './points.routes.js';
export {
  type Contribution,
  DEFAULT_EARN_RULE_ID,
  defaultEarningPolicy,
  type EarnItem,
  type EarningPolicy,
  expiryFor,
  type OrderPoints,
  PointsService,
  type ReverseCause,
} from './points.service.js';
