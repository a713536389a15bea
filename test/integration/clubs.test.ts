import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const DAY_MS = 86_400_000;

describe.each(BACKENDS)('club settings and API keys on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = await setupEnv(url);
  });
  afterAll(async () => env?.close());

  /** Calls GET /v1/club with a raw key, outside any TestClub. */
  const withKey = (key: string) =>
    env.app.inject({ method: 'GET', url: '/v1/club', headers: { authorization: `Bearer ${key}` } });

  describe('GET and PATCH /v1/club', () => {
    it('shows the key’s club with the default settings', async () => {
      const club = await env.newClub('کتاب‌فروشی نمونه');
      const res = await club.call('GET', '/v1/club');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: club.clubId,
        name: 'کتاب‌فروشی نمونه',
        rialsPerPoint: 10_000,
        returnWindowDays: 14,
        createdAt: expect.any(String),
      });
      expect(Number.isNaN(Date.parse(res.body.createdAt))).toBe(false);
    });

    it('changes only the fields sent, and only for this club', async () => {
      const club = await env.newClub('Before');
      const other = await env.newClub('Neighbour');
      const patched = await club.call('PATCH', '/v1/club', { name: '  After  ', rialsPerPoint: 5000 });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ name: 'After', rialsPerPoint: 5000, returnWindowDays: 14 });
      const window = await club.call('PATCH', '/v1/club', { returnWindowDays: 0 });
      expect(window.body).toMatchObject({ name: 'After', rialsPerPoint: 5000, returnWindowDays: 0 });
      const nothing = await club.call('PATCH', '/v1/club', {});
      expect(nothing.status).toBe(200);
      expect(nothing.body).toEqual(window.body);
      expect((await club.call('GET', '/v1/club')).body).toEqual(window.body);
      expect((await other.call('GET', '/v1/club')).body).toMatchObject({
        name: 'Neighbour',
        rialsPerPoint: 10_000,
        returnWindowDays: 14,
      });
    });

    it.each([
      ['rialsPerPoint', 0],
      ['rialsPerPoint', 1.5],
      ['rialsPerPoint', 1_000_000_001],
      ['rialsPerPoint', '5000'],
      ['returnWindowDays', -1],
      ['returnWindowDays', 366],
      ['name', '   '],
      ['name', 'x'.repeat(201)],
    ])('refuses %s = %j, naming it, and keeps the settings', async (field, value) => {
      const club = await env.newClub();
      const res = await club.call('PATCH', '/v1/club', { [field]: value });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors[0].field).toBe(field);
      expect((await club.call('GET', '/v1/club')).body).toMatchObject({
        name: 'Test club',
        rialsPerPoint: 10_000,
        returnWindowDays: 14,
      });
    });

    it('refuses fields that are not settings', async () => {
      const club = await env.newClub();
      const res = await club.call('PATCH', '/v1/club', { id: 'club_other', rialsPerPoint: 1 });
      expect(res.status).toBe(400);
      expect((await club.call('GET', '/v1/club')).body).toMatchObject({
        id: club.clubId,
        rialsPerPoint: 10_000,
      });
    });
  });

  describe('changing rialsPerPoint and returnWindowDays', () => {
    let club: TestClub;
    let member: string;

    beforeAll(async () => {
      club = await env.newClub('Rate shop');
      member = uid('C');
      expect((await club.call('PUT', `/v1/members/${member}`, { firstName: 'Sina' })).status).toBe(201);
    });

    const order = (externalId: string, status: string) => ({
      externalId,
      memberExternalId: member,
      placedAt: new Date(env.clock.now().getTime() - 3600_000).toISOString(),
      totalRials: 2_500_000,
      status,
      lines: [{ sku: 'BK-1', quantity: 1, unitPriceRials: 2_500_000 }],
    });

    it('earns at the new rate on orders paid afterwards, and leaves past entries as they were', async () => {
      const before = await club.call('POST', '/v1/orders', order('RATE-1', 'paid'));
      expect(before.body.points.earned).toBe(250);
      const placed = await club.call('POST', '/v1/orders', order('RATE-2', 'placed'));
      expect(placed.body.points.earned).toBe(0);

      expect((await club.call('PATCH', '/v1/club', { rialsPerPoint: 5000 })).status).toBe(200);

      const after = await club.call('POST', '/v1/orders', order('RATE-3', 'paid'));
      expect(after.body.points.earned).toBe(500);
      // Placed before the change but paid after: paid afterwards, so the new rate.
      const paidLater = await club.call('POST', '/v1/orders/RATE-2/status', { status: 'paid' });
      expect(paidLater.body.points.earned).toBe(500);
      // The first order keeps what it earned, and a return takes back its share of that, not of a re-rating.
      expect((await club.call('GET', '/v1/orders/RATE-1')).body.points.earned).toBe(250);
      const ret = await club.call('POST', '/v1/orders/RATE-1/returns', {
        externalId: 'R-1',
        amountRials: 1_250_000,
      });
      expect(ret.status).toBe(201);
      expect(ret.body.return.pointsReversed).toBe(125);
      // Retrying the first order after the change earns nothing new.
      const retry = await club.call('POST', '/v1/orders', {
        ...order('RATE-1', 'paid'),
        placedAt: before.body.placedAt,
      });
      expect(retry.status).toBe(200);

      const ledger = await club.call('GET', `/v1/members/${member}/ledger?limit=50`);
      const earns = ledger.body.items
        .filter((e: { reason: string }) => e.reason === 'earn_purchase')
        .map((e: { source: { id: string }; amount: number }) => e.amount)
        .sort((a: number, b: number) => a - b);
      expect(earns).toEqual([250, 500, 500]);
      expect((await club.call('GET', `/v1/members/${member}/points`)).body).toMatchObject({
        available: 0,
        pending: 250 - 125 + 500 + 500,
        debt: 0,
        lifetimeEarned: 1125,
      });
      expect(await ledgerTotal(env, club.clubId)).toBe(0);
    });

    it('starts the new return window for orders delivered afterwards', async () => {
      const deliveredBefore = new Date(env.clock.now().getTime() - 60_000);
      const early = await club.call('POST', '/v1/orders', order('WIN-1', 'paid'));
      expect(early.status).toBe(201);
      await club.call('POST', '/v1/orders/WIN-1/status', {
        status: 'delivered',
        at: deliveredBefore.toISOString(),
      });
      expect((await club.call('GET', '/v1/orders/WIN-1')).body.points.availableAt).toBe(
        new Date(deliveredBefore.getTime() + 14 * DAY_MS).toISOString(),
      );

      expect((await club.call('PATCH', '/v1/club', { returnWindowDays: 3 })).status).toBe(200);
      await club.call('POST', '/v1/orders', order('WIN-2', 'paid'));
      const deliveredAt = new Date(env.clock.now().getTime() - 30_000);
      const delivered = await club.call('POST', '/v1/orders/WIN-2/status', {
        status: 'delivered',
        at: deliveredAt.toISOString(),
      });
      expect(delivered.status).toBe(200);
      expect(delivered.body.points.availableAt).toBe(
        new Date(deliveredAt.getTime() + 3 * DAY_MS).toISOString(),
      );
      // The earlier delivery keeps its 14 days.
      expect((await club.call('GET', '/v1/orders/WIN-1')).body.points.availableAt).toBe(
        new Date(deliveredBefore.getTime() + 14 * DAY_MS).toISOString(),
      );
    });
  });

  describe('API keys', () => {
    it('lists keys without their secrets', async () => {
      const club = await env.newClub();
      const res = await club.call('GET', '/v1/api-keys');
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        {
          id: expect.stringMatching(/^key_/),
          name: 'default',
          prefix: club.key.slice(0, 12),
          createdAt: expect.any(String),
          revokedAt: null,
        },
      ]);
      expect(JSON.stringify(res.body)).not.toContain(club.key.slice(12));
    });

    it('shows a new key once; the key works at once and the listing never shows it', async () => {
      const club = await env.newClub();
      const created = await club.call('POST', '/v1/api-keys', { name: ' shop backend ' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'shop backend', revokedAt: null });
      expect(created.body.key).toMatch(/^vafa_sk_[A-Za-z0-9_-]{43}$/);
      expect(created.body.prefix).toBe(created.body.key.slice(0, 12));
      expect(created.body.key).not.toBe(club.key);

      const used = await withKey(created.body.key);
      expect(used.statusCode).toBe(200);
      expect(JSON.parse(used.body).id).toBe(club.clubId);

      const list = await club.call('GET', '/v1/api-keys');
      expect(list.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
      const text = JSON.stringify(list.body);
      expect(text).not.toContain(created.body.key);
      expect(text).not.toContain(created.body.key.slice(12));
      expect(list.body.items.every((k: object) => !('key' in k))).toBe(true);
    });

    it('refuses a key without a usable name', async () => {
      const club = await env.newClub();
      for (const body of [{ name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, {}]) {
        const res = await club.call('POST', '/v1/api-keys', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.errors[0].field).toBe('name');
      }
      expect((await club.call('GET', '/v1/api-keys')).body.items).toHaveLength(1);
    });

    it('revokes a key: it answers 401 at once, even just after being used, and the others keep working', async () => {
      const club = await env.newClub();
      const created = await club.call('POST', '/v1/api-keys', { name: 'to revoke' });
      // Used first, so it sits in the in-process key cache.
      expect((await withKey(created.body.key)).statusCode).toBe(200);

      const revoked = await club.call('DELETE', `/v1/api-keys/${created.body.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: created.body.id, name: 'to revoke' });
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      expect(revoked.body).not.toHaveProperty('key');

      const refused = await withKey(created.body.key);
      expect(refused.statusCode).toBe(401);
      expect(JSON.parse(refused.body).code).toBe('invalid_api_key');
      expect((await club.call('GET', '/v1/club')).status).toBe(200);

      // Revoking again is harmless and keeps the first revocation time.
      const again = await club.call('DELETE', `/v1/api-keys/${created.body.id}`);
      expect(again.status).toBe(200);
      expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
      const listed = (await club.call('GET', '/v1/api-keys')).body.items.find(
        (k: { id: string }) => k.id === created.body.id,
      );
      expect(listed.revokedAt).toBe(revoked.body.revokedAt);
    });

    it('revoking the key in use locks that key out of the next request', async () => {
      const club = await env.newClub();
      const keys = await club.call('GET', '/v1/api-keys');
      const own = keys.body.items[0].id;
      expect((await club.call('DELETE', `/v1/api-keys/${own}`)).status).toBe(200);
      const after = await club.call('GET', '/v1/club');
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('invalid_api_key');
    });

    it('answers 404 for another club’s key id, and that key keeps working', async () => {
      const mine = await env.newClub('Mine');
      const theirs = await env.newClub('Theirs');
      const theirKey = (await theirs.call('GET', '/v1/api-keys')).body.items[0];
      expect((await withKey(theirs.key)).statusCode).toBe(200);

      const res = await mine.call('DELETE', `/v1/api-keys/${theirKey.id}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toContain(theirs.clubId);
      expect((await withKey(theirs.key)).statusCode).toBe(200);
      expect((await theirs.call('GET', '/v1/api-keys')).body.items[0].revokedAt).toBeNull();

      const unknown = await mine.call('DELETE', '/v1/api-keys/key_doesnotexist');
      expect(unknown.status).toBe(404);
      // Listings stay per club.
      const myIds = (await mine.call('GET', '/v1/api-keys')).body.items.map((k: { id: string }) => k.id);
      expect(myIds).not.toContain(theirKey.id);
    });
  });
});
