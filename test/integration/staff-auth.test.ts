import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import { LOCKOUT_ATTEMPTS, SESSION_TTL_MS, staffModule } from '../../src/modules/staff/index.js';
import { hashPassword, verifyPassword } from '../../src/modules/staff/staff.password.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe('staff passwords', () => {
  it('verifies the right password and refuses a wrong one; hashes are salted', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
});

describe.each(BACKENDS)('staff sessions on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  const PASSWORD = 'a long enough password';

  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, staffModule] });
    club = await env.newClub();
    const { staffOf } = await import('../../src/modules/staff/index.js');
    for (const role of ['owner', 'marketer', 'support', 'analyst'] as const) {
      await staffOf(env.ctx).createUser({
        clubId: club.clubId,
        email: `${role}-${club.clubId}@example.com`,
        role,
        password: PASSWORD,
      });
    }
  });
  afterAll(() => env.close());

  async function signIn(role: string, password = PASSWORD) {
    const res = await env.app.inject({
      method: 'POST',
      url: '/admin/api/session',
      payload: { email: `${role}-${club.clubId}@example.com`, password },
    });
    const cookie = String(res.headers['set-cookie'] ?? '');
    return { res, body: res.json(), cookie: cookie.split(';')[0]! };
  }

  async function call(
    s: { cookie: string; body: { csrfToken: string } },
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
    path: string,
    payload?: unknown,
    csrf = true,
  ) {
    return env.app.inject({
      method,
      url: path,
      headers: { cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.body.csrfToken } : {}) },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  it('signs in with an httpOnly SameSite=Strict cookie and reads /v1 as the club', async () => {
    const s = await signIn('owner');
    expect(s.res.statusCode).toBe(200);
    expect(String(s.res.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(s.body.user.role).toBe('owner');
    const me = await env.app.inject({
      method: 'GET',
      url: '/admin/api/session',
      headers: { cookie: s.cookie },
    });
    expect(me.json().user.clubId).toBe(club.clubId);
    const clubRes = await call(s, 'GET', '/v1/club');
    expect(clubRes.statusCode).toBe(200);
    expect(clubRes.json().id).toBe(club.clubId);
  });

  it('records a manual adjustment with the staff user as its author', async () => {
    await club.call('PUT', '/v1/members/m-1', { firstName: 'سارا' });
    const s = await signIn('support');
    const res = await call(s, 'POST', '/v1/members/m-1/points/adjustments', {
      points: 50,
      reason: 'جبران تأخیر',
    });
    expect(res.statusCode).toBe(201);
    const ledger = await club.call('GET', '/v1/members/m-1/ledger');
    expect(ledger.body.items[0].note ?? '').toContain('جبران');
  });

  it('refuses a write without the CSRF header, and with another session’s token', async () => {
    const s = await signIn('owner');
    const other = await signIn('marketer');
    const body = { name: 'x', priority: 5, kind: 'first_order', config: { points: 10 } };
    const none = await call(s, 'POST', '/v1/rules', body, false);
    expect(none.statusCode).toBe(403);
    expect(none.json().code).toBe('csrf_token_invalid');
    const wrong = await env.app.inject({
      method: 'POST',
      url: '/v1/rules',
      headers: { cookie: s.cookie, 'x-csrf-token': other.body.csrfToken },
      payload: body,
    });
    expect(wrong.json().code).toBe('csrf_token_invalid');
    const rules = await club.call('GET', '/v1/rules');
    expect(rules.body.items ?? rules.body).toHaveLength(0);
  });

  it('refuses each role the routes outside its part', async () => {
    const analyst = await signIn('analyst');
    expect((await call(analyst, 'GET', '/v1/members')).statusCode).toBe(200);
    expect((await call(analyst, 'GET', '/v1/reports/overview')).statusCode).toBe(200);
    const refused = await call(analyst, 'POST', '/v1/members/m-1/points/adjustments', {
      points: 1,
      reason: 'x',
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    expect((await call(analyst, 'GET', '/v1/api-keys')).statusCode).toBe(403);

    const marketer = await signIn('marketer');
    expect(
      (await call(marketer, 'POST', '/v1/members/m-1/points/adjustments', { points: 1, reason: 'x' }))
        .statusCode,
    ).toBe(403);
    const rule = await call(marketer, 'POST', '/v1/rules', {
      name: 'خرید اول',
      priority: 7,
      kind: 'first_order',
      config: { points: 10 },
    });
    expect(rule.statusCode).toBe(201);

    // A marketer may create campaigns, but going deeper than the discount guardrail is the owner's call.
    const now = Date.now();
    const deepPrize = {
      name: 'ترخیص انبار',
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 30 * 86_400_000).toISOString(),
      grant: { kind: 'purchase_prize', sku: 'CAN-24', buyQuantity: 24, freeQuantity: 12 },
      guardrailOverride: { reason: 'با تأیید مدیرعامل' },
    };
    const marketerOverride = await call(marketer, 'POST', '/v1/campaigns', deepPrize);
    expect(marketerOverride.statusCode).toBe(403);
    expect(marketerOverride.json().errors[0].field).toBe('guardrailOverride');
    expect((await call(await signIn('owner'), 'POST', '/v1/campaigns', deepPrize)).statusCode).toBe(201);
    // The same for coupon batches and rewards: the guardrail's override is the owner's, on every form.
    const deepBatch = { name: 'عمیق', kind: 'percent', percent: 60, guardrailOverride: { reason: 'حراج' } };
    const batchByMarketer = await call(marketer, 'POST', '/v1/coupon-batches', deepBatch);
    expect(batchByMarketer.statusCode).toBe(403);
    expect(batchByMarketer.json().errors[0].field).toBe('guardrailOverride');
    expect((await call(await signIn('owner'), 'POST', '/v1/coupon-batches', deepBatch)).statusCode).toBe(201);
    const deepReward = {
      kind: 'fixed_discount',
      nameFa: 'تخفیف عمیق',
      costPoints: 100,
      config: { amountRials: 500_000 },
      guardrailOverride: { reason: 'حراج' },
    };
    const rewardByMarketer = await call(marketer, 'POST', '/v1/rewards', deepReward);
    expect(rewardByMarketer.statusCode, rewardByMarketer.body).toBe(403);

    const support = await signIn('support');
    expect((await call(support, 'POST', '/v1/rules', { name: 'x' })).statusCode).toBe(403);
    expect((await call(support, 'PATCH', '/v1/club', { name: 'x' })).statusCode).toBe(403);
    expect((await call(support, 'GET', '/v1/webhooks/subscriptions')).statusCode).toBe(403);
    const owner = await signIn('owner');
    expect((await call(owner, 'GET', '/v1/api-keys')).statusCode).toBe(200);
  });

  it('locks sign-in after repeated failures, even for the right password, until the lock ends', async () => {
    for (let i = 0; i < LOCKOUT_ATTEMPTS - 1; i++) {
      expect((await signIn('analyst', 'wrong password!')).body.code).toBe('invalid_credentials');
    }
    const last = await signIn('analyst', 'wrong password!');
    expect(last.res.statusCode).toBe(429);
    expect(last.body.code).toBe('account_locked');
    expect(Number(last.res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await signIn('analyst')).body.code).toBe('account_locked');
    env.clock.advanceDays(1 / 48); // 30 minutes
    expect((await signIn('analyst')).res.statusCode).toBe(200);
  });

  it('does not say whether an email exists', async () => {
    const res = await env.app.inject({
      method: 'POST',
      url: '/admin/api/session',
      payload: { email: 'nobody@example.com', password: 'whatever' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid_credentials');
  });

  it('ends a session at sign-out and when it expires', async () => {
    const s = await signIn('owner');
    expect((await call(s, 'DELETE', '/admin/api/session', undefined, false)).statusCode).toBe(403);
    expect((await call(s, 'DELETE', '/admin/api/session')).statusCode).toBe(204);
    expect((await call(s, 'GET', '/v1/club')).statusCode).toBe(401);

    const t = await signIn('owner');
    expect((await call(t, 'GET', '/v1/club')).statusCode).toBe(200);
    env.clock.advanceDays(SESSION_TTL_MS / 86_400_000 + 0.01);
    const expired = await call(t, 'GET', '/v1/club');
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('unauthenticated');
  });

  it('keeps API keys at full access', async () => {
    expect((await club.call('GET', '/v1/api-keys')).status).toBe(200);
  });

  it('answers the overview and a member’s orders', async () => {
    const created = await club.call('POST', '/v1/orders', {
      externalId: 'o-1',
      memberExternalId: 'm-1',
      placedAt: env.clock.now().toISOString(),
      totalRials: 5_000_000,
      status: 'paid',
      lines: [{ sku: 'a', quantity: 1, unitPriceRials: 5_000_000 }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const o = await club.call('GET', '/v1/reports/overview');
    expect(o.status).toBe(200);
    expect(o.body.members).toBe(1);
    expect(o.body.buyers).toBe(1);
    expect(o.body.months).toHaveLength(12);
    expect(o.body.months.at(-1).orders).toBe(1);
    const orders = await club.call('GET', '/v1/reports/members/m-1/orders');
    expect(orders.body.items[0].externalId).toBe('o-1');
    expect((await club.call('GET', '/v1/reports/members/nobody/orders')).status).toBe(404);
  });

  it('writes the signed-in staff user as the author of complaint entries, whatever the body says', async () => {
    await club.call('PUT', '/v1/members/m-author', { firstName: 'Rana' });
    const made = await club.call('POST', '/v1/complaints', {
      memberExternalId: 'm-author',
      description: 'The parcel came open.',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const s = await signIn('support');
    const note = await call(s, 'POST', `/v1/complaints/${made.body.id}/notes`, {
      note: 'Asked the courier.',
      author: 'owner@elsewhere.test',
    });
    expect(note.statusCode, note.body).toBe(201);
    const reply = await call(s, 'POST', `/v1/complaints/${made.body.id}/replies`, {
      from: 'staff',
      message: 'We are on it.',
      author: 'someone-else',
    });
    expect(reply.statusCode, reply.body).toBeLessThan(300);
    const full = await club.call('GET', `/v1/complaints/${made.body.id}`);
    const staffEntries = (full.body.timeline as Array<{ authorType: string; author: string | null }>).filter(
      (e) => e.authorType === 'staff',
    );
    expect(staffEntries.length).toBeGreaterThanOrEqual(2);
    for (const e of staffEntries) expect(e.author).toBe(`support-${club.clubId}@example.com`);
    // An API key may still name the agent it acts for.
    const byKey = await club.call('POST', `/v1/complaints/${made.body.id}/notes`, {
      note: 'Key note',
      author: 'agent-7',
    });
    expect(byKey.status).toBe(201);
    const again = await club.call('GET', `/v1/complaints/${made.body.id}`);
    expect(again.body.timeline.some((e: { author: string | null }) => e.author === 'agent-7')).toBe(true);
  });
});
