export { registerMembersRoutes } from './members.routes.js';
export type { TMember, TUpsertMember } from './members.schema.js';
export { ZExternalId, ZMemberPath, ZUpsertMember } from './members.schema.js';
export { MembersService } from './members.service.js';
