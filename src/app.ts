import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyServerOptions } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from './db/db.js';
import { AppError } from './errors.js';
import { authHook } from './http/auth.js';
import { type Metrics, registerMetrics } from './http/metrics.js';
import { handleError, problem, sendProblem } from './http/problem.js';
import { type RateLimitOptions, registerRateLimit } from './http/rate-limit.js';
import type { AppContext, Services, TApp } from './http/types.js';
import { ClubsService, registerClubsRoutes } from './modules/clubs/index.js';
import { memberInsights } from './modules/insights/index.js';
import { MembersService, registerMembersRoutes } from './modules/members/index.js';
import { OrdersService, registerOrdersRoutes } from './modules/orders/index.js';
import { PointsService, registerPointsRoutes } from './modules/points/index.js';
import { MODULES, uniqueModules, type VafaModule } from './modules/registry.js';
import { RulesService, registerRulesRoutes } from './modules/rules/index.js';
import { TiersService } from './modules/tiers/index.js';

export const API_VERSION = '0.1.0';

export interface BuildAppOptions {
  db: Db;
  /** The time source for business rules; tests move it to cross return windows. */
  clock?: () => Date;
  logger?: FastifyServerOptions['logger'];
  bodyLimitBytes?: number;
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** Feature modules to mount; default: all of src/modules/registry.ts. */
  modules?: ReadonlyArray<VafaModule>;
  /** Token buckets per API key and address (docs/security.md); none when unset (tests, benches). */
  rateLimit?: RateLimitOptions | undefined;
}

export function createServices(db: Db, clock: () => Date): Services {
  const clubs = new ClubsService(db);
  const members = new MembersService(db);
  const points = new PointsService(db, clubs, members, clock);
  const orders = new OrdersService(db, clubs, members, points, clock);
  const rules = new RulesService(db, clubs, members, points, clock);
  const tiers = new TiersService(db, { members, orders, points }, clock);
  points.setEarningPolicy(rules);
  orders.setMemberActivityHook((tx, clubId, memberIds) => tiers.evaluateMembers(tx, clubId, memberIds));
  rules.setTierLookup(async (tx, clubId, memberIds) => {
    const found = await tiers.getMemberTiers(tx, clubId, memberIds);
    return new Map(
      [...found].map(([id, t]) => [
        id,
        { key: t.key, earningMultiplier: t.benefits.earningMultiplier ?? null },
      ]),
    );
  });
  rules.setSegmentLookup(async (tx, clubId, memberIds) => {
    const found = await memberInsights(tx, clubId, memberIds);
    return new Map([...found].map(([id, i]) => [id, i.segment]));
  });
  return { clubs, members, points, orders, rules, tiers };
}

/** Builds the HTTP app without listening: `main` listens, tests use `app.inject()`. */
export async function buildApp(
  opts: BuildAppOptions,
): Promise<{ app: TApp; ctx: AppContext; metrics: Metrics }> {
  const clock = opts.clock ?? (() => new Date());
  const bodyLimit = opts.bodyLimitBytes ?? 1024 * 1024;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit,
    // A client-supplied request id is kept (so a shop can correlate), otherwise one is made.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // External ids may be 128 characters, and Persian ones take 6 bytes each once percent-encoded.
    routerOptions: { maxParamLength: 1024 },
    // Fastify's own early errors (a malformed URL, an over-long parameter) answer problem+json too.
    frameworkErrors: (err, req, reply) => {
      const code = (err as { code?: string }).code;
      const detail =
        code === 'FST_ERR_BAD_URL'
          ? 'The URL is not valid (bad percent-encoding).'
          : 'The request could not be read.';
      return sendProblem(reply, problem(req, 'malformed_request', detail));
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Only JSON bodies are accepted: a text/plain body is a 415, not a string the schema then refuses.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problem(req, 'route_not_found', `No route ${req.method} ${req.url.split('?')[0]}.`)),
  );
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', String(req.id));
  });
  // Above the /v1 register: hooks added after it would not reach the /v1 routes.
  if (opts.rateLimit) registerRateLimit(app, opts.rateLimit);

  const ctx: AppContext = { db: opts.db, services: createServices(opts.db, clock), clock };
  const modules = uniqueModules(opts.modules ?? MODULES);
  // Text that is not well-formed UTF-16 (a lone surrogate) would be stored as U+FFFD, so an id sent
  // could never be found again: every string in a body is checked once, before any schema runs.
  app.addHook('preValidation', async (req) => {
    const bad = findIllFormedString(req.body, '');
    if (bad !== null) {
      const field = bad || '(root)';
      throw new AppError(
        'validation_failed',
        `${field}: contains an unpaired surrogate (not valid Unicode text)`,
        {
          errors: [{ field, in: 'body', message: 'not valid Unicode text (unpaired surrogate)' }],
        },
      );
    }
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vafa API',
        version: API_VERSION,
        description:
          'Vafa (وفا) is a customer club for online shops: members, orders and an exact points ledger. ' +
          'Errors are RFC 9457 problem+json with a stable `code` (see docs/errors.md). Amounts are integer rials.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A club API key (vafa_sk_…).' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // After the swagger plugin, so /metrics is in the OpenAPI document as a system route.
  const metrics = registerMetrics(app, ctx, { token: opts.metricsToken });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/healthz', {
    schema: {
      tags: ['system'],
      summary: 'Liveness and database reachability',
      response: {
        200: z.object({ status: z.literal('ok'), database: z.enum(['pglite', 'postgres']) }),
        503: z.object({ status: z.literal('unavailable'), database: z.enum(['pglite', 'postgres']) }),
      },
    },
    handler: async (_req, reply) => {
      const ok = await opts.db.ping(2000);
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', database: opts.db.kind } as never);
    },
  });

  await app.register(async (v1) => {
    const scoped = v1 as unknown as TApp;
    scoped.decorateRequest('clubId', '');
    scoped.decorateRequest('apiKeyId', '');
    scoped.decorateRequest('staffRole', null);
    scoped.decorateRequest('staffEmail', null);
    scoped.addHook('onRequest', authHook(ctx));
    registerClubsRoutes(scoped, ctx);
    registerMembersRoutes(scoped, ctx);
    registerPointsRoutes(scoped, ctx);
    registerOrdersRoutes(scoped, ctx, { batchBodyLimit: bodyLimit * 8 });
    registerRulesRoutes(scoped, ctx);
    for (const m of modules) m.registerRoutes(scoped, ctx);
  });
  for (const m of modules) m.registerPublicRoutes?.(app, ctx);

  return { app, ctx, metrics };
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormed = (s: string) => !LONE_SURROGATE.test(s);

/** The dotted path of the first string (or key) that is not well-formed Unicode, or null. Depth-bounded. */
function findIllFormedString(value: unknown, path: string, depth = 0): string | null {
  if (depth > 64) return null;
  if (typeof value === 'string') return isWellFormed(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findIllFormedString(value[i], path ? `${path}.${i}` : String(i), depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      if (!isWellFormed(k)) return p;
      const found = findIllFormedString(v, p, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}
