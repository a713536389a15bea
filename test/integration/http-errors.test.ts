import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Db } from '../../src/db/db.js';
import { PROBLEM_TYPE_BASE } from '../../src/http/problem.js';
import type { TApp } from '../../src/http/types.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const MiB = 1024 * 1024;
const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'code', 'instance', 'requestId', 'errors'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks the RFC 9457 shape every error must have and returns the parsed body: the problem media type,
 * the documented keys only, the code's link, the request id of the response header, and no stack trace.
 */
function expectProblem(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  const body = JSON.parse(res.body);
  expect(Object.keys(body).filter((k) => !PROBLEM_KEYS.includes(k))).toEqual([]);
  expect(body).toMatchObject({ type: PROBLEM_TYPE_BASE + code, status, code });
  expect(body.title).toEqual(expect.any(String));
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail).toEqual(expect.any(String));
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body.requestId).toEqual(expect.any(String));
  expect(body.requestId).toBe(res.headers['x-request-id']);
  expect(res.body).not.toMatch(/stack|node_modules|\.ts:\d+|\.js:\d+|\n\s+at /);
  return body;
}

/** A database that fails every call, to reach the generic error paths. */
function failingDb(err: Error): Db {
  const fail = async (): Promise<never> => {
    throw err;
  };
  return {
    kind: 'pglite',
    query: fail,
    transaction: fail,
    exec: fail,
    ping: async () => false,
    close: async () => {},
  } as Db;
}

/** Every (method, OpenAPI path) the router knows, from `printRoutes`, without HEAD and the docs UI. */
function registeredRoutes(app: TApp): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + m[2]!;
    stack[depth] = full;
    // The docs themselves, and the member-facing unsubscribe pages (HTML for people, not API), are not in the document.
    // The dashboard's and the member portal's static files (/admin/*, /portal/*) are pages, not API; their
    // /admin/api and /portal/api routes are documented.
    if (
      full.startsWith('/docs') ||
      full === '/openapi.json' ||
      full.startsWith('/unsubscribe/') ||
      (full.startsWith('/admin') && !full.startsWith('/admin/api/')) ||
      (full.startsWith('/portal') && !full.startsWith('/portal/api/'))
    )
      continue;
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim())) {
      if (method && method !== 'HEAD')
        out.push(`${method} ${full.replace(/:(\w+)/g, (_, p: string) => `{${p}}`)}`);
    }
  }
  return out.sort();
}

