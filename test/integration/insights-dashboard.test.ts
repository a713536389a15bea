import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfTehranDay } from '../../src/lib/tehran-time.js';
import { insightsModule } from '../../src/modules/insights/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const DAY_MS = 86_400_000;

/** A small deterministic generator, so the club is the same on every run and backend. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// The reports the analytics page reads beside the original ones: the RFM grid, the CLV histogram and
// the model check. Each is checked against the member rows of the same run, read one by one.
describe.each(BACKENDS)('insights reports for the dashboard on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, insightsModule] });
  });
  afterAll(async () => env?.close());

  /** Tehran noon `days` days before today. */
  const daysAgo = (days: number) =>
    new Date(startOfTehranDay(env.clock.now()).getTime() - days * DAY_MS + 12 * 3600_000);

  /** Orders: member → days ago of each purchase (one order a day), with a spend per member. */
  async function addHistory(club: TestClub, history: Map<string, { days: number[]; rials: number }>) {
    const orders = [];
    for (const [member, h] of history) {
      expect((await club.call('PUT', `/v1/members/${member}`, {})).status).toBeLessThan(300);
      for (const d of h.days) {
        orders.push({
          externalId: `O-${++n}`,
          memberExternalId: member,
          placedAt: daysAgo(d).toISOString(),
          totalRials: h.rials,
          status: 'delivered',
          lines: [{ sku: 'S', category: 'c', quantity: 1, unitPriceRials: h.rials }],
        });
      }
    }
    for (let i = 0; i < orders.length; i += 500) {
      const res = await club.call('POST', '/v1/orders/batch', { orders: orders.slice(i, i + 500) });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
  }

  /** 80 members over 400 days: steady repeaters, slow ones, one-timers and some who stopped. */
  function makeHistory() {
    const rnd = lcg(42);
    const history = new Map<string, { days: number[]; rials: number }>();
    for (let i = 0; i < 80; i++) {
      const first = 30 + Math.floor(rnd() * 370);
      const gap = i % 4 === 0 ? 0 : 8 + Math.floor(rnd() * 60);
      const stopAfter = i % 5 === 0 ? Math.floor(first / 2) : 0;
      const days = new Set<number>([first]);
      if (gap > 0) for (let d = first - gap; d >= Math.max(1, stopAfter); d -= gap) days.add(d);
      history.set(`M${i}`, { days: [...days], rials: 100_000 * (1 + Math.floor(rnd() * 90)) });
    }
    return history;
  }

  it('documents the new reports in the OpenAPI document', async () => {
    const doc = JSON.parse((await env.app.inject({ method: 'GET', url: '/openapi.json' })).body);
    for (const p of [
      '/v1/insights/reports/rfm-grid',
      '/v1/insights/reports/clv-distribution',
      '/v1/insights/reports/model-check',
    ]) {
      expect(doc.paths[p]?.get?.summary, p).toBeTruthy();
    }
    for (const s of ['RfmGridReport', 'ClvDistributionReport', 'ModelCheckReport', 'ModelCheck'])
      expect(doc.components.schemas[s], s).toBeDefined();
  });

  it('answers insights_not_ready before a run and names a bad parameter', async () => {
    const club = await env.newClub();
    for (const r of ['rfm-grid', 'clv-distribution', 'model-check']) {
      const res = await club.call('GET', `/v1/insights/reports/${r}`);
      expect(res.status, r).toBe(404);
      expect(res.body.code).toBe('insights_not_ready');
    }
    for (const bins of ['2', '51', 'x']) {
      const res = await club.call('GET', `/v1/insights/reports/clv-distribution?bins=${bins}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('bins');
    }
    const bad = await club.call('GET', '/v1/insights/reports/rfm-grid?runId=nope');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('runId');
  });

  it('builds the RFM grid, the CLV histogram and the model check from the run', async () => {
    const club = await env.newClub();
    const history = makeHistory();
    await addHistory(club, history);
    const run = await club.call('POST', '/v1/insights/runs');
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body.purchaseModel).not.toBeNull();
    expect(run.body.timings.checkMs).toBeGreaterThanOrEqual(0);

    const rows: any[] = [];
    for (const m of history.keys()) rows.push((await club.call('GET', `/v1/members/${m}/insights`)).body);

    // RFM grid: 25 cells, R 5 … 1 then F 1 … 5, each the sum of its members' rows.
    const grid = (await club.call('GET', '/v1/insights/reports/rfm-grid')).body;
    expect(grid.runId).toBe(run.body.id);
    expect(grid.buyers).toBe(80);
    expect(grid.cells.map((c: any) => `${c.r}${c.f}`)).toEqual(
      [5, 4, 3, 2, 1].flatMap((r) => [1, 2, 3, 4, 5].map((f) => `${r}${f}`)),
    );
    for (const c of grid.cells) {
      const inCell = rows.filter((r) => r.rfm.r === c.r && r.rfm.f === c.f);
      const revenue = inCell.reduce((s, r) => s + r.revenueRials, 0);
      expect(c.members, `${c.r}${c.f}`).toBe(inCell.length);
      expect(c.revenueRials).toBe(revenue);
      expect(c.memberShare).toBeCloseTo(inCell.length / 80, 12);
      expect(c.churnRisk).toBe(inCell.filter((r) => r.isChurnRisk).length);
      if (inCell.length === 0) {
        expect(c).toMatchObject({ meanRevenueRials: null, meanMonetaryScore: null, clvRials: null });
      } else {
        expect(c.meanRevenueRials).toBe(Math.round(revenue / inCell.length));
        const meanM = inCell.reduce((s, r) => s + r.rfm.m, 0) / inCell.length;
        expect(c.meanMonetaryScore).toBeCloseTo(meanM, 2);
        // Summed as floats in SQL, rounded per member in the member read.
        expect(Math.abs(c.clvRials - inCell.reduce((s, r) => s + r.clvRials, 0))).toBeLessThanOrEqual(
          inCell.length,
        );
      }
    }
    expect(grid.cells.filter((c: any) => c.members > 0).length).toBeGreaterThan(5);

    // CLV histogram: every member in the bin of her CLV; the bins of a round width cover up to p99.
    const clv = (await club.call('GET', '/v1/insights/reports/clv-distribution?bins=10')).body;
    const values = rows.map((r) => r.clvRials as number).sort((a, b) => a - b);
    expect(clv).toMatchObject({ buyers: 80, withClv: 80 });
    expect(Math.abs(clv.maxRials - values[79]!)).toBeLessThanOrEqual(1);
    expect(Math.abs(clv.medianRials - (values[39]! + values[40]!) / 2)).toBeLessThanOrEqual(1);
    const w = clv.binWidthRials;
    expect(String(w)).toMatch(/^(1|2|25|5)0+$/);
    expect(w * 10).toBeGreaterThanOrEqual(clv.p99Rials - 1);
    expect(clv.bins.reduce((s: number, b: any) => s + b.members, 0)).toBe(80);
    // Exact CLV values (unrounded) decide the bin, so a member on an edge may be one bin apart.
    for (const b of clv.bins) {
      const lo = values.filter(
        (v) => v >= b.fromRials + 1 && (b.toRials === null || v < b.toRials - 1),
      ).length;
      expect(b.members).toBeGreaterThanOrEqual(lo);
    }
    expect(clv.bins[0].fromRials).toBe(0);
    expect(clv.bins.slice(0, 10).every((b: any, k: number) => b.toRials === (k + 1) * w)).toBe(true);

    // Model check: calibration up to 90 days ago; the actual holdout purchase days counted by hand.
    const check = (await club.call('GET', '/v1/insights/reports/model-check')).body;
    expect(check.modelCheck).toEqual(run.body.modelCheck);
    const mc = check.modelCheck;
    expect(mc.status).toBe('checked');
    expect(mc.holdoutDays).toBe(90);
    let customers = 0;
    let actual = 0;
    const byX = new Map<string, { customers: number; actual: number }>();
    for (const h of history.values()) {
      if (Math.max(...h.days) < 90) continue;
      customers++;
      const x = h.days.filter((d) => d >= 90).length - 1;
      const holdout = h.days.filter((d) => d < 90).length;
      actual += holdout;
      const g = x >= 7 ? '7+' : String(x);
      const row = byX.get(g) ?? { customers: 0, actual: 0 };
      row.customers++;
      row.actual += holdout;
      byX.set(g, row);
    }
    expect(mc.customers).toBe(customers);
    expect(mc.actual).toBe(actual);
    for (const r of mc.byFrequency) {
      expect(r, r.group).toMatchObject(byX.get(r.group) ?? { customers: 0, actual: 0 });
      expect(r.predicted).toBeGreaterThanOrEqual(0);
    }
    expect(mc.predicted).toBeCloseTo(
      mc.byFrequency.reduce((s: number, r: any) => s + r.predicted, 0),
      6,
    );
    // The model is fitted on this club's rhythm: within a factor of two overall.
    expect(mc.predicted).toBeGreaterThan(actual / 2);
    expect(mc.predicted).toBeLessThan(actual * 2);
  });

  it('skips the model check, with the reason, when the club is younger than the holdout', async () => {
    const club = await env.newClub();
    const history = new Map<string, { days: number[]; rials: number }>();
    for (let i = 0; i < 30; i++) history.set(`Y${i}`, { days: [60, 30, 5], rials: 1_000_000 });
    await addHistory(club, history);
    const run = await club.call('POST', '/v1/insights/runs');
    expect(run.body.modelCheck).toMatchObject({ status: 'skipped', holdoutDays: 90 });
    expect(run.body.modelCheck.reason).toMatch(/less than 90 days old/);
    const clv = (await club.call('GET', '/v1/insights/reports/clv-distribution')).body;
    expect(clv.bins.reduce((s: number, b: any) => s + b.members, 0)).toBe(clv.withClv);
  });
});
