import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildAppOptions, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Db, openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import { AppError } from '../../src/errors.js';
import { handleError } from '../../src/http/problem.js';
import {
  INTERNAL_REQUEST_HEADER,
  INTERNAL_REQUEST_TOKEN,
  type RateLimitOptions,
  rateLimitOptionsOf,
  registerRateLimit,
  TokenBuckets,
} from '../../src/http/rate-limit.js';
import type { TApp } from '../../src/http/types.js';
import { MODULES, moduleMigrations } from '../../src/modules/registry.js';
import { BACKENDS } from '../helpers.js';

describe('TokenBuckets', () => {
  it('allows the burst at once, then the sustained rate, and says when to come back', () => {
    let t = 1_000_000;
    const b = new TokenBuckets(2, 5, 100, () => t);
    for (let i = 0; i < 5; i++) expect(b.take('k').isAllowed).toBe(true);
    const refused = b.take('k');
    expect(refused).toMatchObject({ isAllowed: false, limit: 5, remaining: 0, retryAfterSeconds: 1 });
    expect(refused.resetSeconds).toBe(3); // 5 tokens at 2/s
    t += 500; // one token back
    expect(b.take('k').isAllowed).toBe(true);
    expect(b.take('k').isAllowed).toBe(false);
    t += 60_000; // refills to the burst, never beyond it
    expect(b.peek('k')).toMatchObject({ isAllowed: true, remaining: 5, resetSeconds: 0 });
    // Another key has its own bucket.
    expect(b.take('other').remaining).toBe(4);
  });

  it('keeps at most maxBuckets, dropping the least recently used', () => {
    const b = new TokenBuckets(1, 2, 3, () => 0);
    for (const k of ['a', 'b', 'c']) b.take(k);
    b.take('a'); // a is now the most recent
    b.take('d');
    expect(b.size).toBe(3);
    // b was the least recently used: dropped, so it starts full again; a kept its spending.
    expect(b.peek('b').remaining).toBe(2);
    expect(b.peek('a').remaining).toBe(0);
  });
});

describe('rate limit configuration', () => {
  it('defaults to 300/s with a burst of 3,000 per key and 5/s, 100 per address; 0 turns a limit off', () => {
    const config = loadConfig({});
    expect(rateLimitOptionsOf(config)).toEqual({
      keyPerSecond: 300,
      keyBurst: 3000,
      ipPerSecond: 5,
      ipBurst: 100,
    });
    const off = loadConfig({ VAFA_RATE_LIMIT_PER_SECOND: '0', VAFA_IP_RATE_LIMIT_PER_SECOND: '0' });
    expect(rateLimitOptionsOf(off)).toBeUndefined();
    expect(() => loadConfig({ VAFA_RATE_LIMIT_BURST: '0', VAFA_IP_RATE_LIMIT_PER_SECOND: '-1' })).toThrow(
      /VAFA_RATE_LIMIT_BURST[\s\S]*VAFA_IP_RATE_LIMIT_PER_SECOND|VAFA_IP_RATE_LIMIT_PER_SECOND[\s\S]*VAFA_RATE_LIMIT_BURST/,
    );
  });
});

/**
 * The plugin on a small app shaped like Vafa's: the limit hooks on the root, a /v1 scope whose own
 * onRequest hook authenticates (a header names the key), public routes, health and metrics.
 */
