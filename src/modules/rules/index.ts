export { registerRulesRoutes } from './rules.routes.js';
export type { TRule, TRuleInput } from './rules.schema.js';
export { MAX_RULES_PER_CLUB, RulesService, type TierLookup } from './rules.service.js';
