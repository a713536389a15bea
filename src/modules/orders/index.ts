export { activityByMember } from './orders.repo.js';
export { registerOrdersRoutes } from './orders.routes.js';
export type { TCreateOrder, TOrder } from './orders.schema.js';
export { MAX_BATCH_ORDERS, ZCreateOrder } from './orders.schema.js';
export { type MemberActivityHook, OrdersService } from './orders.service.js';
