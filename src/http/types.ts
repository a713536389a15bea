import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Db } from '../db/db.js';
import type { ClubsService } from '../modules/clubs/index.js';
import type { MembersService } from '../modules/members/index.js';
import type { OrdersService } from '../modules/orders/index.js';
import type { PointsService } from '../modules/points/index.js';
import type { RulesService } from '../modules/rules/index.js';
import type { TiersService } from '../modules/tiers/index.js';

export type TApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface Services {
  clubs: ClubsService;
  members: MembersService;
  points: PointsService;
  orders: OrdersService;
  rules: RulesService;
  tiers: TiersService;
}

export interface AppContext {
  db: Db;
  services: Services;
  clock: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on /v1 routes: the club the API key belongs to. */
    clubId: string;
    /** The API key that authenticated the request: recorded as the author of manual movements. */
    apiKeyId: string;
    /** The staff role when a dashboard session authenticated the request; null for an API key (full access). */
    staffRole: string | null;
    /** The signed-in staff user's email with a dashboard session; null for an API key. */
    staffEmail: string | null;
  }
}
