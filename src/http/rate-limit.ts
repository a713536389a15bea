import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { TApp } from './types.js';

/**
 * Token-bucket rate limits, kept in this process's memory.
 *
 * - Every authenticated /v1 request takes one token from the bucket of its API key (a staff session
 *   from the bucket of its staff user). A batch of 1,000 orders is one request and costs one token: the
 *   limit protects the server from request floods, and batching is the behaviour to encourage.
 * - Public routes that authenticate themselves (staff sign-in, the member portal, survey links,
 *   unsubscribe links) take one token from the bucket of the client address. Inbound shop webhooks
 *   (`/hooks/…`) come from the shop's own server, so they are limited per connection with the key limits.
 * - A /v1 request that fails authentication (no key, a wrong or revoked key) costs its address one token
 *   of a separate bucket; once that is empty, /v1 answers 429 before looking the key up, so guessing
 *   keys is slow and cheap to refuse.
 * - /healthz, /metrics, the OpenAPI document, the docs UI and the static dashboard and portal files are
 *   never limited.
 *
 * In memory, per process, on purpose: a shared store would put a database write (or a Redis round
 * trip, a dependency Vafa does not have) on every request, costing more than most requests. One process
 * serves a club on PGlite; with N API processes behind a load balancer the effective limit is N times the
 * configured one, so divide the limits by N there (docs/security.md).
 */

export interface RateLimitOptions {
  /** Sustained requests per second per API key or staff user; 0 turns the key limit off. */
  keyPerSecond: number;
  /** Requests a key may make at once before the sustained rate applies (the bucket size). */
  keyBurst: number;
  /** Sustained requests per second per client address on public routes; 0 turns it off. */
  ipPerSecond: number;
  /** Bucket size per client address. */
  ipBurst: number;
  /** Most buckets kept; beyond it the least recently used is dropped (it refills to full anyway). */
  maxBuckets?: number;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

export interface TakeResult {
  isAllowed: boolean;
  /** The bucket size: RateLimit-Limit. */
  limit: number;
  /** Whole tokens left after this request: RateLimit-Remaining. */
  remaining: number;
  /** Seconds until the bucket is full again: RateLimit-Reset. */
  resetSeconds: number;
  /** When refused: seconds until one token is there (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Buckets by key, refilled lazily on each take, bounded in number (least recently used dropped first). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly maxBuckets: number,
    private readonly now: () => number,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new Error('a bucket needs perSecond > 0 and burst >= 1');
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string): Bucket {
    const nowMs = this.now();
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.burst, atMs: nowMs };
    const elapsedS = Math.max(0, nowMs - b.atMs) / 1000;
    return { tokens: Math.min(this.burst, b.tokens + elapsedS * this.perSecond), atMs: nowMs };
  }

  private store(key: string, b: Bucket): void {
    // Re-inserting moves the key to the end of the Map's order, so the first key is the least recent.
    this.buckets.delete(key);
    this.buckets.set(key, b);
    while (this.buckets.size > this.maxBuckets) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }

  private result(tokens: number, isAllowed: boolean): TakeResult {
    return {
      isAllowed,
      limit: this.burst,
      remaining: Math.max(0, Math.floor(tokens)),
      resetSeconds: Math.ceil((this.burst - tokens) / this.perSecond),
      retryAfterSeconds: isAllowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perSecond)),
    };
  }

  /** Takes `cost` tokens when there are that many; a refused take takes nothing. */
  take(key: string, cost = 1): TakeResult {
    const b = this.refill(key);
    const isAllowed = b.tokens >= cost;
    if (isAllowed) b.tokens -= cost;
    this.store(key, b);
    return this.result(b.tokens, isAllowed);
  }

