export { ERASED_PREFIX, MemberPrivacy, type TErasure, type TMemberExport } from './members.privacy.js';
export { registerMembersRoutes } from './members.routes.js';
export type { TMember, TUpsertMember } from './members.schema.js';
export { ZExternalId, ZMemberPath, ZUpsertMember } from './members.schema.js';
export { MembersService } from './members.service.js';
