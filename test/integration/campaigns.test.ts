import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignsModule,
  drawWinners,
  isControl,
  studentTQuantile,
} from '../../src/modules/campaigns/index.js';
import { referralsModule } from '../../src/modules/referrals/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { rewardsModule } from '../../src/modules/rewards/index.js';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe('campaign statistics', () => {
  it('has the t quantiles of the tables', () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2);
  });
});

/** A small seeded generator, so the "known effect" data is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(rand: () => number, mean: number, sd: number): number {
  return mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

describe.each(BACKENDS)('campaigns and raffles on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, rewardsModule, referralsModule, campaignsModule] });
  });
  afterAll(async () => env?.close());
  const iso = (days: number) => new Date(env.clock.now().getTime() + days * 86_400_000).toISOString();

  async function members(club: TestClub, count: number, city: string): Promise<string[]> {
    const ids = Array.from({ length: count }, () => uid('C'));
    await env.db.transaction(async (tx) => {
      for (const id of ids)
        await env.ctx.services.members.upsertIn(tx, club.clubId, id, { first_name: 'علی', city });
    });
    return ids;
  }

  it('never spends more than the budget under many concurrent grants', async () => {
    const club = await env.newClub();
    const city = uid('city');
    const ids = await members(club, 30, city);
    const c = await club.call('POST', '/v1/campaigns', {
      name: 'امتیاز هدیه',
      startsAt: iso(-1),
      endsAt: iso(10),
      segment: { cities: [city] },
      grant: { kind: 'points', points: 100 },
      budgetPoints: 1000,
      controlSharePct: 0,
    });
    expect(c.status).toBe(201);
    const notYet = await club.call('POST', `/v1/campaigns/${c.body.id}/grants`, { memberExternalId: ids[0] });
    expect(notYet.body.code).toBe('campaign_not_active');
    const act = await club.call('POST', `/v1/campaigns/${c.body.id}/activate`);
    expect(act.body.target).toEqual({ treated: 30, control: 0 });
    const results = await Promise.all(
      ids.map((m) => club.call('POST', `/v1/campaigns/${c.body.id}/grants`, { memberExternalId: m })),
    );
    expect(results.filter((r) => r.status === 200 && r.body.granted)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409 && r.body.code === 'campaign_budget_spent')).toHaveLength(
      20,
    );
    const after = await club.call('GET', `/v1/campaigns/${c.body.id}`);
    expect(after.body).toMatchObject({ spentPoints: 1000, grantsCount: 10 });
    const balances = await Promise.all(ids.map((m) => club.call('GET', `/v1/members/${m}/points`)));
    expect(balances.reduce((s, b) => s + b.body.available, 0)).toBe(1000);
    // A retry of a granted member answers the same grant and grants nothing more.
    const winner = ids[results.findIndex((r) => r.body.granted)]!;
    const again = await club.call('POST', `/v1/campaigns/${c.body.id}/grants`, { memberExternalId: winner });
    expect(again.body).toMatchObject({ granted: true, reason: 'already_granted', points: 100 });
    expect((await club.call('GET', `/v1/members/${winner}/points`)).body.available).toBe(100);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('refuses deep discounts without an override, overlapping windows and bad budgets', async () => {
    const club = await env.newClub();
    const base = { name: 'x', startsAt: iso(0), endsAt: iso(30) };
    const prize = await club.call('POST', '/v1/campaigns', {
      ...base,
      grant: { kind: 'purchase_prize', sku: 'CAN-24', buyQuantity: 24, freeQuantity: 12 },
    });
    expect(prize.status).toBe(422);
    expect(prize.body).toMatchObject({
      code: 'discount_guardrail_exceeded',
      depthPct: 50,
      maxDiscountPct: 30,
    });
    const deep = await club.call('POST', '/v1/campaigns', {
      ...base,
      grant: { kind: 'coupon', coupon: { kind: 'percent', percent: 35 } },
    });
    expect(deep.body.code).toBe('discount_guardrail_exceeded');
    const ok = await club.call('POST', '/v1/campaigns', {
      ...base,
      grant: { kind: 'purchase_prize', sku: 'CAN-24', buyQuantity: 24, freeQuantity: 12 },
      guardrailOverride: { reason: 'ترخیص انبار با تأیید مدیرعامل' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.guardrailOverride.reason).toContain('ترخیص');
    expect((await club.call('GET', '/v1/campaigns')).body.items).toHaveLength(1);

    const neg = await club.call('POST', '/v1/campaigns', {
      ...base,
      grant: { kind: 'points', points: 10 },
      budgetPoints: -5,
    });
    expect(neg.status).toBe(400);
    expect(neg.body.errors[0].field).toBe('budgetPoints');
    const win = await club.call('POST', '/v1/campaigns', {
      ...base,
      endsAt: iso(-1),
      grant: { kind: 'points', points: 10 },
    });
    expect(win.body.errors[0].field).toBe('endsAt');
    const first = await club.call('POST', '/v1/campaigns', {
      ...base,
      exclusivityKey: 'nowruz',
      grant: { kind: 'points', points: 10 },
    });
    expect(first.status).toBe(201);
    const clash = await club.call('POST', '/v1/campaigns', {
      ...base,
      startsAt: iso(20),
      endsAt: iso(40),
      exclusivityKey: 'nowruz',
      grant: { kind: 'points', points: 10 },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('campaign_window_overlap');
    expect((await club.call('GET', '/v1/campaigns')).body.items).toHaveLength(2);
  });

  it('holds out a reproducible control group that receives nothing, and measures a known uplift', async () => {
    const club = await env.newClub();
    const city = uid('city');
    const ids = await members(club, 400, city);
    const c = await club.call('POST', '/v1/campaigns', {
      name: 'بازگشت مشتریان',
      startsAt: iso(-30),
      endsAt: iso(-2),
      segment: { cities: [city] },
      grant: { kind: 'coupon', coupon: { kind: 'percent', percent: 10, maxDiscountRials: 500_000 } },
      controlSharePct: 50,
      seed: 'known-effect',
    });
    expect(c.status).toBe(201);
    // Activated while running, so grants can happen; the window is then moved into the past by the clock.
    const live = await club.call('POST', '/v1/campaigns', {
      name: 'live',
      startsAt: iso(-1),
      endsAt: iso(5),
      segment: { cities: [city] },
      grant: { kind: 'coupon', coupon: { kind: 'percent', percent: 10 } },
      controlSharePct: 50,
      seed: 'known-effect',
    });
    await club.call('POST', `/v1/campaigns/${live.body.id}/activate`);
    const run = await club.call('POST', `/v1/campaigns/${live.body.id}/run`);
    expect(run.status).toBe(200);
    const act = (await club.call('GET', `/v1/campaigns/${live.body.id}`)).body;
    expect(run.body.granted).toBe(act.target.treated);
    expect(act.target.treated + act.target.control).toBe(400);
    expect(act.target.control).toBeGreaterThan(160);
    expect(act.target.control).toBeLessThan(240);
    const { rows } = await env.db.query<{ member_id: string; grp: string; external_id: string }>(
      `select cm.member_id, cm.grp, m.external_id from campaign_members cm join members m using (club_id, member_id)
       where cm.club_id = $1 and cm.campaign_id = $2`,
      [club.clubId, live.body.id],
    );
    expect(rows.every((r) => isControl('known-effect', r.member_id, 50) === (r.grp === 'control'))).toBe(
      true,
    );
    const ctrl = rows.find((r) => r.grp === 'control')!;
    const held = await club.call('POST', `/v1/campaigns/${live.body.id}/grants`, {
      memberExternalId: ctrl.external_id,
    });
    expect(held.body).toMatchObject({ granted: false, reason: 'control_group', couponCode: null });
    const treatedOne = rows.find((r) => r.grp === 'treated')!;
    const issues = await club.call('POST', `/v1/campaigns/${live.body.id}/grants`, {
      memberExternalId: treatedOne.external_id,
    });
    const v = await club.call('POST', '/v1/coupons/validate', {
      code: issues.body.couponCode,
      memberExternalId: treatedOne.external_id,
      cart: { totalRials: 1_000_000, lines: [] },
    });
    expect(v.body).toMatchObject({ valid: true, discountRials: 100_000 });

    // The past campaign: treated members spend 300,000 rials more on average in the window.
    await club.call('POST', `/v1/campaigns/${c.body.id}/activate`);
    const groups = new Map(rows.map((r) => [r.external_id, r.grp]));
    const rand = mulberry32(1403);
    const orders = ids.map((m, i) => ({
      externalId: `O-${i}-${uid('x')}`,
      memberExternalId: m,
      placedAt: iso(-20),
      totalRials: Math.max(
        10_000,
        Math.round(normal(rand, groups.get(m) === 'treated' ? 1_300_000 : 1_000_000, 300_000)),
      ),
      status: 'paid' as const,
      lines: [],
    }));
    const created = await env.ctx.services.orders.createOrders(club.clubId, orders);
    expect(created.every((r) => r.status === 201)).toBe(true);
    const report = await club.call('GET', `/v1/campaigns/${c.body.id}/report?afterDays=30&marginPct=25`);
    expect(report.status).toBe(200);
    const w = report.body.window;
    expect(w.treated.members + w.control.members).toBe(400);
    expect(w.ci95.low).toBeLessThan(300_000);
    expect(w.ci95.high).toBeGreaterThan(300_000);
    expect(w.ci95.low).toBeGreaterThan(0);
    expect(w.significant).toBe(true);
    expect(w.upliftRevenuePerMemberRials).toBeGreaterThan(200_000);
    expect(w.treated.ordersPerMember).toBe(1);
    expect(report.body.after.ci95).toMatchObject({ low: 0, high: 0 });
    expect(report.body.incrementalRevenueRials).toBeCloseTo(
      w.upliftRevenuePerMemberRials * w.treated.members,
      0,
    );
  }, 60_000);

  it('claims purchase prizes within the rials budget', async () => {
    const club = await env.newClub();
    const [m] = await members(club, 1, uid('city'));
    const c = await club.call('POST', '/v1/campaigns', {
      name: 'ده‌تا بخر یکی هدیه',
      startsAt: iso(-1),
      endsAt: iso(10),
      grant: { kind: 'purchase_prize', sku: 'TEA-1', buyQuantity: 10, freeQuantity: 1 },
      budgetRials: 300_000,
      capPerMemberGrants: 5,
      controlSharePct: 0,
    });
    expect(c.body.depthPct).toBe(10);
    await club.call('POST', `/v1/campaigns/${c.body.id}/activate`);
    const cart = { totalRials: 2_000_000, lines: [{ sku: 'TEA-1', quantity: 20, unitPriceRials: 100_000 }] };
    const o1 = uid('O');
    const first = await club.call('POST', `/v1/campaigns/${c.body.id}/claims`, {
      memberExternalId: m,
      orderExternalId: o1,
      cart,
    });
    expect(first.body).toMatchObject({ granted: true, freeQuantity: 2, rials: 200_000 });
    const retry = await club.call('POST', `/v1/campaigns/${c.body.id}/claims`, {
      memberExternalId: m,
      orderExternalId: o1,
      cart,
    });
    expect(retry.body.reason).toBe('already_granted');
    const over = await club.call('POST', `/v1/campaigns/${c.body.id}/claims`, {
      memberExternalId: m,
      orderExternalId: uid('O'),
      cart,
    });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('campaign_budget_spent');
    expect((await club.call('GET', `/v1/campaigns/${c.body.id}`)).body.spentRials).toBe(200_000);
  });

  it('draws a raffle from a published seed that anyone can verify, and pays the prizes', async () => {
    const club = await env.newClub();
    const ids = await members(club, 6, uid('city'));
    for (const m of ids)
      await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: 500, reason: 't' });
    const r = await club.call('POST', '/v1/raffles', {
      name: 'قرعه‌کشی یلدا',
      entryCostPoints: 100,
      maxEntriesPerMember: 2,
      closesAt: iso(7),
      prizes: [
        { nameFa: 'جایزهٔ اول', points: 5000 },
        { nameFa: 'جایزهٔ دوم', points: 1000 },
      ],
    });
    expect(r.status).toBe(201);
    expect(r.body.seed).toBeNull();
    const commitment = r.body.seedCommitment;
    for (const m of ids)
      expect(
        (await club.call('POST', `/v1/raffles/${r.body.id}/entries`, { memberExternalId: m })).status,
      ).toBe(201);
    await club.call('POST', `/v1/raffles/${r.body.id}/entries`, { memberExternalId: ids[0] });
    const third = await club.call('POST', `/v1/raffles/${r.body.id}/entries`, { memberExternalId: ids[0] });
    expect(third.status).toBe(409);
    expect((await club.call('GET', `/v1/members/${ids[0]}/points`)).body).toMatchObject({
      available: 300,
      reserved: 0,
    });
    const drawn = await club.call('POST', `/v1/raffles/${r.body.id}/draw`, {
      publicSeed: 'lottery-1403-10-01',
    });
    expect(drawn.status).toBe(200);
    expect(drawn.body.winners).toHaveLength(2);
    expect(new Set(drawn.body.winners.map((w: any) => w.memberExternalId)).size).toBe(2);
    expect(createHash('sha256').update(drawn.body.seed).digest('hex')).toBe(commitment);
    const ver = await club.call('GET', `/v1/raffles/${r.body.id}/verification`);
    expect(ver.body.verified).toBe(true);
    // Recomputed outside the service from the published data alone.
    const again = drawWinners(
      `${ver.body.seed}:${ver.body.publicSeed}`,
      ver.body.entryIds.map((id: string, i: number) => ({ id, memberId: ver.body.entryMembers[i] })),
      2,
    );
    expect(again.map((w) => w.id)).toEqual(ver.body.winners);
    const firstWinner = drawn.body.winners[0].memberExternalId;
    const bal = (await club.call('GET', `/v1/members/${firstWinner}/points`)).body.available;
    expect(bal).toBeGreaterThanOrEqual(5000);
    const late = await club.call('POST', `/v1/raffles/${r.body.id}/entries`, { memberExternalId: ids[1] });
    expect(late.body.code).toBe('raffle_not_open');
    expect((await club.call('POST', `/v1/raffles/${r.body.id}/draw`, {})).status).toBe(409);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });
});

describe.each(BACKENDS)('campaign segments from insights on $name', ({ url }) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await setupEnv(url);
  });
  afterAll(async () => env?.close());

  it('picks members by RFM segment, churn risk and predicted value from the latest insights run', async () => {
    const club = await env.newClub();
    const day = 86_400_000;
    const now = env.clock.now().getTime();
    // 25 regular buyers (recent, frequent) and 15 who bought twice long ago and stopped.
    const orders: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `S${i}`;
      await club.call('PUT', `/v1/members/${id}`, { firstName: `m${i}` });
      const regular = i < 25;
      const count = regular ? 8 : 2;
      for (let k = 0; k < count; k++) {
        const ago = regular ? 10 + k * 30 + (i % 7) : 500 + k * 20 + i;
        orders.push({
          externalId: `${id}-O${k}`,
          memberExternalId: id,
          placedAt: new Date(now - ago * day).toISOString(),
          totalRials: 2_000_000 + i * 10_000,
          status: 'paid',
          lines: [],
        });
      }
    }
    expect((await club.call('POST', '/v1/orders/batch', { orders })).body.failed).toBe(0);
    const before = await club.call('POST', '/v1/segments/preview', { churnRiskOnly: true });
    expect(before.status).toBe(200);
    expect(before.body.members).toBe(0); // no insights run yet: nobody is in a predicted segment
    expect((await club.call('POST', '/v1/insights/runs', {})).status).toBeLessThan(300);
    const churn = await club.call('POST', '/v1/segments/preview', { churnRiskOnly: true });
    const lapsedIds = new Set(Array.from({ length: 15 }, (_, i) => `S${i + 25}`));
    expect(churn.body.members).toBeGreaterThanOrEqual(10);
    expect(churn.body.sample.every((id: string) => lapsedIds.has(id))).toBe(true);
    const champions = await club.call('POST', '/v1/segments/preview', {
      rfmSegments: ['Champions', 'Loyal'],
    });
    expect(champions.body.members).toBeGreaterThan(0);
    expect(champions.body.sample.every((id: string) => !lapsedIds.has(id))).toBe(true);
    const bad = await club.call('POST', '/v1/segments/preview', { rfmSegments: ['Whales'] });
    expect(bad.status).toBe(400);
  });
});
