import { toGregorian } from 'jalaali-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jalaliOf, startOfTehranDay, tehranMidnight } from '../../src/lib/tehran-time.js';
import { SEGMENTS } from '../../src/modules/analytics/index.js';
import { insightsModule, memberInsights, seedDemo } from '../../src/modules/insights/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const DAY_MS = 86_400_000;

describe.each(BACKENDS)('customer insights on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, insightsModule] });
  });
  afterAll(async () => env?.close());

  /** Tehran noon `days` days before today: away from midnight, so the purchase day is unambiguous. */
  const daysAgo = (days: number) =>
    new Date(startOfTehranDay(env.clock.now()).getTime() - days * DAY_MS + 12 * 3600_000);

  type Spec = { member: string; at: Date; rials: number; category?: string; status?: string };

  async function addOrders(club: TestClub, specs: Spec[]): Promise<void> {
    const members = [...new Set(specs.map((s) => s.member))];
    for (const m of members)
      expect((await club.call('PUT', `/v1/members/${m}`, {})).status).toBeLessThan(300);
    for (let i = 0; i < specs.length; i += 500) {
      const orders = specs.slice(i, i + 500).map((s) => ({
        externalId: uid('O'),
        memberExternalId: s.member,
        placedAt: s.at.toISOString(),
        totalRials: s.rials,
        status: s.status ?? 'paid',
        lines: [
          {
            sku: `SKU-${s.category ?? 'x'}`,
            category: s.category ?? 'other',
            quantity: 1,
            unitPriceRials: s.rials,
          },
        ],
      }));
      const res = await club.call('POST', '/v1/orders/batch', { orders });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
  }

  it('documents its routes in the OpenAPI document', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body);
    const paths = Object.keys(doc.paths).filter((p) => p.includes('insights'));
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/insights/runs',
        '/v1/insights/runs/{runId}',
        '/v1/members/{externalId}/insights',
        '/v1/insights/reports/lapsed',
        '/v1/insights/reports/cohorts',
        '/v1/insights/reports/segment-movements',
        '/v1/insights/reports/points-liability',
      ]),
    );
    for (const p of paths)
      for (const op of Object.values<any>(doc.paths[p])) expect(op.summary, p).toBeTruthy();
    expect(doc.components.schemas.MemberInsights).toBeDefined();
    expect(doc.components.schemas.InsightsRun).toBeDefined();
  });

  it('answers 404 with a hint before any run, and 404 not_found for an unknown member', async () => {
    const club = await env.newClub();
    await addOrders(club, [{ member: 'M1', at: daysAgo(3), rials: 1_000_000 }]);
    const r = await club.call('GET', '/v1/members/M1/insights');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('insights_not_ready');
    expect(r.body.hint).toBe('POST /v1/insights/runs');
    for (const report of [
      'repeat-rate',
      'top-customers',
      'lapsed',
      'segments',
      'provinces',
      'segment-movements',
    ]) {
      const res = await club.call('GET', `/v1/insights/reports/${report}`);
      expect(res.status, report).toBe(404);
      expect(res.body.code).toBe('insights_not_ready');
    }
    expect((await club.call('GET', '/v1/members/nobody/insights')).body.code).toBe('not_found');
  });

  it('computes sane snapshots for heavy repeaters, one-timers and lapsed members', async () => {
    const club = await env.newClub();
    const specs: Spec[] = [];
    const heavy = Array.from({ length: 10 }, (_, i) => `H${i}`);
    const once = Array.from({ length: 30 }, (_, i) => `O${i}`);
    const lapsed = Array.from({ length: 15 }, (_, i) => `L${i}`);
    heavy.forEach((m, i) => {
      for (let d = 2 + i; d < 360; d += 12 + (i % 5))
        specs.push({ member: m, at: daysAgo(d), rials: 3_000_000 + i * 100_000 });
    });
    once.forEach((m, i) => {
      specs.push({ member: m, at: daysAgo(5 + i * 11), rials: 800_000 + i * 50_000 });
    });
    lapsed.forEach((m, i) => {
      for (let k = 0; k < 4 + (i % 3); k++)
        specs.push({ member: m, at: daysAgo(420 - k * 20 - i), rials: 1_500_000 });
    });
    await addOrders(club, specs);
    await club.call('PUT', '/v1/members/NOBUY', {});

    const run = await club.call('POST', '/v1/insights/runs');
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body).toMatchObject({ status: 'succeeded', trigger: 'api', buyers: 55, repeatBuyers: 25 });
    expect(run.body.orders).toBe(specs.length);
    expect(run.body.purchaseModel.model).toBe('bgnbd');
    expect(Object.keys(run.body.purchaseModel.params).sort()).toEqual(['a', 'alpha', 'b', 'r']);
    expect(Number.isFinite(run.body.purchaseModel.logLikelihood)).toBe(true);
    expect(run.body.spendModel.model).toBe('gamma-gamma');
    expect(run.body.settings).toEqual({ monthlyDiscountRate: 0.01, margin: 0.2, horizonMonths: 12 });
    expect(run.body.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(run.body.asOfDayJalali).toMatch(/^[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2}$/);

    const get = async (m: string) => {
      const r = await club.call('GET', `/v1/members/${m}/insights`);
      expect(r.status, `${m}: ${JSON.stringify(r.body)}`).toBe(200);
      return r.body;
    };
    const all = await Promise.all([...heavy, ...once, ...lapsed].map(get));
    for (const s of all) {
      expect(s.runId).toBe(run.body.id);
      expect(s.pAlive).toBeGreaterThanOrEqual(0);
      expect(s.pAlive).toBeLessThanOrEqual(1);
      expect(s.clvRials).toBeGreaterThanOrEqual(0);
      expect(s.expectedPurchases365d).toBeGreaterThanOrEqual(s.expectedPurchases90d);
      expect(SEGMENTS).toContain(s.segment);
      expect(s.rfm.cell).toBe(`${s.rfm.r}${s.rfm.f}${s.rfm.m}`);
    }
    const heavyRows = all.slice(0, 10);
    const onceRows = all.slice(10, 40);
    const lapsedRows = all.slice(40);
    for (const s of lapsedRows) {
      expect(s.isChurnRisk, JSON.stringify(s)).toBe(true);
      expect(s.pAlive).toBeLessThan(0.5);
    }
    for (const s of heavyRows) {
      expect(s.isChurnRisk, JSON.stringify(s)).toBe(false);
      expect(s.pAlive).toBeGreaterThan(0.8);
      expect(s.clvRials).toBeGreaterThan(Math.max(...lapsedRows.map((l) => l.clvRials)));
      expect(['Champions', 'Loyal']).toContain(s.segment);
    }
    // One-time buyers: BG/NBD says a customer who never repeated cannot have dropped out yet (pAlive 1).
    for (const s of onceRows) {
      expect(s.purchaseDays).toBe(1);
      expect(s.pAlive).toBe(1);
    }
    const noBuy = await club.call('GET', '/v1/members/NOBUY/insights');
    expect(noBuy.status).toBe(404);
    expect(noBuy.body.code).toBe('insights_not_ready');

    // Other modules read the same snapshot by internal member id.
    const ids = (
      await env.db.query<{ member_id: string; external_id: string }>(
        'select member_id, external_id from members where club_id = $1',
        [club.clubId],
      )
    ).rows;
    const map = await memberInsights(
      env.db,
      club.clubId,
      ids.map((r) => r.member_id),
    );
    expect(map.size).toBe(55);
    const h0 = ids.find((r) => r.external_id === 'H0')!;
    expect(map.get(h0.member_id)).toEqual(heavyRows[0]);

    // seedDemo adds a run a month back and one now; the daily job then has nothing due for this club.
    await seedDemo(env.ctx, club.clubId);
    const runs = (await club.call('GET', '/v1/insights/runs')).body.items;
    expect(runs.map((r: any) => r.trigger)).toEqual(['demo', 'demo', 'api']);
    // By default the latest is compared with the run of the latest as-of before it: the API run.
    const mvDefault = (await club.call('GET', '/v1/insights/reports/segment-movements')).body;
    expect([mvDefault.from.runId, mvDefault.to.runId]).toEqual([runs[2].id, runs[0].id]);
    expect(mvDefault.moved).toBe(0);
    const mv = (await club.call('GET', `/v1/insights/reports/segment-movements?from=${runs[1].id}`)).body;
    expect(mv.from.runId).toBe(runs[1].id);
    const inBoth = mv.matrix.flat().reduce((s: number, v: number) => s + v, 0);
    expect(inBoth + mv.entered.reduce((s: number, v: number) => s + v, 0)).toBe(55);
    expect(mv.entered.reduce((s: number, v: number) => s + v, 0)).toBeGreaterThan(0);
    const job = insightsModule.jobs!(env.ctx)[0]!;
    await job.handler();
    expect((await club.call('GET', '/v1/insights/runs')).body.items).toHaveLength(3);
    // A day later the job runs it again, as 'schedule'.
    env.clock.advanceDays(1);
    await job.handler();
    const latest = (await club.call('GET', '/v1/insights/runs?limit=1')).body.items[0];
    expect(latest).toMatchObject({ trigger: 'schedule', status: 'succeeded', buyers: 55 });
  });

  it('falls back to RFM only, with a warning, when too few members repeat', async () => {
    const club = await env.newClub();
    await addOrders(club, [
      { member: 'A', at: daysAgo(3), rials: 1_000_000 },
      { member: 'B', at: daysAgo(30), rials: 2_000_000 },
      { member: 'B', at: daysAgo(10), rials: 2_000_000 },
    ]);
    const run = await club.call('POST', '/v1/insights/runs', {});
    expect(run.status).toBe(201);
    expect(run.body.purchaseModel).toBeNull();
    expect(run.body.spendModel).toBeNull();
    expect(run.body.warnings.join(' ')).toMatch(/BG\/NBD was not fitted: 2 buyers of whom 1/);
    const b = (await club.call('GET', '/v1/members/B/insights')).body;
    expect(b).toMatchObject({
      pAlive: null,
      clvRials: null,
      expectedPurchases90d: null,
      purchaseDays: 2,
      orders: 2,
    });
    expect(SEGMENTS).toContain(b.segment);
  });

  it('computes every club report as by hand on a small club, with CSV export and tenant isolation', async () => {
    const club = await env.newClub();
    const T = 'تهران';
    const I = 'اصفهان';
    const F = 'فارس';
    const province: Record<string, string | undefined> = { A: T, B: T, C: I, D: I, E: F, F: F, G: T };
    const specs: Spec[] = [
      { member: 'A', at: daysAgo(5), rials: 1_000_000, category: 'mobile' },
      { member: 'A', at: daysAgo(40), rials: 2_000_000, category: 'books' },
      { member: 'A', at: daysAgo(100), rials: 1_000_000, category: 'books' },
      // Two orders on the same day: two orders, one purchase day.
      { member: 'B', at: daysAgo(10), rials: 3_000_000, category: 'mobile' },
      { member: 'B', at: new Date(daysAgo(10).getTime() + 3600_000), rials: 1_000_000, category: 'mobile' },
      { member: 'C', at: daysAgo(200), rials: 500_000, category: 'books' },
      { member: 'C', at: daysAgo(190), rials: 500_000, category: 'books' },
      { member: 'D', at: daysAgo(300), rials: 10_000_000, category: 'mobile' },
      { member: 'E', at: daysAgo(20), rials: 200_000, category: 'books' },
      { member: 'F', at: daysAgo(250), rials: 700_000, category: 'books' },
      { member: 'F', at: daysAgo(30), rials: 300_000, category: 'mobile' },
      // Not a purchase: never paid.
      { member: 'G', at: daysAgo(15), rials: 9_000_000, category: 'mobile', status: 'placed' },
      { member: 'H', at: daysAgo(400), rials: 2_000_000, category: 'books' },
    ];
    for (const [m, p] of Object.entries(province))
      await club.call('PUT', `/v1/members/${m}`, { province: p });
    await addOrders(club, specs);

    // A run as of 60 days ago, then one now: B and E had not bought yet at the first.
    const first = await club.call('POST', '/v1/insights/runs', {
      asOf: new Date(env.clock.now().getTime() - 60 * DAY_MS).toISOString(),
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.buyers).toBe(5);
    const second = await club.call('POST', '/v1/insights/runs');
    expect(second.body.buyers).toBe(7);
    expect(
      (
        await club.call('POST', '/v1/insights/runs', {
          asOf: new Date(env.clock.now().getTime() + 3600_000).toISOString(),
        })
      ).status,
    ).toBe(400);

    const rr = (await club.call('GET', '/v1/insights/reports/repeat-rate')).body;
    expect(rr).toMatchObject({ runId: second.body.id, buyers: 7, repeatBuyers: 3 });
    expect(rr.repeatRate).toBeCloseTo(3 / 7, 12);
    const rrFirst = (await club.call('GET', `/v1/insights/reports/repeat-rate?runId=${first.body.id}`)).body;
    // As of 60 days ago: A (100 d), C (200, 190), D, F (250), H; only C had two purchase days.
    expect(rrFirst).toMatchObject({ buyers: 5, repeatBuyers: 1 });

    const b = (await club.call('GET', '/v1/members/B/insights')).body;
    expect(b).toMatchObject({ orders: 2, purchaseDays: 1, revenueRials: 4_000_000, recencyDays: 10 });
    expect((await club.call('GET', '/v1/members/G/insights')).body.code).toBe('insights_not_ready');

    // Revenues: D 10M, A 4M, B 4M, H 2M, C 1M, F 1M, E 0.2M = 22.2M; top 10 % = ceil(0.7) = 1, top 20 % = 2.
    const top = (await club.call('GET', '/v1/insights/reports/top-customers')).body;
    expect(top.buyers).toBe(7);
    expect(top.revenueRials).toBe(22_200_000);
    expect(top.top[0]).toMatchObject({ percent: 10, customers: 1, revenueRials: 10_000_000 });
    expect(top.top[0].revenueShare).toBeCloseTo(10 / 22.2, 12);
    expect(top.top[1]).toMatchObject({ percent: 20, customers: 2, revenueRials: 14_000_000 });
    expect(top.top[1].revenueShare).toBeCloseTo(14 / 22.2, 12);

    // Lapsed: no order for 180 days: C (190), D (300), H (400), highest spend first.
    const lapsed = (await club.call('GET', '/v1/insights/reports/lapsed?days=180&pAliveBelow=0')).body;
    expect(lapsed.total).toBe(3);
    expect(lapsed.items.map((i: any) => i.memberExternalId)).toEqual(['D', 'H', 'C']);
    expect(lapsed.items[0]).toMatchObject({
      province: I,
      recencyDays: 300,
      revenueRials: 10_000_000,
      purchaseDays: 1,
    });
    const page1 = (await club.call('GET', '/v1/insights/reports/lapsed?days=180&limit=2')).body;
    expect(page1.items.map((i: any) => i.memberExternalId)).toEqual(['D', 'H']);
    expect(page1.nextOffset).toBe(2);
    const page2 = (await club.call('GET', '/v1/insights/reports/lapsed?days=180&limit=2&offset=2')).body;
    expect(page2.items.map((i: any) => i.memberExternalId)).toEqual(['C']);
    expect(page2.nextOffset).toBeNull();
    // The club's lapsedDays is the default.
    await club.call('PATCH', '/v1/insights/settings', { lapsedDays: 250 });
    const byDefault = (await club.call('GET', '/v1/insights/reports/lapsed')).body;
    expect(byDefault.days).toBe(250);
    expect(byDefault.items.map((i: any) => i.memberExternalId)).toEqual(['D', 'H']);
    expect((await club.call('GET', '/v1/insights/reports/lapsed?limit=5000')).status).toBe(400);
    expect((await club.call('GET', '/v1/insights/reports/lapsed?pAliveBelow=2')).status).toBe(400);

    const csv = await env.app.inject({
      method: 'GET',
      url: '/v1/insights/reports/lapsed?days=180&format=csv',
      headers: { authorization: `Bearer ${club.key}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['x-total-count']).toBe('3');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'memberExternalId,firstName,lastName,mobile,email,province,consentSms,consentEmail,segment,purchaseDays,revenueRials,lastPurchaseDay,recencyDays,pAlive,clvRials',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['D', 'H', 'C']);
    expect(lines[1]).toContain(`,${I},false,false,`);
    expect(lines[1]).toContain(',1,10000000,');

    // Provinces, by revenue: Isfahan (C, D) 11M, Tehran (A, B) 8M, none (H) 2M, Fars (E, F) 1.2M.
    const prov = (await club.call('GET', '/v1/insights/reports/provinces')).body.items;
    expect(prov.map((p: any) => [p.province, p.buyers, p.repeatBuyers, p.revenueRials])).toEqual([
      [I, 2, 1, 11_000_000],
      [T, 2, 1, 8_000_000],
      [null, 1, 0, 2_000_000],
      [F, 2, 1, 1_200_000],
    ]);
    expect(prov[0].revenueShare).toBeCloseTo(11 / 22.2, 12);

    // Categories over the last 365 days (H's order is older): mobile A, B×2, D, F; books A×2, C×2, E, F.
    const cat = (await club.call('GET', '/v1/insights/reports/categories')).body.items;
    expect(cat.map((c: any) => [c.category, c.orders, c.buyers, c.units, c.revenueRials])).toEqual([
      ['mobile', 5, 4, 5, 15_300_000],
      ['books', 6, 4, 6, 4_900_000],
    ]);
    expect(cat[1].revenueShare).toBeCloseTo(4.9 / 20.2, 12);
    const catAll = (
      await club.call(
        'GET',
        `/v1/insights/reports/categories?from=${encodeURIComponent(daysAgo(500).toISOString())}`,
      )
    ).body.items;
    expect(catAll.find((c: any) => c.category === 'books').revenueRials).toBe(6_900_000);
    expect(
      (
        await club.call(
          'GET',
          `/v1/insights/reports/categories?from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(daysAgo(3).toISOString())}`,
        )
      ).status,
    ).toBe(400);

    // Segment movements: 5 members in both runs, B and E entered.
    const mv = (await club.call('GET', '/v1/insights/reports/segment-movements')).body;
    expect(mv.from.runId).toBe(first.body.id);
    expect(mv.to.runId).toBe(second.body.id);
    const cells = mv.matrix.flat().reduce((s: number, v: number) => s + v, 0);
    expect(cells).toBe(5);
    expect(mv.entered.reduce((s: number, v: number) => s + v, 0)).toBe(2);
    expect(mv.left.every((v: number) => v === 0)).toBe(true);
    expect(mv.moved + mv.stayed).toBe(5);
    // The matrix is the count of (segment then, segment now) pairs read straight from the snapshots.
    const seg = async (runId: string) =>
      new Map(
        (
          await env.db.query<{ member_id: string; segment: string }>(
            'select member_id, segment from member_insights where club_id = $1 and run_id = $2',
            [club.clubId, runId],
          )
        ).rows.map((r) => [r.member_id, r.segment]),
      );
    const before = await seg(first.body.id);
    const after = await seg(second.body.id);
    const expected = SEGMENTS.map(() => SEGMENTS.map(() => 0));
    for (const [m, s] of before)
      expected[SEGMENTS.indexOf(s as never)]![SEGMENTS.indexOf(after.get(m) as never)]!++;
    expect(mv.matrix).toEqual(expected);
    const bSeg = (await club.call('GET', '/v1/members/B/insights')).body.segment;
    expect(mv.entered[SEGMENTS.indexOf(bSeg)]).toBeGreaterThanOrEqual(1);

    // Points liability: (available + pending) × point value, as the points API reports per member.
    await club.call('PATCH', '/v1/club', { pointValueRials: 250 });
    await club.call('POST', '/v1/members/A/points/adjustments', { points: 500, reason: 'گل‌ریزان' });
    let outstanding = 0;
    for (const m of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) {
      const p = (await club.call('GET', `/v1/members/${m}/points`)).body;
      outstanding += p.available + p.pending;
    }
    const liab = (await club.call('GET', '/v1/insights/reports/points-liability')).body;
    expect(liab.pointsOutstanding).toBe(outstanding);
    expect(liab.pointsOutstanding).toBe(2720); // 22.2M rials at 10,000 rials a point, plus 500 by hand
    expect(liab.pointValueRials).toBe(250);
    expect(liab.liabilityRials).toBe(2720 * 250);

    // Another club sees none of it.
    const other = await env.newClub();
    expect((await other.call('GET', '/v1/members/A/insights')).body.code).toBe('not_found');
    await other.call('PUT', '/v1/members/A', {});
    expect((await other.call('GET', '/v1/members/A/insights')).body.code).toBe('insights_not_ready');
    expect((await other.call('GET', `/v1/insights/runs/${second.body.id}`)).status).toBe(404);
    expect((await other.call('GET', `/v1/insights/reports/repeat-rate?runId=${second.body.id}`)).status).toBe(
      404,
    );
    expect((await other.call('GET', '/v1/insights/runs')).body.items).toEqual([]);
    expect((await other.call('GET', '/v1/insights/reports/points-liability')).body.pointsOutstanding).toBe(0);
    expect((await other.call('GET', '/v1/insights/reports/categories')).body.items).toEqual([]);
    expect((await club.call('GET', '/v1/insights/runs')).body.items.map((r: any) => r.id)).toEqual([
      second.body.id,
      first.body.id,
    ]);
  });

  it('computes cohort retention by the Jalali month of the first order', async () => {
    const club = await env.newClub();
    const now = env.clock.now();
    const cur = jalaliOf(now);
    const curIndex = cur.jy * 12 + cur.jm - 1;
    /** Tehran noon of day `d` of the Jalali month `k` months after the first cohort (curIndex − 3). */
    const at = (k: number, d: number) => {
      const idx = curIndex - 3 + k;
      const g = toGregorian(Math.floor(idx / 12), (idx % 12) + 1, d);
      return new Date(tehranMidnight(g.gy, g.gm, g.gd).getTime() + 12 * 3600_000);
    };
    const inCurrentMonth = new Date(now.getTime() - 60_000);
    await addOrders(club, [
      { member: 'P', at: at(0, 10), rials: 1_000_000 },
      { member: 'P', at: at(1, 10), rials: 1_000_000 },
      { member: 'P', at: at(1, 11), rials: 1_000_000 },
      { member: 'P', at: inCurrentMonth, rials: 1_000_000 },
      { member: 'Q', at: at(0, 12), rials: 1_000_000 },
      { member: 'Q', at: at(1, 2), rials: 1_000_000 },
      { member: 'R', at: at(0, 15), rials: 1_000_000 },
      { member: 'R', at: at(2, 15), rials: 1_000_000, status: 'cancelled' },
      { member: 'S', at: at(1, 3), rials: 1_000_000 },
      { member: 'S', at: at(2, 3), rials: 1_000_000 },
      { member: 'T', at: at(2, 20), rials: 1_000_000 },
      // U's first order is before the window: in no cohort, although U bought inside it too.
      { member: 'U', at: at(-2, 5), rials: 1_000_000 },
      { member: 'U', at: at(1, 5), rials: 1_000_000 },
    ]);
    const res = await club.call('GET', '/v1/insights/reports/cohorts?months=4');
    expect(res.status).toBe(200);
    const c = res.body.cohorts;
    expect(c).toHaveLength(4);
    const m0 = curIndex - 3;
    expect(c[0].month).toBe(`${Math.floor(m0 / 12)}-${String((m0 % 12) + 1).padStart(2, '0')}`);
    expect(c[3].month).toBe(`${cur.jy}-${String(cur.jm).padStart(2, '0')}`);
    expect(c[3].label).toMatch(/[۰-۹]{4}$/);
    expect(c.map((x: any) => x.size)).toEqual([3, 1, 1, 0]);
    expect(c[0].retention.map((r: any) => r.buyers)).toEqual([2, 0, 1]);
    expect(c[0].retention[0].share).toBeCloseTo(2 / 3, 12);
    expect(c[0].retention[2].share).toBeCloseTo(1 / 3, 12);
    expect(c[1].retention.map((r: any) => r.buyers)).toEqual([1, 0]);
    expect(c[2].retention.map((r: any) => r.buyers)).toEqual([0]);
    expect(c[3].retention).toEqual([]);
    expect((await club.call('GET', '/v1/insights/reports/cohorts?months=37')).status).toBe(400);
  });

  it('validates settings and refuses a second run while one is running', async () => {
    const club = await env.newClub();
    const bad = await club.call('PATCH', '/v1/insights/settings', { margin: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('margin');
    expect((await club.call('PATCH', '/v1/insights/settings', { colour: 'red' })).status).toBe(400);
    const ok = await club.call('PATCH', '/v1/insights/settings', { margin: 0.35, horizonMonths: 24 });
    expect(ok.body).toMatchObject({
      margin: 0.35,
      horizonMonths: 24,
      monthlyDiscountRate: 0.01,
      lapsedDays: 180,
    });
    await env.db.query(
      `insert into insight_runs (club_id, run_id, trigger, status, as_of, as_of_day, settings, started_at)
       values ($1, 'run_stuck', 'api', 'running', $2, '2025-01-01', '{}', $2)`,
      [club.clubId, env.clock.now()],
    );
    const busy = await club.call('POST', '/v1/insights/runs');
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('insights_run_in_progress');
    // A run abandoned by a stopped process is given up after an hour.
    env.clock.advanceDays(1 / 12);
    const run = await club.call('POST', '/v1/insights/runs');
    expect(run.status).toBe(201);
    expect((await club.call('GET', '/v1/insights/runs/run_stuck')).body).toMatchObject({ status: 'failed' });
    expect((await club.call('GET', '/v1/insights/runs/run_nope')).status).toBe(404);
  });

  it('computes 5,000 members with 50,000 orders in seconds', async () => {
    const club = await env.newClub();
    const now = env.clock.now();
    await env.db.query(
      `insert into members (club_id, member_id, external_id, province)
       select $1, 'mem_p' || i, 'P' || i, (array['تهران', 'اصفهان', 'فارس', 'خراسان رضوی'])[1 + i % 4]
         from generate_series(1, 5000) i`,
      [club.clubId],
    );
    // Fresh statistics, or the foreign-key checks of the next insert may be planned as scans.
    await env.db.query('analyze members');
    await env.db.query(
      `insert into orders (club_id, order_id, external_id, member_id, placed_at, status, total_rials, request_hash)
       select $1, 'ord_p' || i || '_' || k, 'OP' || i || '_' || k, 'mem_p' || i,
              $2::timestamptz - ((i * 7 + k * (5 + i % 40)) % 540) * interval '1 day' - (i % 20) * interval '1 hour',
              'delivered', 500000 + (i % 97) * 100000 + k * 1000, 'x'
         from generate_series(1, 5000) i, generate_series(1, 20) k
        where k <= 1 + (i * 13) % 19`,
      [club.clubId, now],
    );
    const started = Date.now();
    const run = await club.call('POST', '/v1/insights/runs');
    const ms = Date.now() - started;
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body.buyers).toBe(5000);
    expect(run.body.purchaseModel).not.toBeNull();
    expect(ms).toBeLessThan(20_000);
    const count = await env.db.query<{ n: number }>(
      'select count(*)::int as n from member_insights where club_id = $1 and run_id = $2',
      [club.clubId, run.body.id],
    );
    expect(count.rows[0]!.n).toBe(5000);
  }, 60_000);
});