describe('registerRateLimit on an app shaped like Vafa’s', () => {
  let app: TApp;
  let t = 1_000_000;
  let handled = 0;

  beforeAll(async () => {
    app = Fastify().withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler(handleError);
    registerRateLimit(app, { keyPerSecond: 1, keyBurst: 3, ipPerSecond: 1, ipBurst: 2, now: () => t });
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/metrics', async () => 'm 1');
    app.post('/admin/api/session', async () => ({ ok: true }));
    app.post('/hooks/woocommerce/:id', async () => ({ ok: true }));
    await app.register(async (v1) => {
      v1.decorateRequest('apiKeyId', '');
      v1.addHook('onRequest', async (req) => {
        const key = req.headers['x-key'];
        if (key !== 'k1' && key !== 'k2') throw new AppError('invalid_api_key', 'no such key');
        req.apiKeyId = key;
      });
      v1.get('/v1/thing', async () => {
        handled++;
        return { ok: true };
      });
      v1.post('/v1/orders/batch', async (req) => ({ n: (req.body as { orders: unknown[] }).orders.length }));
    });
    await app.ready();
  });
  afterAll(() => app.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url, headers, remoteAddress: headers['x-ip'] ?? '10.0.0.1' });

  it('answers 429 rate_limited with Retry-After and RateLimit-* once a key spends its burst', async () => {
    const before = handled;
    const first = await get('/v1/thing', { 'x-key': 'k1' });
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '2',
      'ratelimit-reset': '1',
      'ratelimit-policy': '3;w=3',
    });
    await get('/v1/thing', { 'x-key': 'k1' });
    expect((await get('/v1/thing', { 'x-key': 'k1' })).headers['ratelimit-remaining']).toBe('0');
    const refused = await get('/v1/thing', { 'x-key': 'k1' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ code: 'rate_limited', status: 429, retryAfterSeconds: 1 });
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    // The refused request never reached the handler.
    expect(handled - before).toBe(3);
    // Another key is not affected, and time refills the first.
    expect((await get('/v1/thing', { 'x-key': 'k2' })).statusCode).toBe(200);
    t += 1000;
    expect((await get('/v1/thing', { 'x-key': 'k1' })).statusCode).toBe(200);
    t += 10_000;
  });

  it('counts a batch once, whatever its size, and refuses it before reading the body', async () => {
    const orders = Array.from({ length: 1000 }, (_, i) => ({ externalId: `O-${i}` }));
    const sent = [];
    for (let i = 0; i < 4; i++)
      sent.push(
        await app.inject({
          method: 'POST',
          url: '/v1/orders/batch',
          headers: { 'x-key': 'k2' },
          payload: { orders },
        }),
      );
    expect(sent.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(sent[0]!.json()).toEqual({ n: 1000 });
    t += 10_000;
  });

  it('never limits health and metrics', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await get('/healthz')).statusCode).toBe(200);
      expect((await get('/metrics')).statusCode).toBe(200);
    }
  });

  it('limits public sign-in per client address', async () => {
    const post = (ip: string) =>
      app.inject({ method: 'POST', url: '/admin/api/session', payload: {}, remoteAddress: ip });
    expect((await post('10.0.0.7')).statusCode).toBe(200);
    expect((await post('10.0.0.7')).statusCode).toBe(200);
    const refused = await post('10.0.0.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBe('1');
    expect((await post('10.0.0.8')).statusCode).toBe(200);
    t += 10_000;
  });

  it('limits inbound webhooks per connection, not per address', async () => {
    const hook = (id: string) =>
      app.inject({ method: 'POST', url: `/hooks/woocommerce/${id}`, payload: {}, remoteAddress: '10.0.0.9' });
    for (let i = 0; i < 3; i++) expect((await hook('c1')).statusCode).toBe(200);
    expect((await hook('c1')).statusCode).toBe(429);
    expect((await hook('c2')).statusCode).toBe(200);
    t += 10_000;
  });

  it('refuses an address that keeps failing to authenticate, before looking the key up', async () => {
    const ip = '10.0.0.66';
    expect((await get('/v1/thing', { 'x-key': 'guess-1', 'x-ip': ip })).statusCode).toBe(401);
    expect((await get('/v1/thing', { 'x-key': 'guess-2', 'x-ip': ip })).statusCode).toBe(401);
    // Two failures spent the address's bucket: even a right key from there waits.
    const refused = await get('/v1/thing', { 'x-key': 'k1', 'x-ip': ip });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    // Other addresses, and successful requests, are not counted.
    expect((await get('/v1/thing', { 'x-key': 'k1', 'x-ip': '10.0.0.67' })).statusCode).toBe(200);
    t += 2000;
    expect((await get('/v1/thing', { 'x-key': 'k1', 'x-ip': ip })).statusCode).toBe(200);
    t += 10_000;
  });

  it("lets the app's own internal requests through without spending tokens", async () => {
    const internal = { 'x-key': 'k1', [INTERNAL_REQUEST_HEADER]: INTERNAL_REQUEST_TOKEN };
    for (let i = 0; i < 10; i++) expect((await get('/v1/thing', internal)).statusCode).toBe(200);
    expect((await get('/v1/thing', { 'x-key': 'k1' })).headers['ratelimit-remaining']).toBe('2');
    // A guessed token is just a header: it is limited like any other request.
    const guessed = { 'x-key': 'k1', [INTERNAL_REQUEST_HEADER]: 'guess' };
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await get('/v1/thing', guessed)).statusCode);
    expect(codes).toEqual([200, 200, 429, 429]);
    t += 10_000;
  });
});

/** The same limits on the real app, as `vafa serve` wires them (src/cli/main.ts). */
describe.each(BACKENDS)('rate limits in the real app on $name', ({ url }) => {
  let db: Db;
  let app: TApp;
  let key: string;
  let t = 1_000_000;

  beforeAll(async () => {
    db = await openDb({ databaseUrl: url, dataDir: null, poolMax: 5 });
    await migrate(db, moduleMigrations(MODULES));
    const rateLimit: RateLimitOptions = {
      keyPerSecond: 1,
      keyBurst: 5,
      ipPerSecond: 1,
      ipBurst: 3,
      now: () => t,
    };
    const opts: BuildAppOptions = { db, modules: MODULES, rateLimit };
    const built = await buildApp(opts);
    app = built.app;
    await app.ready();
    key = (await built.ctx.services.clubs.createClub('Limited shop')).apiKey;
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  const call = (method: 'GET' | 'POST', path: string, payload?: object, auth = key) =>
    app.inject({ method, url: path, headers: { authorization: `Bearer ${auth}` }, payload });

  it('spends one token per request, a batch included, and answers 429 with the headers after the burst', async () => {
    const at = new Date(Date.now() - 3600_000).toISOString();
    const member = await app.inject({
      method: 'PUT',
      url: '/v1/members/RL-1',
      headers: { authorization: `Bearer ${key}` },
      payload: { firstName: 'رها' },
    });
    expect(member.statusCode).toBe(201);
    const orders = Array.from({ length: 50 }, (_, i) => ({
      externalId: `RL-O-${i}`,
      memberExternalId: 'RL-1',
      placedAt: at,
      totalRials: 1000,
    }));
    const batch = await call('POST', '/v1/orders/batch', { orders });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().created).toBe(50);
    expect(batch.headers['ratelimit-remaining']).toBe('3');
    expect((await call('GET', '/v1/club')).statusCode).toBe(200);
    expect((await call('GET', '/v1/club')).statusCode).toBe(200);
    expect((await call('GET', '/v1/club')).headers['ratelimit-remaining']).toBe('0');
    const refused = await call('GET', '/v1/club');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['ratelimit-limit']).toBe('5');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    t += 60_000;
  });

  it('slows down an address guessing keys', async () => {
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push((await call('GET', '/v1/club', undefined, `vafa_sk_guess${i}`)).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    t += 60_000;
  });
});
