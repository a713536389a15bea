import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import { createVoc, vocModule } from '../../src/modules/voc/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('reviews and kept promises on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, vocModule] });
    club = await env.newClub();
  });
  afterAll(async () => env?.close());

  const member = async (c: TestClub = club, province = 'تهران') => {
    const m = uid('M');
    await c.call('PUT', `/v1/members/${m}`, { firstName: 'نگار', province });
    return m;
  };
  const HOUR = 3_600_000;
  const order = async (
    c: TestClub,
    m: string,
    o: { sku?: string; status?: string; promisedH?: number; deliveredH?: number },
  ) => {
    const now = env.clock.now().getTime();
    const externalId = uid('O');
    const r = await c.call('POST', '/v1/orders', {
      externalId,
      memberExternalId: m,
      placedAt: new Date(now - 100 * HOUR).toISOString(),
      totalRials: 2_000_000,
      status: o.status ?? 'delivered',
      ...(o.deliveredH !== undefined
        ? { statusAt: new Date(now - 100 * HOUR + o.deliveredH * HOUR).toISOString() }
        : {}),
      ...(o.promisedH !== undefined
        ? { promisedDeliveryAt: new Date(now - 100 * HOUR + o.promisedH * HOUR).toISOString() }
        : {}),
      lines: [{ sku: o.sku ?? 'MOB-1', quantity: 1, unitPriceRials: 2_000_000 }],
    });
    expect(r.status).toBe(201);
    return externalId;
  };

  it('takes reviews of delivered purchases only, moderates, rewards once per product, and counts votes', async () => {
    await club.call('POST', '/v1/rules', {
      kind: 'event',
      name: 'Approved review',
      priority: 10,
      config: { eventType: 'review_approved', points: 50 },
    });
    const m = await member();
    const bought = await order(club, m, { sku: 'MOB-1', deliveredH: 48 });
    await order(club, m, { sku: 'TV-1', status: 'paid' });
    const review = { memberExternalId: m, sku: 'MOB-1', rating: 4, body: 'باتری خوبی دارد' };
    const r = await club.call('POST', '/v1/reviews', review);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'pending', verifiedPurchase: true, orderExternalId: bought });
    // Not delivered yet, or never bought: not a verified purchase.
    for (const sku of ['TV-1', 'NEVER-1']) {
      const bad = await club.call('POST', '/v1/reviews', { ...review, sku });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ code: 'purchase_not_verified', errors: [{ field: 'sku' }] });
    }
    expect((await club.call('POST', '/v1/reviews', review)).body.code).toBe('review_exists');
    expect((await club.call('POST', '/v1/reviews', { ...review, sku: 'MOB-2', rating: 6 })).status).toBe(400);
    const other = await env.newClub();
    const stranger = await member(other);
    expect(
      (await club.call('POST', '/v1/reviews', { ...review, memberExternalId: stranger })).body.code,
    ).toBe('member_not_found');

    const queue = await club.call('GET', '/v1/reviews?status=pending');
    expect(queue.body.items.map((x: any) => x.id)).toEqual([r.body.id]);
    const voter = await member();
    expect(
      (await club.call('POST', `/v1/reviews/${r.body.id}/votes`, { memberExternalId: voter, helpful: true }))
        .status,
    ).toBe(404);

    const approved = await club.call('POST', `/v1/reviews/${r.body.id}/moderation`, { decision: 'approve' });
    expect(approved.body).toMatchObject({ status: 'approved', pointsAwarded: 50 });
    await club.call('POST', `/v1/reviews/${r.body.id}/moderation`, {
      decision: 'reject',
      note: 'بررسی دوباره',
    });
    const again = await club.call('POST', `/v1/reviews/${r.body.id}/moderation`, { decision: 'approve' });
    expect(again.body.pointsAwarded).toBe(0);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(50);

    const own = await club.call('POST', `/v1/reviews/${r.body.id}/votes`, {
      memberExternalId: m,
      helpful: true,
    });
    expect(own.status).toBe(400);
    expect(
      (await club.call('POST', `/v1/reviews/${r.body.id}/votes`, { memberExternalId: voter, helpful: true }))
        .body.helpful,
    ).toBe(1);
    const changed = await club.call('POST', `/v1/reviews/${r.body.id}/votes`, {
      memberExternalId: voter,
      helpful: false,
    });
    expect(changed.body).toMatchObject({ helpful: 0, unhelpful: 1 });
    const summary = await club.call('GET', '/v1/reviews/summary?sku=MOB-1');
    expect(summary.body).toMatchObject({ reviews: 1, averageRating: 4, distribution: { '4': 1, '5': 0 } });
  });

  it('reports on-time rate and mean delay by province and carrier against a hand-computed example', async () => {
    const c = await env.newClub();
    const tehran = await member(c, 'تهران');
    const fars = await member(c, 'فارس');
    // Tehran: on time (delivered 2 h early), 4 h late, 10 h late; Fars: on time exactly.
    const o1 = await order(c, tehran, { promisedH: 50, deliveredH: 48 });
    const o2 = await order(c, tehran, { promisedH: 50, deliveredH: 54 });
    await order(c, tehran, { promisedH: 50, deliveredH: 60 });
    await order(c, fars, { promisedH: 50, deliveredH: 50 });
    await order(c, fars, { deliveredH: 50 }); // no promise: not in the report
    await c.call('PUT', '/v1/promises/carriers', {
      items: [
        { orderExternalId: o1, carrier: 'پست' },
        { orderExternalId: o2, carrier: 'پست' },
      ],
    });
    const res = await c.call('GET', '/v1/promises/report?split=province&by=week');
    expect(res.status).toBe(200);
    const t = res.body.totals.find((x: any) => x.key === 'تهران');
    // 1 of 3 on time = 33.3 %; mean delay (0 + 4 + 10) / 3 = 4.7 h; mean of the late ones (4 + 10) / 2 = 7 h.
    expect(t).toMatchObject({
      delivered: 3,
      onTime: 1,
      onTimeRate: 33.3,
      meanDelayHours: 4.7,
      meanLateHours: 7,
    });
    expect(res.body.totals.find((x: any) => x.key === 'فارس')).toMatchObject({
      delivered: 1,
      onTimeRate: 100,
      meanDelayHours: 0,
      meanLateHours: null,
    });
    const carriers = await c.call('GET', '/v1/promises/report?split=carrier&by=month');
    expect(carriers.body.totals.find((x: any) => x.key === 'پست')).toMatchObject({
      delivered: 2,
      onTime: 1,
      meanDelayHours: 2,
    });
    expect(carriers.body.totals.find((x: any) => x.key === null).delivered).toBe(2);
    expect(carriers.body.rows[0].period).toMatch(/^14\d\d-\d\d$/);
    expect((await c.call('GET', '/v1/promises/report?split=city')).status).toBe(400);
  });

  it('raises delivery_late for a late delivery once, when the club has an apology rule', async () => {
    const c = await env.newClub();
    await c.call('PATCH', '/v1/voc/settings', { lateApologyHours: 6 });
    await c.call('POST', '/v1/rules', {
      kind: 'event',
      name: 'Sorry we were late',
      priority: 10,
      config: { eventType: 'delivery_late', points: 200 },
    });
    const m = await member(c);
    await order(c, m, { promisedH: 50, deliveredH: 60 });
    await order(c, m, { promisedH: 50, deliveredH: 53 }); // 3 h late: under the threshold
    const voc = createVoc(env.ctx);
    expect(await voc.promises.scanLate(c.clubId)).toBe(1);
    await voc.promises.scanLate(c.clubId);
    expect((await c.call('GET', `/v1/members/${m}/points`)).body.available).toBe(200);
    const { rows } = await env.db.query<{ payload: any }>(
      `select payload from outbox_events where club_id = $1 and type = 'promise.broken'`,
      [c.clubId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toMatchObject({ lateHours: 10, points: 200 });
  });
});
