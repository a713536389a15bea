export { registerClubsRoutes } from './clubs.routes.js';
export type { TClub } from './clubs.schema.js';
export { type ClubSettings, ClubsService } from './clubs.service.js';