describe.each(BACKENDS)('HTTP errors and documents on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub();
  });
  afterAll(async () => env?.close());

  /** A raw request as the club (unless `auth` is false), with full control of payload and headers. */
  function send(
    method: InjectOptions['method'],
    path: string,
    opts: { payload?: string; headers?: Record<string, string>; auth?: boolean } = {},
  ) {
    return env.app.inject({
      method,
      url: path,
      headers: {
        ...(opts.auth === false ? {} : { authorization: `Bearer ${club.key}` }),
        ...(opts.payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      ...(opts.payload === undefined ? {} : { payload: opts.payload }),
    });
  }

  async function member(): Promise<string> {
    const id = uid('C');
    expect((await club.call('PUT', `/v1/members/${id}`, { firstName: 'مریم' })).status).toBe(201);
    return id;
  }

  function order(memberExternalId: string, over: Record<string, unknown> = {}) {
    return {
      externalId: uid('O'),
      memberExternalId,
      placedAt: new Date(env.clock.now().getTime() - 3600_000).toISOString(),
      totalRials: 1_000_000,
      status: 'paid',
      lines: [{ sku: 'BK-1', category: 'books', quantity: 1, unitPriceRials: 1_000_000 }],
      ...over,
    };
  }

  describe('unreadable bodies', () => {
    it('answers malformed JSON with 400 malformed_request as problem+json, and writes nothing', async () => {
      const id = uid('C');
      const res = await send('PUT', `/v1/members/${id}`, { payload: '{"firstName": "a",' });
      const body = expectProblem(res, 400, 'malformed_request');
      expect(body.instance).toBe(`/v1/members/${id}`);
      expect(body.detail).toMatch(/JSON/);
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
    });

    it('answers an empty body sent as JSON with malformed_request', async () => {
      const res = await send('POST', '/v1/orders', { payload: '' });
      expectProblem(res, 400, 'malformed_request');
    });

    it.each([
      ['application/xml', '<order/>'],
      ['application/x-www-form-urlencoded', 'externalId=O-1'],
      ['multipart/form-data; boundary=x', '--x--'],
    ])('answers a %s body with 415 unsupported_media_type and writes nothing', async (type, payload) => {
      const id = uid('C');
      const res = await send('PUT', `/v1/members/${id}`, { payload, headers: { 'content-type': type } });
      expectProblem(res, 415, 'unsupported_media_type');
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
    });

    it('accepts application/json with a charset parameter', async () => {
      const id = uid('C');
      const res = await send('PUT', `/v1/members/${id}`, {
        payload: JSON.stringify({ firstName: 'Sara' }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(res.statusCode).toBe(201);
    });
  });

  describe('validation', () => {
    it('names a field of the wrong type', async () => {
      const m = await member();
      const o = order(m, { totalRials: '1000000' });
      const body = expectProblem(
        await send('POST', '/v1/orders', { payload: JSON.stringify(o) }),
        400,
        'validation_failed',
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: 'totalRials', in: 'body' })]);
      expect(body.detail).toMatch(/^totalRials: /);
      expect((await club.call('GET', `/v1/orders/${o.externalId}`)).status).toBe(404);
    });

    it('names every missing field at once', async () => {
      const body = expectProblem(
        await send('POST', '/v1/orders', { payload: JSON.stringify({ externalId: uid('O') }) }),
        400,
        'validation_failed',
      );
      expect(body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'memberExternalId',
        'placedAt',
        'totalRials',
      ]);
      expect(body.detail).toMatch(/\(and 2 more\)$/);
    });

    it('names a nested field by its dotted path', async () => {
      const m = await member();
      const o = order(m, {
        lines: [
          { sku: 'A', quantity: 1, unitPriceRials: 500_000 },
          { sku: 'B', quantity: 0, unitPriceRials: 500_000 },
        ],
      });
      const body = expectProblem(
        await send('POST', '/v1/orders', { payload: JSON.stringify(o) }),
        400,
        'validation_failed',
      );
      expect(body.errors).toEqual([expect.objectContaining({ field: 'lines.1.quantity', in: 'body' })]);
      expect((await club.call('GET', `/v1/orders/${o.externalId}`)).status).toBe(404);
      expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(0);
    });

    it('refuses unknown fields (schemas are strict) and writes nothing', async () => {
      const id = uid('C');
      const res = await club.call('PUT', `/v1/members/${id}`, { firstName: 'Ali', loyaltyTier: 'gold' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors[0]).toMatchObject({ field: 'loyaltyTier', in: 'body' });
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
      const m = await member();
      const line = await club.call(
        'POST',
        '/v1/orders',
        order(m, { lines: [{ sku: 'A', quantity: 1, unitPriceRials: 1, colour: 'red' }] }),
      );
      expect(line.status).toBe(400);
      expect(line.body.errors[0].field).toBe('lines.0.colour');
    });

    it.each([
      ['1e20', 1e20],
      ['above 10^15', 1e15 + 1],
      ['a fraction', 1.5],
      ['negative', -1],
      ['"NaN"', 'NaN'],
      ['"Infinity"', 'Infinity'],
      ['a numeric string', '1000'],
      ['null', null],
      ['a boolean', true],
    ])('refuses totalRials %s', async (_label, value) => {
      const m = await member();
      const o = order(m, { totalRials: value });
      const res = await club.call('POST', '/v1/orders', o);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('totalRials');
      expect((await club.call('GET', `/v1/orders/${o.externalId}`)).status).toBe(404);
    });

    it('accepts the largest amount, 10^15 rials, and keeps it exact', async () => {
      const m = await member();
      const o = order(m, {
        totalRials: 1e15,
        lines: [{ sku: 'GOLD', quantity: 1, unitPriceRials: 1e15 }],
      });
      const res = await club.call('POST', '/v1/orders', o);
      expect(res.status).toBe(201);
      expect(res.body.totalRials).toBe(1e15);
      expect(res.body.points.earned).toBe(1e11);
      const again = await club.call('GET', `/v1/orders/${o.externalId}`);
      expect(again.body.totalRials).toBe(1e15);
      expect(again.body.lines[0].unitPriceRials).toBe(1e15);
    });

    it('refuses a bad points adjustment and leaves the ledger as it was', async () => {
      const m = await member();
      for (const points of [1.5, 0, 1e9, '10']) {
        const res = await club.call('POST', `/v1/members/${m}/points/adjustments`, { points, reason: 'x' });
        expect(res.status, JSON.stringify(points)).toBe(400);
        expect(res.body.errors[0].field).toBe('points');
      }
      const empty = await club.call('POST', `/v1/members/${m}/points/adjustments`, {
        points: 5,
        reason: '  ',
      });
      expect(empty.body.errors[0].field).toBe('reason');
      expect((await club.call('GET', `/v1/members/${m}/ledger`)).body.items).toEqual([]);
      expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(0);
    });

    it('says where a query or path field is', async () => {
      const q = await club.call('GET', '/v1/members?limit=500');
      expect(q.status).toBe(400);
      expect(q.body.errors).toEqual([expect.objectContaining({ field: 'limit', in: 'query' })]);
      const p = await club.call('GET', '/v1/members/a%20b');
      expect(p.status).toBe(400);
      expect(p.body.errors).toEqual([expect.objectContaining({ field: 'externalId', in: 'path' })]);
      const h = await club.call(
        'POST',
        `/v1/members/${await member()}/points/adjustments`,
        { points: 1, reason: 'x' },
        { 'idempotency-key': 'k'.repeat(256) },
      );
      expect(h.status).toBe(400);
      expect(h.body.errors).toEqual([expect.objectContaining({ field: 'idempotency-key', in: 'header' })]);
    });
  });

  describe('body size', () => {
    /** A JSON body of exactly `bytes` bytes: a member with an unknown `pad` field. */
    const bodyOf = (bytes: number) => {
      const skeleton = JSON.stringify({ firstName: 'a', pad: '' });
      return JSON.stringify({ firstName: 'a', pad: 'x'.repeat(bytes - skeleton.length) });
    };

    it('reads a body of exactly 1 MiB and refuses one byte more with 413, writing nothing', async () => {
      const id = uid('C');
      expect(Buffer.byteLength(bodyOf(MiB))).toBe(MiB);
      // At the limit the body is read, so the schema answers (pad is unknown).
      expectProblem(
        await send('PUT', `/v1/members/${id}`, { payload: bodyOf(MiB) }),
        400,
        'validation_failed',
      );
      const res = await send('PUT', `/v1/members/${id}`, { payload: bodyOf(MiB + 1) });
      expectProblem(res, 413, 'payload_too_large');
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
    });

    it('takes a batch of about 2 MB whole, and refuses one over 8 MiB', async () => {
      const m = await member();
      const lines = Array.from({ length: 12 }, (_, i) => ({
        sku: `SKU-${i}`.padEnd(64, '0'),
        category: 'c'.repeat(100),
        quantity: 1,
        unitPriceRials: 1000,
      }));
      const orders = Array.from({ length: 1000 }, () => order(m, { totalRials: 12_000, lines }));
      const payload = JSON.stringify({ orders });
      expect(payload.length).toBeGreaterThan(2 * MiB);
      const res = await send('POST', '/v1/orders/batch', { payload });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ created: 1000, failed: 0 });

      const huge = JSON.stringify({ orders: [order(m)], pad: 'x'.repeat(8 * MiB) });
      expectProblem(await send('POST', '/v1/orders/batch', { payload: huge }), 413, 'payload_too_large');
      // The 8 MiB limit is the batch route's only: a single order of 2 MiB is refused.
      expectProblem(
        await send('POST', '/v1/orders', {
          payload: JSON.stringify({ ...order(m), pad: 'x'.repeat(2 * MiB) }),
        }),
        413,
        'payload_too_large',
      );
    });

    it('follows a configured limit, with batches at 8 times it', async () => {
      const { app } = await buildApp({ db: env.db, bodyLimitBytes: 4096 });
      try {
        const call = (path: string, size: number) =>
          app.inject({
            method: path === '/v1/orders/batch' ? 'POST' : 'PUT',
            url: path,
            headers: { authorization: `Bearer ${club.key}`, 'content-type': 'application/json' },
            payload: JSON.stringify({ pad: 'x'.repeat(size) }),
          });
        expect((await call(`/v1/members/${uid('C')}`, 5000)).statusCode).toBe(413);
        expect((await call(`/v1/members/${uid('C')}`, 3000)).statusCode).toBe(400);
        expect((await call('/v1/orders/batch', 30_000)).statusCode).toBe(400);
        expect((await call('/v1/orders/batch', 33_000)).statusCode).toBe(413);
      } finally {
        await app.close();
      }
    });
  });

  describe('authentication', () => {
    it('answers a request without Authorization with 401 unauthenticated', async () => {
      const body = expectProblem(await send('GET', '/v1/club', { auth: false }), 401, 'unauthenticated');
      expect(body.detail).toMatch(/Bearer/);
    });

    it.each([
      ['Basic', 'Basic dXNlcjpwYXNz'],
      ['an empty bearer', 'Bearer '],
      ['a bare key', 'vafa_sk_abc'],
    ])('answers %s Authorization with 401 unauthenticated', async (_label, header) => {
      expectProblem(
        await send('GET', '/v1/club', { auth: false, headers: { authorization: header } }),
        401,
        'unauthenticated',
      );
    });

    it('answers an unknown key with 401 invalid_api_key', async () => {
      const res = await send('GET', '/v1/club', {
        auth: false,
        headers: { authorization: `Bearer vafa_sk_${'A'.repeat(43)}` },
      });
      expectProblem(res, 401, 'invalid_api_key');
      // A near miss of a real key is not a key either.
      const near = await send('GET', '/v1/club', {
        auth: false,
        headers: { authorization: `Bearer ${club.key.slice(0, -1)}x` },
      });
      expectProblem(near, 401, 'invalid_api_key');
    });

    it('accepts the scheme in any case', async () => {
      const res = await send('GET', '/v1/club', {
        auth: false,
        headers: { authorization: `bearer ${club.key}` },
      });
      expect(res.statusCode).toBe(200);
    });

    it('checks the key before the body: an unauthenticated bad request is 401 and writes nothing', async () => {
      const id = uid('C');
      const bad = await send('PUT', `/v1/members/${id}`, { auth: false, payload: '{"firstName": 5' });
      expectProblem(bad, 401, 'unauthenticated');
      const good = await send('PUT', `/v1/members/${id}`, {
        auth: false,
        headers: { authorization: 'Bearer vafa_sk_nope' },
        payload: JSON.stringify({ firstName: 'Ali' }),
      });
      expectProblem(good, 401, 'invalid_api_key');
      expect((await club.call('GET', `/v1/members/${id}`)).status).toBe(404);
    });

    it('guards every /v1 route in the OpenAPI document', async () => {
      const doc = JSON.parse((await send('GET', '/openapi.json', { auth: false })).body);
      let checked = 0;
      for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
        if (!path.startsWith('/v1/')) continue;
        for (const method of Object.keys(ops)) {
          const res = await send(
            method.toUpperCase() as InjectOptions['method'],
            path.replace(/\{\w+\}/g, 'X-1'),
            {
              auth: false,
              ...(method === 'get' || method === 'delete' ? {} : { payload: '{}' }),
            },
          );
          expect(res.statusCode, `${method} ${path}`).toBe(401);
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(15);
    });
  });

  describe('routing, request ids and the generic error', () => {
    it('answers an unknown route with 404 route_not_found, with or without a key', async () => {
      const anon = expectProblem(await send('GET', '/nope?x=1', { auth: false }), 404, 'route_not_found');
      expect(anon.instance).toBe('/nope');
      expectProblem(await send('GET', '/v1/memberz'), 404, 'route_not_found');
      expectProblem(await send('POST', '/v1/members/C-1/points'), 404, 'route_not_found');
    });

    it('answers an unknown member with 404 not_found', async () => {
      const body = expectProblem(await send('GET', '/v1/members/nobody-here'), 404, 'not_found');
      expect(body.detail).toContain('nobody-here');
    });

    it('echoes a valid x-request-id in the header and the problem, on success and failure', async () => {
      const ok = await send('GET', '/v1/club', { headers: { 'x-request-id': 'shop-req.42_a' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-request-id']).toBe('shop-req.42_a');
      const bad = await send('GET', '/v1/club', { auth: false, headers: { 'x-request-id': 'shop-req-43' } });
      expect(bad.headers['x-request-id']).toBe('shop-req-43');
      expect(JSON.parse(bad.body).requestId).toBe('shop-req-43');
      const notFound = await send('GET', '/missing', { headers: { 'x-request-id': 'shop-req-44' } });
      expect(JSON.parse(notFound.body).requestId).toBe('shop-req-44');
    });

    it('replaces an unusable x-request-id with a fresh one, different for each request', async () => {
      for (const given of ['x'.repeat(65), 'has space', 'semi;colon', '%D9%86%D8%A7%D9%85', '']) {
        const res = await send('GET', '/v1/club', { headers: { 'x-request-id': given } });
        expect(res.headers['x-request-id']).toMatch(UUID);
      }
      const a = await send('GET', '/healthz', { auth: false });
      const b = await send('GET', '/healthz', { auth: false });
      expect(a.headers['x-request-id']).toMatch(UUID);
      expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    });

    it('answers an unexpected error with a generic 500 and logs the original under the request id', async () => {
      const logs: string[] = [];
      const { app } = await buildApp({
        db: failingDb(new Error('boom: relation "secret_table" does not exist')),
        logger: { level: 'error', stream: { write: (s: string) => void logs.push(s) } },
      });
      try {
        const res = await app.inject({
          method: 'GET',
          url: '/v1/club',
          headers: { authorization: 'Bearer vafa_sk_x', 'x-request-id': 'trace-500' },
        });
        const body = expectProblem(res, 500, 'internal_error');
        expect(res.body).not.toContain('secret_table');
        expect(body.detail).not.toContain('boom');
        const logged = logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'trace-500' && l.err);
        expect(logged?.err.message).toContain('secret_table');
      } finally {
        await app.close();
      }
    });

    it('answers 503 service_unavailable with Retry-After when the database is unreachable', async () => {
      const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      const { app } = await buildApp({ db: failingDb(down) });
      try {
        const res = await app.inject({
          method: 'GET',
          url: '/v1/club',
          headers: { authorization: 'Bearer vafa_sk_x' },
        });
        expectProblem(res, 503, 'service_unavailable');
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).not.toContain('5432');
        const health = await app.inject({ method: 'GET', url: '/healthz' });
        expect(health.statusCode).toBe(503);
        expect(JSON.parse(health.body)).toMatchObject({ status: 'unavailable', database: 'pglite' });
      } finally {
        await app.close();
      }
    });
  });

  describe('system routes and documents', () => {
    it('answers /healthz without a key', async () => {
      const res = await send('GET', '/healthz', { auth: false });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', database: env.db.kind });
    });

    it('serves an OpenAPI 3.1 document listing every registered route, secured by bearerAuth', async () => {
      const res = await send('GET', '/openapi.json', { auth: false });
      expect(res.statusCode).toBe(200);
      const doc = JSON.parse(res.body);
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info.title).toBeTruthy();
      expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });

      const documented = Object.entries<Record<string, unknown>>(doc.paths)
        .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      const routes = registeredRoutes(env.app);
      expect(routes).toContain('PUT /v1/members/{externalId}');
      expect(routes).toContain('POST /v1/orders/batch');
      expect(documented).toEqual(routes);

      for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
        for (const [method, op] of Object.entries<any>(ops)) {
          const where = `${method} ${path}`;
          expect(op.summary, where).toBeTruthy();
          if (path.startsWith('/v1/')) {
            expect(op.security, where).toEqual([{ bearerAuth: [] }]);
            expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['400', '401']));
          } else {
            expect(op.security, where).toBeUndefined();
          }
        }
      }
    });

    it('serves the readable docs as HTML', async () => {
      const res = await send('GET', '/docs', { auth: false });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toMatch(/<html/i);
      expect(res.body).toMatch(/swagger/i);
    });
  });
});
