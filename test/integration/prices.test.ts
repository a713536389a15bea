import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/modules/outbox/index.js';
import { importPrices, pricesModule } from '../../src/modules/prices/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const DAY = 86_400_000;

describe.each(BACKENDS)('prices on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let other: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  /** An instant `days` before the test clock's now, on a whole minute so instants compare exactly. */
  const ago = (days: number) =>
    new Date(Math.floor((env.clock.now().getTime() - days * DAY) / 60_000) * 60_000);
  const iso = (d: Date) => d.toISOString();

  beforeAll(async () => {
    env = await setupEnv(url, { modules: [pricesModule] });
    club = await env.newClub();
    other = await env.newClub('Other club');
  });
  afterAll(async () => env?.close());

  async function product(over: Record<string, unknown> = {}): Promise<string> {
    const sku = uid('SKU');
    const res = await club.call('PUT', `/v1/products/${sku}`, {
      titleFa: 'گوشی موبایل',
      titleEn: 'Phone',
      ...over,
    });
    expect(res.status).toBe(201);
    return sku;
  }

  async function runCount(sku: string): Promise<number> {
    const { rows } = await env.db.query<{ n: number }>(
      `select count(*)::int as n from price_runs r join price_products p using (club_id, product_id)
       where p.club_id = $1 and p.sku = $2`,
      [club.clubId, sku],
    );
    return rows[0]!.n;
  }

  async function runsOf(sku: string): Promise<Array<[string, string, number]>> {
    const { rows } = await env.db.query<{ valid_from: Date; last_seen_at: Date; price_rials: number }>(
      `select valid_from, last_seen_at, price_rials from price_runs r join price_products p using (club_id, product_id)
       where p.club_id = $1 and p.sku = $2 order by valid_from`,
      [club.clubId, sku],
    );
    return rows.map((r) => [r.valid_from.toISOString(), r.last_seen_at.toISOString(), r.price_rials]);
  }

  it('creates and updates products, with their current price', async () => {
    const sku = uid('SKU');
    const body = {
      titleFa: 'کتاب',
      titleEn: 'Book',
      category: 'books',
      url: 'https://shop.example/p/1',
      imageUrl: 'https://shop.example/i/1.jpg',
    };
    expect((await club.call('PUT', `/v1/products/${sku}`, body)).status).toBe(201);
    const again = await club.call('PUT', `/v1/products/${sku}`, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ sku, titleFa: 'کتاب', isActive: true, currentPrice: null });
    const off = await club.call('PUT', `/v1/products/${sku}`, { titleFa: 'کتاب', isActive: false });
    expect(off.body).toMatchObject({ isActive: false, titleEn: 'Book' });
    await club.call('POST', '/v1/prices', { sku, priceRials: 1_200_000, at: iso(ago(1)) });
    const got = await club.call('GET', `/v1/products/${sku}`);
    expect(got.body.currentPrice).toMatchObject({ priceRials: 1_200_000, inStock: true });
    expect((await club.call('PUT', `/v1/products/${sku}`, { titleEn: 'no Persian title' })).status).toBe(400);
    expect((await club.call('PUT', '/v1/products/a%20b', { titleFa: 'x' })).status).toBe(400);
  });

  it('is idempotent per (sku, at), extends a run on an equal price, and refuses another price at an instant', async () => {
    const sku = await product();
    const obs = { sku, priceRials: 1_000_000, at: iso(ago(3)), inStock: true };
    const first = await club.call('POST', '/v1/prices', obs);
    expect(first.status).toBe(201);
    expect(first.body.result).toBe('created');
    const retry = await club.call('POST', '/v1/prices', obs);
    expect(retry.status).toBe(200);
    expect(retry.body.result).toBe('unchanged');
    const later = await club.call('POST', '/v1/prices', { ...obs, at: iso(ago(2)) });
    expect(later.body.result).toBe('extended');
    expect(await runCount(sku)).toBe(1);
    const conflict = await club.call('POST', '/v1/prices', { ...obs, priceRials: 900_000 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('idempotency_conflict');
    expect(await runsOf(sku)).toEqual([[iso(ago(3)), iso(ago(2)), 1_000_000]]);
    const change = await club.call('POST', '/v1/prices', { ...obs, priceRials: 900_000, at: iso(ago(1)) });
    expect(change.status).toBe(201);
    expect(await runCount(sku)).toBe(2);
  });

  it('imports a batch in any order into the same runs, and a re-sent batch changes nothing', async () => {
    const sku = await product();
    const prices = [100, 100, 120, 120, 120, 90, 90, 100].map((p) => p * 10_000);
    const observations = prices.map((priceRials, i) => ({ sku, priceRials, at: iso(ago(20 - i)) }));
    const shuffled = [5, 2, 7, 0, 3, 6, 1, 4].map((i) => observations[i]!);
    const res = await club.call('POST', '/v1/prices/batch', { observations: shuffled });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 8, unchanged: 0 });
    expect(res.body.created + res.body.extended).toBe(8);
    expect(await runsOf(sku)).toEqual([
      [iso(ago(20)), iso(ago(19)), 1_000_000],
      [iso(ago(18)), iso(ago(16)), 1_200_000],
      [iso(ago(15)), iso(ago(14)), 900_000],
      [iso(ago(13)), iso(ago(13)), 1_000_000],
    ]);
    const again = await club.call('POST', '/v1/prices/batch', { observations: shuffled.reverse() });
    expect(again.body).toEqual({ received: 8, created: 0, extended: 0, unchanged: 8 });
  });

  it('fills in history behind the live feed, joining the run it reaches', async () => {
    const sku = await product();
    await club.call('POST', '/v1/prices/batch', {
      observations: [10, 9, 8].map((d) => ({ sku, priceRials: 500_000, at: iso(ago(d)) })),
    });
    // Older history, sent after: its last price is the feed's first.
    const history = [
      { sku, priceRials: 450_000, at: iso(ago(14)) },
      { sku, priceRials: 480_000, at: iso(ago(13)) },
      { sku, priceRials: 500_000, at: iso(ago(12)) },
      { sku, priceRials: 500_000, at: iso(ago(11)) },
    ];
    const res = await club.call('POST', '/v1/prices/batch', { observations: history });
    expect(res.body).toMatchObject({ received: 4, created: 2, extended: 2 });
    expect(await runsOf(sku)).toEqual([
      [iso(ago(14)), iso(ago(14)), 450_000],
      [iso(ago(13)), iso(ago(13)), 480_000],
      [iso(ago(12)), iso(ago(8)), 500_000],
    ]);
    // A point inside a stored run with another price splits it.
    const split = await club.call('POST', '/v1/prices', { sku, priceRials: 470_000, at: iso(ago(10)) });
    expect(split.status).toBe(201);
    expect((await runsOf(sku)).map((r) => r[2])).toEqual([450_000, 480_000, 500_000, 470_000, 500_000]);
  });

  it('answers history in Tehran-day buckets with stats and a signal', async () => {
    const sku = await product();
    // 400 days at 1,000,000, then a rise to 1,200,000 for 100 days, and a fall to 950,000 five days ago.
    const observations = [];
    for (let d = 500; d >= 0; d--) {
      const priceRials = d > 100 ? 1_000_000 : d > 5 ? 1_200_000 : 950_000;
      observations.push({ sku, priceRials, at: iso(ago(d + 0.5)) });
    }
    const res = await club.call('POST', '/v1/prices/batch', { observations });
    expect(res.body).toMatchObject({ received: 501, created: 3, extended: 498 });
    expect(await runCount(sku)).toBe(3);

    const h = await club.call('GET', `/v1/products/${sku}/price-history?resolution=day&from=${iso(ago(30))}`);
    expect(h.status).toBe(200);
    expect(h.body.timeZone).toBe('Asia/Tehran');
    expect(h.body.series.length).toBeGreaterThanOrEqual(30);
    expect(h.body.series.length).toBeLessThanOrEqual(32);
    const fall = h.body.series.find((b: any) => b.minRials === 950_000 && b.maxRials === 1_200_000);
    expect(fall).toMatchObject({ openRials: 1_200_000, closeRials: 950_000 });
    expect(h.body.series.at(-1)).toMatchObject({ openRials: 950_000, closeRials: 950_000 });
    expect(h.body.series[0].jalaliDate).toMatch(/^14\d\d-\d\d-\d\d$/);
    const s = h.body.stats;
    expect(s.current.priceRials).toBe(950_000);
    expect(s.previousPriceRials).toBe(1_200_000);
    expect(s.changeRials).toBe(-250_000);
    expect(s.changePercent).toBe(-20.8);
    expect(s.windows.map((w: any) => [w.days, w.minRials, w.maxRials])).toEqual([
      [30, 950_000, 1_200_000],
      [90, 950_000, 1_200_000],
      [365, 950_000, 1_200_000],
    ]);
    expect(s.allTimeLow).toMatchObject({ priceRials: 950_000, daysSince: 0 });
    expect(h.body.signal).toMatchObject({ action: 'buy', code: 'at_all_time_low' });

    const months = await club.call('GET', `/v1/products/${sku}/price-history?resolution=month`);
    expect(months.body.series.length).toBeGreaterThanOrEqual(12);
    expect(months.body.series.length).toBeLessThanOrEqual(14);
    expect(
      months.body.series.every((b: any) => b.jalaliDate.endsWith('-01') || b === months.body.series[0]),
    ).toBe(true);
    const weeks = await club.call(
      'GET',
      `/v1/products/${sku}/price-history?resolution=week&calendar=gregory`,
    );
    expect(weeks.body.series.length).toBeGreaterThanOrEqual(52);

    const tooLong = await club.call(
      'GET',
      `/v1/products/${sku}/price-history?resolution=day&from=${iso(ago(2000))}`,
    );
    expect(tooLong.status).toBe(400);
    const reversed = await club.call(
      'GET',
      `/v1/products/${sku}/price-history?from=${iso(ago(1))}&to=${iso(ago(2))}`,
    );
    expect(reversed.status).toBe(400);
  });

  it('alerts a watcher once per drop, to the target or by the club threshold, through the outbox', async () => {
    const member = uid('M');
    expect((await club.call('PUT', `/v1/members/${member}`, { firstName: 'مریم' })).status).toBe(201);
    const sku = await product();
    const post = (priceRials: number, daysAgo: number) =>
      club.call('POST', '/v1/prices', { sku, priceRials, at: iso(ago(daysAgo)) });
    await post(1_000_000, 10);
    const watch = await club.call('PUT', `/v1/members/${member}/watches/${sku}`, {
      targetPriceRials: 850_000,
    });
    expect(watch.status).toBe(201);
    expect(watch.body).toMatchObject({ sku, targetPriceRials: 850_000, referencePriceRials: 1_000_000 });

    await post(950_000, 9); // 5%: under the 10% threshold
    await post(880_000, 8); // 12% below the peak: a drop alert
    await post(880_000, 7); // the same price again: no alert
    await post(870_000, 6); // 1% further: no alert
    await post(840_000, 5); // reaches the target: a target alert
    await post(840_000, 4);
    const alerts = await club.call('GET', `/v1/members/${member}/price-alerts`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.items.map((a: any) => [a.reason, a.oldPriceRials, a.newPriceRials])).toEqual([
      ['target', 870_000, 840_000],
      ['drop', 950_000, 880_000],
    ]);
    const events = (await listEvents(env.db, club.clubId, { type: 'price.alert', limit: 100 })).filter(
      (e) => e.payload.sku === sku,
    );
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({
        reason: 'drop',
        newPriceRials: 880_000,
        targetPriceRials: 850_000,
        oldPriceRials: 950_000,
      }),
      expect.objectContaining({ reason: 'target', newPriceRials: 840_000 }),
    ]);
    expect(events[0]!.payload.memberId).toMatch(/^mem_/);

    // Up and down again is a new drop; history filled in behind the current price never alerts.
    await club.call('PATCH', '/v1/price-settings', { dropThresholdPercent: 20 });
    expect((await club.call('GET', '/v1/price-settings')).body).toEqual({ dropThresholdPercent: 20 });
    await post(1_100_000, 3);
    await post(900_000, 2); // 18%: under the new 20% threshold, above the target
    await post(500_000, 30); // old history
    await post(800_000, 1); // crosses the target again
    const all = await club.call('GET', `/v1/price-alerts?sku=${sku}&limit=1`);
    expect(all.body.items).toHaveLength(1);
    expect(all.body.items[0]).toMatchObject({
      reason: 'target',
      newPriceRials: 800_000,
      referencePriceRials: 1_100_000,
    });
    const page2 = await club.call(
      'GET',
      `/v1/price-alerts?sku=${sku}&limit=10&cursor=${all.body.nextCursor}`,
    );
    expect(page2.body.items).toHaveLength(2);
    await club.call('PATCH', '/v1/price-settings', { dropThresholdPercent: 10 });

    const list = await club.call('GET', `/v1/members/${member}/watches`);
    expect(list.body.items).toEqual([
      expect.objectContaining({ sku, currentPriceRials: 800_000, referencePriceRials: 800_000 }),
    ]);
    expect(
      (await club.call('PUT', `/v1/members/${member}/watches/${sku}`, { targetPriceRials: null })).status,
    ).toBe(200);
    expect((await club.call('DELETE', `/v1/members/${member}/watches/${sku}`)).status).toBe(204);
    expect((await club.call('DELETE', `/v1/members/${member}/watches/${sku}`)).status).toBe(404);
    expect((await club.call('GET', `/v1/members/${member}/watches`)).body.items).toEqual([]);
    expect((await club.call('PUT', `/v1/members/nobody/watches/${sku}`, {})).status).toBe(404);
  });

  it('refuses bad input with a clear 4xx and writes nothing', async () => {
    const sku = await product();
    await club.call('POST', '/v1/prices', { sku, priceRials: 1000, at: iso(ago(5)) });
    const bad: Array<[Record<string, unknown>, number, string]> = [
      [{ sku, priceRials: -5, at: iso(ago(1)) }, 400, 'validation_failed'],
      [{ sku, priceRials: 0, at: iso(ago(1)) }, 400, 'validation_failed'],
      [{ sku, priceRials: 1.5, at: iso(ago(1)) }, 400, 'validation_failed'],
      [{ sku, priceRials: 1000, at: '2025-01-01' }, 400, 'validation_failed'],
      [{ sku, priceRials: 1000, at: iso(new Date(Date.now() + 3600_000)) }, 400, 'validation_failed'],
      [{ sku: 'no-such-sku', priceRials: 1000, at: iso(ago(1)) }, 404, 'not_found'],
      [{ sku, priceRials: 1000, at: iso(ago(1)), extra: 1 }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of bad) {
      const res = await club.call('POST', '/v1/prices', body);
      expect([res.status, res.body.code]).toEqual([status, code]);
    }
    // A batch with one bad item is refused whole, naming it.
    const good = [1, 2, 3].map((d) => ({ sku, priceRials: 2000, at: iso(ago(d)) }));
    const dup = await club.call('POST', '/v1/prices/batch', {
      observations: [...good, { sku, priceRials: 2500, at: good[1]!.at }],
    });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].field).toBe('observations.3.priceRials');
    const unknown = await club.call('POST', '/v1/prices/batch', {
      observations: [...good, { sku: 'nope', priceRials: 1, at: iso(ago(1)) }],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0].field).toBe('observations.3.sku');
    const future = await club.call('POST', '/v1/prices/batch', {
      observations: [...good, { sku, priceRials: 1, at: iso(new Date(Date.now() + 86_400_000)) }],
    });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].field).toBe('observations.3.at');
    const tooMany = await club.call('POST', '/v1/prices/batch', {
      observations: Array.from({ length: 10_001 }, (_, i) => ({
        sku,
        priceRials: 1000 + i,
        at: iso(ago(1 + i / 10_000)),
      })),
    });
    expect(tooMany.status).toBe(400);
    expect(await runsOf(sku)).toEqual([[iso(ago(5)), iso(ago(5)), 1000]]);
  });

  it('imports a CSV, reporting rejected rows by line, and a re-run changes nothing', async () => {
    const sku = await product();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-prices-')), 'prices.csv');
    const lines = [
      'sku,priceRials,at,inStock',
      `${sku},1000,${iso(ago(4))},true`,
      `${sku},1000,${iso(ago(3))},`,
      `${sku},-1,${iso(ago(2))},true`,
      `no-such-sku,1000,${iso(ago(2))},true`,
      `${sku},1200,${iso(ago(1))},ناموجود`,
      `${sku},1300,${iso(ago(1))},true`,
      `${sku},abc,${iso(ago(1))},true`,
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const report = await importPrices(env.db, club.clubId, file);
    expect(report).toMatchObject({ rows: 7, created: 2, updated: 1, unchanged: 0 });
    expect(report.rejected.map((r) => r.line)).toEqual([4, 5, 7, 8]);
    expect(report.rejected[1]!.reason).toContain('not found');
    expect(report.rejected[2]!.reason).toContain('already recorded');
    const again = await importPrices(env.db, club.clubId, file);
    expect(again).toMatchObject({ rows: 7, created: 0, updated: 0, unchanged: 3 });
    expect(await runsOf(sku)).toEqual([
      [iso(ago(4)), iso(ago(3)), 1000],
      [iso(ago(1)), iso(ago(1)), 1200],
    ]);
  });

  it('keeps clubs apart: another club’s key answers 404 and writes nothing', async () => {
    const sku = await product();
    await club.call('POST', '/v1/prices', { sku, priceRials: 1000, at: iso(ago(1)) });
    expect((await other.call('GET', `/v1/products/${sku}`)).status).toBe(404);
    expect((await other.call('GET', `/v1/products/${sku}/price-history`)).status).toBe(404);
    const res = await other.call('POST', '/v1/prices', { sku, priceRials: 1, at: iso(ago(2)) });
    expect(res.status).toBe(404);
    const member = uid('M');
    await other.call('PUT', `/v1/members/${member}`, {});
    expect((await other.call('PUT', `/v1/members/${member}/watches/${sku}`, {})).status).toBe(404);
    expect(await runCount(sku)).toBe(1);
    // The same sku may exist in both clubs, with separate histories.
    expect((await other.call('PUT', `/v1/products/${sku}`, { titleFa: 'دیگر' })).status).toBe(201);
    expect((await other.call('GET', `/v1/products/${sku}`)).body.currentPrice).toBeNull();
  });
});