  /** Whether a take would succeed, without taking. */
  peek(key: string, cost = 1): TakeResult {
    const b = this.refill(key);
    return this.result(b.tokens, b.tokens >= cost);
  }
}

/** Paths never limited: probes, scrapes, the API description and static files. */
const EXEMPT = /^\/(healthz|metrics|openapi\.json)$|^\/docs(\/|$)/;
/** Public routes that authenticate themselves: limited per client address. */
const PUBLIC_API = /^\/(admin\/api|portal\/api|s|unsubscribe)\//;
/** Inbound webhooks from the shop's server: limited per connection (the path), with the key limits. */
const INBOUND_HOOKS = /^\/hooks\//;

/**
 * Requests the app makes to itself (the audit log reads a resource through its GET route before and
 * after a write) carry this header with this process's random token, so they do not spend the caller's
 * tokens a second time. The token never leaves the process.
 */
export const INTERNAL_REQUEST_HEADER = 'x-vafa-internal';
export const INTERNAL_REQUEST_TOKEN = randomBytes(32).toString('base64url');

function setHeaders(reply: FastifyReply, r: TakeResult, windowSeconds: number): void {
  // draft-ietf-httpapi-ratelimit-headers: the bucket size, what is left, and when it is full again.
  reply.header('ratelimit-limit', String(r.limit));
  reply.header('ratelimit-remaining', String(r.remaining));
  reply.header('ratelimit-reset', String(r.resetSeconds));
  reply.header('ratelimit-policy', `${r.limit};w=${windowSeconds}`);
}

function refuse(reply: FastifyReply, r: TakeResult, windowSeconds: number, detail: string): never {
  setHeaders(reply, r, windowSeconds);
  reply.header('retry-after', String(r.retryAfterSeconds));
  throw new AppError('rate_limited', `${detail} Try again in ${r.retryAfterSeconds} s.`, {
    retryAfterSeconds: r.retryAfterSeconds,
  });
}

export interface RateLimiter {
  keys: TokenBuckets | null;
  addresses: TokenBuckets | null;
  authFailures: TokenBuckets | null;
}

/**
 * Adds the limits to `app` (the root instance). Call it before the /v1 scope is registered: the hooks
 * must be on the root before the child scopes copy its hooks.
 */
export function registerRateLimit(app: TApp, opts: RateLimitOptions): RateLimiter {
  const now = opts.now ?? Date.now;
  const max = opts.maxBuckets ?? 100_000;
  const keys = opts.keyPerSecond > 0 ? new TokenBuckets(opts.keyPerSecond, opts.keyBurst, max, now) : null;
  const addresses = opts.ipPerSecond > 0 ? new TokenBuckets(opts.ipPerSecond, opts.ipBurst, max, now) : null;
  const authFailures =
    opts.ipPerSecond > 0 ? new TokenBuckets(opts.ipPerSecond, opts.ipBurst, max, now) : null;
  const keyWindow = keys ? Math.ceil(keys.burst / keys.perSecond) : 0;
  const ipWindow = addresses ? Math.ceil(addresses.burst / addresses.perSecond) : 0;

  const isInternal = (req: FastifyRequest) => req.headers[INTERNAL_REQUEST_HEADER] === INTERNAL_REQUEST_TOKEN;
  const pathOf = (req: FastifyRequest) => req.url.split('?')[0] ?? req.url;

  // Before authentication: address limits on public routes, and the refusal of an address that keeps
  // failing to authenticate on /v1.
  app.addHook('onRequest', async (req, reply) => {
    if (isInternal(req)) return;
    const path = pathOf(req);
    if (EXEMPT.test(path)) return;
    if (path.startsWith('/v1/')) {
      if (!authFailures) return;
      const r = authFailures.peek(req.ip);
      if (!r.isAllowed)
        refuse(reply, r, ipWindow, 'Too many requests with a missing or wrong API key from this address.');
      return;
    }
    if (INBOUND_HOOKS.test(path)) {
      if (!keys) return;
      const r = keys.take(`hook:${path}`);
      setHeaders(reply, r, keyWindow);
      if (!r.isAllowed) refuse(reply, r, keyWindow, 'Too many webhook calls for this connection.');
      return;
    }
    if (PUBLIC_API.test(path) && addresses) {
      const r = addresses.take(req.ip);
      setHeaders(reply, r, ipWindow);
      if (!r.isAllowed) refuse(reply, r, ipWindow, 'Too many requests from this address.');
    }
  });

  // After the /v1 scope's authentication (every onRequest hook runs before any preParsing hook) and
  // before the body is read, so a refused request costs no parsing.
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!keys || isInternal(req)) return payload;
    const who = (req as { apiKeyId?: string }).apiKeyId;
    if (!who || !pathOf(req).startsWith('/v1/')) return payload;
    const r = keys.take(who);
    setHeaders(reply, r, keyWindow);
    if (!r.isAllowed) refuse(reply, r, keyWindow, 'Too many requests for this API key.');
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    if (!authFailures || isInternal(req) || reply.statusCode !== 401) return;
    if (pathOf(req).startsWith('/v1/')) authFailures.take(req.ip);
  });

  return { keys, addresses, authFailures };
}

/** The limits `vafa serve` applies, from the configuration; undefined when both are turned off. */
export function rateLimitOptionsOf(config: TConfig): RateLimitOptions | undefined {
  if (config.VAFA_RATE_LIMIT_PER_SECOND === 0 && config.VAFA_IP_RATE_LIMIT_PER_SECOND === 0) return undefined;
  return {
    keyPerSecond: config.VAFA_RATE_LIMIT_PER_SECOND,
    keyBurst: config.VAFA_RATE_LIMIT_BURST,
    ipPerSecond: config.VAFA_IP_RATE_LIMIT_PER_SECOND,
    ipBurst: config.VAFA_IP_RATE_LIMIT_BURST,
  };
}
