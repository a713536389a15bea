import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('earning rules, events, expiry and redemption on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url);
  });
  afterAll(async () => env?.close());

  async function clubWithMember(): Promise<{ club: TestClub; m: string }> {
    const club = await env.newClub();
    const m = uid('C');
    await club.call('PUT', `/v1/members/${m}`, { firstName: 'Sara', birthDate: '1990-05-15' });
    return { club, m };
  }
  const order = (m: string, over: Record<string, unknown> = {}) => ({
    externalId: uid('O'),
    memberExternalId: m,
    placedAt: new Date(env.clock.now().getTime() - 60_000).toISOString(),
    totalRials: 10_000_000,
    status: 'paid',
    lines: [
      { sku: 'MOB-1', category: 'mobile', quantity: 1, unitPriceRials: 8_000_000 },
      { sku: 'BK-1', category: 'books', quantity: 2, unitPriceRials: 1_000_000 },
    ],
    ...over,
  });

  it('earns by the rules, names each rule in the ledger, and simulates without writing', async () => {
    const { club, m } = await clubWithMember();
    const base = await club.call('POST', '/v1/rules', {
      kind: 'rate',
      name: 'Base',
      priority: 10,
      config: { rialsPerPoint: 10_000 },
    });
    expect(base.status).toBe(201);
    await club.call('POST', '/v1/rules', {
      kind: 'multiplier',
      name: 'Books ×3',
      priority: 20,
      config: { factor: 3, categories: ['books'] },
    });
    await club.call('POST', '/v1/rules', {
      kind: 'first_order',
      name: 'Welcome',
      priority: 30,
      config: { points: 250 },
    });
    const sim = await club.call('POST', '/v1/orders/simulate', {
      memberExternalId: m,
      totalRials: 10_000_000,
      lines: order(m).lines,
    });
    expect(sim.status).toBe(200);
    expect(sim.body.contributions.map((c: any) => [c.ruleName, c.points])).toEqual([
      ['Base', 1000],
      ['Books ×3', 400],
      ['Welcome', 250],
    ]);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(0);
    const o = await club.call('POST', '/v1/orders', order(m));
    expect(o.body.points.earned).toBe(1650);
    const ledger = await club.call('GET', `/v1/members/${m}/ledger`);
    const ruleIds = ledger.body.items.map((e: any) => e.ruleId);
    expect(ruleIds).toHaveLength(3);
    expect(ruleIds).toContain(base.body.id);
    expect(ruleIds.every((id: string | null) => typeof id === 'string' && id.startsWith('rule_'))).toBe(true);
    // Second order: no welcome bonus.
    expect((await club.call('POST', '/v1/orders', order(m))).body.points.earned).toBe(1400);
    // Editing a rule never rewrites history.
    await club.call('PUT', `/v1/rules/${base.body.id}`, {
      kind: 'rate',
      name: 'Base',
      priority: 10,
      config: { rialsPerPoint: 5_000 },
    });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(3050);
    expect((await club.call('POST', '/v1/orders', order(m))).body.points.earned).toBe(2400);
  });

  it('refuses invalid rules naming the field', async () => {
    const { club } = await clubWithMember();
    const neg = await club.call('POST', '/v1/rules', {
      kind: 'rate',
      name: 'x',
      priority: 1,
      config: { rialsPerPoint: -5 },
    });
    expect(neg.status).toBe(400);
    expect(neg.body.errors[0].field).toBe('config.rialsPerPoint');
    const win = await club.call('POST', '/v1/rules', {
      kind: 'first_order',
      name: 'x',
      priority: 1,
      config: { points: 10 },
      activeFrom: '2026-05-01T00:00:00Z',
      activeTo: '2026-04-01T00:00:00Z',
    });
    expect(win.body.errors[0].field).toBe('activeTo');
    await club.call('POST', '/v1/rules', {
      kind: 'first_order',
      name: 'a',
      priority: 5,
      config: { points: 10 },
    });
    const clash = await club.call('POST', '/v1/rules', {
      kind: 'first_order',
      name: 'b',
      priority: 5,
      config: { points: 10 },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.errors[0].field).toBe('priority');
  });

  it('targets rules at RFM segments, refusing unknown segment names', async () => {
    const { club, m } = await clubWithMember();
    const bad = await club.call('POST', '/v1/rules', {
      kind: 'first_order',
      name: 'x',
      priority: 1,
      config: { points: 10 },
      targetSegments: ['Whales'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('targetSegments.0');
    const vip = await club.call('POST', '/v1/rules', {
      kind: 'first_order',
      name: 'VIP welcome',
      priority: 1,
      config: { points: 10 },
      targetSegments: ['Champions'],
    });
    expect(vip.status).toBe(201);
    expect(vip.body.targetSegments).toEqual(['Champions']);
    // No insights run yet: the member is in no segment, so the targeted rule does not apply.
    const sim = await club.call('POST', '/v1/orders/simulate', {
      memberExternalId: m,
      totalRials: 10_000_000,
      lines: [],
    });
    expect(sim.body.points).toBe(0);
  });

  it('rewards events once per external id and within the period limit', async () => {
    const { club, m } = await clubWithMember();
    await club.call('POST', '/v1/rules', {
      kind: 'event',
      name: 'Reviews',
      priority: 1,
      config: { eventType: 'review_approved', points: 20, limit: { count: 2, period: 'month' } },
    });
    const e1 = await club.call('POST', '/v1/events', {
      memberExternalId: m,
      type: 'review_approved',
      externalId: 'rv-1',
    });
    expect(e1.status).toBe(201);
    expect(e1.body.points).toBe(20);
    expect(
      (
        await club.call('POST', '/v1/events', {
          memberExternalId: m,
          type: 'review_approved',
          externalId: 'rv-1',
        })
      ).status,
    ).toBe(200);
    await club.call('POST', '/v1/events', {
      memberExternalId: m,
      type: 'review_approved',
      externalId: 'rv-2',
    });
    const e3 = await club.call('POST', '/v1/events', {
      memberExternalId: m,
      type: 'review_approved',
      externalId: 'rv-3',
    });
    expect(e3.body.points).toBe(0);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(40);
    const unknown = await club.call('POST', '/v1/events', {
      memberExternalId: 'nobody',
      type: 'review_approved',
      externalId: 'rv-9',
    });
    expect(unknown.status).toBe(422);
  });

  it('expires points first in, first out, and shows what expires next', async () => {
    const { club, m } = await clubWithMember();
    await club.call('PATCH', '/v1/club', { expiryMode: 'months', expiryMonths: 1 });
    await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: 100, reason: 'old' });
    env.clock.advanceDays(20);
    await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: 50, reason: 'new' });
    await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: -30, reason: 'spent' });
    const before = await club.call('GET', `/v1/members/${m}/points`);
    expect(before.body.available).toBe(120);
    expect(before.body.nextExpiry.points).toBe(70);
    env.clock.advanceDays(15);
    const after = await club.call('GET', `/v1/members/${m}/points`);
    expect(after.body.available).toBe(50);
    expect(after.body.nextExpiry.points).toBe(50);
    const ledger = await club.call('GET', `/v1/members/${m}/ledger`);
    expect(ledger.body.items[0]).toMatchObject({ reason: 'expire', amount: 70 });
    env.clock.advanceDays(30);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(0);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('quotes, reserves, commits and voids redemptions, and lapses uncommitted ones', async () => {
    const { club, m } = await clubWithMember();
    await club.call('PATCH', '/v1/club', {
      pointValueRials: 1000,
      redeemMaxSharePct: 30,
      reservationTtlMinutes: 10,
    });
    await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: 5000, reason: 'seed' });
    const q = await club.call('POST', `/v1/members/${m}/redemptions/quote`, { cartTotalRials: 10_000_000 });
    expect(q.body).toMatchObject({
      available: 5000,
      maxPoints: 3000,
      maxDiscountRials: 3_000_000,
      canRedeem: true,
    });
    const tooMuch = await club.call('POST', `/v1/members/${m}/redemptions`, {
      points: 3001,
      orderExternalId: 'O1',
      cartTotalRials: 10_000_000,
    });
    expect(tooMuch.body.code).toBe('redemption_limit_exceeded');
    const r = await club.call('POST', `/v1/members/${m}/redemptions`, {
      points: 3000,
      orderExternalId: 'O1',
      cartTotalRials: 10_000_000,
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'pending', valueRials: 3_000_000 });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 2000,
      reserved: 3000,
    });
    const over = await club.call('POST', `/v1/members/${m}/redemptions`, {
      points: 2001,
      orderExternalId: 'O2',
    });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'insufficient_points', available: 2000 });
    const c = await club.call('POST', `/v1/members/${m}/redemptions/${r.body.id}/commit`);
    expect(c.body.status).toBe('committed');
    expect((await club.call('POST', `/v1/members/${m}/redemptions/${r.body.id}/commit`)).body.status).toBe(
      'committed',
    );
    expect((await club.call('POST', `/v1/members/${m}/redemptions/${r.body.id}/void`)).body.code).toBe(
      'redemption_not_pending',
    );
    const v = await club.call('POST', `/v1/members/${m}/redemptions`, { points: 500, orderExternalId: 'O3' });
    await club.call('POST', `/v1/members/${m}/redemptions/${v.body.id}/void`);
    const lapse = await club.call('POST', `/v1/members/${m}/redemptions`, {
      points: 700,
      orderExternalId: 'O4',
    });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 1300,
      reserved: 700,
    });
    env.clock.advanceDays(0.01);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 2000,
      reserved: 0,
    });
    expect((await club.call('GET', `/v1/members/${m}/redemptions/${lapse.body.id}`)).body.status).toBe(
      'expired',
    );
    expect((await club.call('POST', `/v1/members/${m}/redemptions/${lapse.body.id}/commit`)).body.code).toBe(
      'redemption_not_pending',
    );
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('lets exactly the affordable number of 100 parallel reservations succeed', async () => {
    const { club, m } = await clubWithMember();
    await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: 3700, reason: 'seed' });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        club.call('POST', `/v1/members/${m}/redemptions`, { points: 100, orderExternalId: `P${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(37);
    expect(results.filter((r) => r.status === 409)).toHaveLength(63);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 0,
      reserved: 3700,
    });
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });
});
