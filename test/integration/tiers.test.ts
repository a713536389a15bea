import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/modules/outbox/index.js';
import { TiersService, tiersModule } from '../../src/modules/tiers/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const TIERS = {
  tiers: [
    { key: 'bronze', name: { fa: 'برنزی', en: 'Bronze' }, threshold: 0 },
    {
      key: 'silver',
      name: { fa: 'نقره‌ای', en: 'Silver' },
      threshold: 10_000_000,
      benefits: { freeShippingThresholdRials: 5_000_000, warrantyExtensionMonths: 3 },
    },
    {
      key: 'gold',
      name: { fa: 'طلایی', en: 'Gold' },
      threshold: 50_000_000,
      benefits: {
        shippingClass: 'express',
        freeShippingThresholdRials: 0,
        warrantyExtensionMonths: 6,
        earningMultiplier: 1.5,
        earlyAccessHours: 24,
        perks: [{ fa: 'پشتیبانی با اولویت', en: 'Priority support' }],
      },
    },
    {
      key: 'diamond',
      name: { fa: 'الماس', en: 'Diamond' },
      threshold: 150_000_000,
      benefits: { shippingClass: 'same_day', warrantyExtensionMonths: 12, earningMultiplier: 2 },
    },
  ],
};

describe.each(BACKENDS)('tiers on $name', ({ url }) => {
  let env: TestEnv;
  let tiers: TiersService;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = await setupEnv(url, { modules: [tiersModule] });
    tiers =
      (env.ctx.services as { tiers?: TiersService }).tiers ??
      new TiersService(env.db, env.ctx.services, env.ctx.clock);
  });
  afterAll(async () => env?.close());

  async function clubWithTiers(settings?: Record<string, unknown>): Promise<TestClub> {
    const club = await env.newClub();
    const put = await club.call('PUT', '/v1/tiers', TIERS);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    if (settings) expect((await club.call('PATCH', '/v1/tier-settings', settings)).status).toBe(200);
    return club;
  }

  async function member(club: TestClub): Promise<string> {
    const id = uid('C');
    expect((await club.call('PUT', `/v1/members/${id}`, { firstName: 'زهرا' })).status).toBe(201);
    return id;
  }

  async function pay(club: TestClub, memberExternalId: string, totalRials: number): Promise<void> {
    const res = await club.call('POST', '/v1/orders', {
      externalId: uid('O'),
      memberExternalId,
      placedAt: new Date(env.clock.now().getTime() - 3600_000).toISOString(),
      totalRials,
      status: 'paid',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }

  /** What the lead will wire into OrdersService: evaluate the member in a transaction after the order. */
  async function evaluate(club: TestClub, externalId: string): Promise<void> {
    const memberId = await env.ctx.services.members.getMemberId(club.clubId, externalId);
    await env.db.transaction((tx) => tiers.evaluateMember(tx, club.clubId, memberId));
  }

  const tierOf = async (club: TestClub, m: string) => (await club.call('GET', `/v1/members/${m}/tier`)).body;

  it('stores the ordered list and refuses bad definitions naming the field', async () => {
    const club = await clubWithTiers();
    const list = await club.call('GET', '/v1/tiers');
    expect(list.body.measure).toBe('spend');
    expect(list.body.tiers.map((t: any) => [t.key, t.rank])).toEqual([
      ['bronze', 1],
      ['silver', 2],
      ['gold', 3],
      ['diamond', 4],
    ]);
    expect(list.body.tiers[1].benefits).toEqual({
      shippingClass: null,
      freeShippingThresholdRials: 5_000_000,
      warrantyExtensionMonths: 3,
      earningMultiplier: 1,
      earlyAccessHours: 0,
      perks: [],
    });

    const bad = async (body: unknown, field: string) => {
      const res = await club.call('PUT', '/v1/tiers', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors.map((e: any) => e.field)).toContain(field);
    };
    const [b, s, g, d] = TIERS.tiers;
    await bad({ tiers: [b, s, { ...g, key: 'silver' }, d] }, 'tiers.2.key');
    await bad({ tiers: [b, { ...s, threshold: 60_000_000 }, g, d] }, 'tiers.2.threshold');
    await bad({ tiers: [b, { ...s, name: { fa: 'نقره‌ای' } }] }, 'tiers.1.name.en');
    await bad(
      { tiers: [b, { ...s, benefits: { warrantyExtensionMonths: -1 } }] },
      'tiers.1.benefits.warrantyExtensionMonths',
    );
    await bad({ tiers: [{ ...b, key: 'Bronze Tier' }] }, 'tiers.0.key');
    const settings = await club.call('PATCH', '/v1/tier-settings', { graceReviews: 5 });
    expect(settings.status).toBe(400);
    expect(settings.body.errors[0].field).toBe('graceReviews');
    // A refused edit changes nothing.
    expect((await club.call('GET', '/v1/tiers')).body.tiers).toHaveLength(4);
  });

  it('upgrades at once on activity, with history, an event and progress to the next tier', async () => {
    const club = await clubWithTiers();
    const m = await member(club);
    await pay(club, m, 12_000_000);
    await evaluate(club, m);
    const memberId = await env.ctx.services.members.getMemberId(club.clubId, m);
    expect(await tiers.getMemberTier(env.db, club.clubId, memberId)).toMatchObject({
      key: 'silver',
      rank: 2,
    });

    const events = await listEvents(env.db, club.clubId, { type: 'tier.changed', limit: 10 });
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ memberId, kind: 'upgrade', from: null, to: 'silver', toRank: 2 }),
    ]);

    // The lead has not wired evaluation into orders yet: reading the tier evaluates it.
    await pay(club, m, 40_000_000);
    const view = await tierOf(club, m);
    expect(view.tier.key).toBe('gold');
    expect(view.measureValue).toBe(52_000_000);
    expect(view.since).not.toBeNull();
    expect(view.review.atJalali).toMatch(/^[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2}$/);
    expect(view.next).toMatchObject({
      tier: { key: 'diamond' },
      threshold: 150_000_000,
      remaining: 98_000_000,
    });
    expect(view.next.deadlineJalali).toMatch(/^۱۴[۰-۹]{2}\/[۰-۹]{2}\/[۰-۹]{2}$/);
    expect(view.next.message.en).toMatch(
      /^Spend 9,800,000 toman more before \d{4}\/\d{2}\/\d{2} to reach Diamond\.$/,
    );
    expect(view.next.message.fa).toContain('۹٬۸۰۰٬۰۰۰ تومان');
    expect(view.message.en).toContain('You are in the Gold tier.');
    expect(view.history.map((h: any) => [h.kind, h.from, h.to, h.reason])).toEqual([
      ['upgrade', 'silver', 'gold', 'qualified'],
      ['upgrade', null, 'silver', 'qualified'],
    ]);
    // Reading again changes nothing.
    expect((await tierOf(club, m)).history).toHaveLength(2);
  });

  it('keeps the tier until the review, grants one grace review, then downgrades', async () => {
    const club = await clubWithTiers();
    const m = await member(club);
    await pay(club, m, 60_000_000);
    await evaluate(club, m);
    const reviewAt = (await tierOf(club, m)).review.at;

    // The spend leaves the rolling window after a year, but the tier holds until the review date.
    env.clock.advanceDays(364);
    expect(await tiers.runReviews(club.clubId)).toBe(0);
    await pay(club, m, 1_000_000);
    await evaluate(club, m);
    expect((await tierOf(club, m)).tier.key).toBe('gold');

    // At the review the member qualifies only for bronze: the one grace review keeps gold another year.
    env.clock.advanceDays(2);
    expect(await tiers.runReviews(club.clubId)).toBe(0);
    const grace = await tierOf(club, m);
    expect(grace.tier.key).toBe('gold');
    expect(grace.review.graceReviewsLeft).toBe(0);
    expect(new Date(grace.review.at).getTime()).toBeGreaterThan(new Date(reviewAt).getTime());
    expect(grace.history[0]).toMatchObject({ kind: 'grace', from: 'gold', to: 'gold' });

    env.clock.advanceDays(365);
    expect(await tiers.runReviews(club.clubId)).toBe(1);
    const down = await tierOf(club, m);
    expect(down.tier.key).toBe('bronze');
    expect(down.history[0]).toMatchObject({
      kind: 'downgrade',
      from: 'gold',
      to: 'bronze',
      reason: 'review',
    });
    const events = await listEvents(env.db, club.clubId, { type: 'tier.changed', limit: 10 });
    expect(events.at(-1)?.payload).toMatchObject({ kind: 'downgrade', from: 'gold', to: 'bronze' });
    // Nothing further is due.
    expect(await tiers.runReviews(club.clubId)).toBe(0);
  });

  it('never downgrades in never mode', async () => {
    const club = await clubWithTiers({ downgrade: 'never' });
    const m = await member(club);
    await pay(club, m, 200_000_000);
    expect((await tierOf(club, m)).tier.key).toBe('diamond');
    env.clock.advanceDays(800);
    expect(await tiers.runReviews(club.clubId)).toBe(0);
    const view = await tierOf(club, m);
    expect(view.tier.key).toBe('diamond');
    expect(view.review).toBeNull();
    expect(view.next).toBeNull();
    expect(view.message.en).toContain('top tier');
  });

  it('sets a manual floor with reason and author, idempotently, and never drops below it', async () => {
    const club = await clubWithTiers({ graceReviews: 0 });
    const m = await member(club);
    const body = { tierKey: 'gold', reason: 'Compensation for a late delivery', author: 'sara@shop.ir' };
    const set = await club.call('POST', `/v1/members/${m}/tier`, body, { 'idempotency-key': `floor-${m}` });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.tier.key).toBe('gold');
    expect(set.body.floor).toMatchObject({
      tier: { key: 'gold' },
      reason: body.reason,
      author: 'sara@shop.ir',
    });
    expect(set.body.history.map((h: any) => [h.kind, h.reason, h.note, h.author])).toEqual([
      ['upgrade', 'manual', body.reason, 'sara@shop.ir'],
      ['floor_set', 'manual', body.reason, 'sara@shop.ir'],
    ]);
    const again = await club.call('POST', `/v1/members/${m}/tier`, body, { 'idempotency-key': `floor-${m}` });
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The replay wrote nothing.
    expect((await tierOf(club, m)).history).toHaveLength(2);

    const unknown = await club.call('POST', `/v1/members/${m}/tier`, { tierKey: 'platinum', reason: 'x' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('tierKey');

    // Reviews never take the member below the floor.
    env.clock.advanceDays(400);
    await tiers.runReviews(club.clubId);
    expect((await tierOf(club, m)).tier.key).toBe('gold');

    // Clearing the floor keeps the tier until the next review; the API key is the author by default.
    const cleared = await club.call('POST', `/v1/members/${m}/tier`, { tierKey: null, reason: 'Done' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.floor).toBeNull();
    expect(cleared.body.tier.key).toBe('gold');
    expect(cleared.body.history[0]).toMatchObject({
      kind: 'floor_cleared',
      author: expect.stringMatching(/^api_key:key_/),
    });
    env.clock.advanceDays(366);
    expect(await tiers.runReviews(club.clubId)).toBe(1);
    expect((await tierOf(club, m)).tier.key).toBe('bronze');
  });

  it('answers checkout’s benefits in one call, empty without a tier', async () => {
    const club = await clubWithTiers();
    const m = await member(club);
    await pay(club, m, 55_000_000);
    const gold = await club.call('GET', `/v1/members/${m}/benefits`);
    expect(gold.status).toBe(200);
    expect(gold.body).toEqual({
      memberExternalId: m,
      tier: { key: 'gold', rank: 3, name: { fa: 'طلایی', en: 'Gold' } },
      benefits: {
        shippingClass: 'express',
        freeShippingThresholdRials: 0,
        warrantyExtensionMonths: 6,
        earningMultiplier: 1.5,
        earlyAccessHours: 24,
        perks: [{ fa: 'پشتیبانی با اولویت', en: 'Priority support' }],
      },
    });

    const plain = await env.newClub();
    const p = await member(plain);
    const none = await plain.call('GET', `/v1/members/${p}/benefits`);
    expect(none.body).toEqual({
      memberExternalId: p,
      tier: null,
      benefits: {
        shippingClass: null,
        freeShippingThresholdRials: null,
        warrantyExtensionMonths: 0,
        earningMultiplier: 1,
        earlyAccessHours: 0,
        perks: [],
      },
    });
    expect((await plain.call('GET', `/v1/members/${p}/tier`)).body).toMatchObject({
      tier: null,
      next: null,
      message: { en: 'This club has no tiers.' },
    });
    expect((await club.call('GET', '/v1/members/nobody/benefits')).status).toBe(404);
  });

  it('re-evaluates on read after the tiers are edited, and measures orders or points when asked', async () => {
    const club = await clubWithTiers();
    const m = await member(club);
    await pay(club, m, 30_000_000);
    expect((await tierOf(club, m)).tier.key).toBe('silver');
    const lowered = structuredClone(TIERS);
    lowered.tiers[2]!.threshold = 25_000_000;
    expect((await club.call('PUT', '/v1/tiers', lowered)).status).toBe(200);
    expect((await tierOf(club, m)).tier.key).toBe('gold');

    // Two paid orders in the window: with the orders measure and thresholds 0/1/2/5, silver → gold.
    await pay(club, m, 1_000_000);
    const byOrders = structuredClone(TIERS);
    byOrders.tiers.forEach((t, i) => {
      t.threshold = [0, 1, 2, 5][i]!;
    });
    expect((await club.call('PATCH', '/v1/tier-settings', { measure: 'orders' })).body.measure).toBe(
      'orders',
    );
    expect((await club.call('PUT', '/v1/tiers', byOrders)).status).toBe(200);
    const view = await tierOf(club, m);
    expect(view).toMatchObject({ measure: 'orders', measureValue: 2, tier: { key: 'gold' } });
    expect(view.next.message.en).toMatch(/^Place 3 more orders before/);

    // 31,000,000 rials at 1 point per 10,000 rials = 3,100 points.
    expect((await club.call('PATCH', '/v1/tier-settings', { measure: 'points' })).status).toBe(200);
    const byPoints = await tierOf(club, m);
    expect(byPoints).toMatchObject({ measureValue: 3_100, tier: { key: 'diamond' } });

    // Deleting the member's tier places them where they qualify now, at once.
    expect((await club.call('PUT', '/v1/tiers', { tiers: byOrders.tiers.slice(0, 3) })).status).toBe(200);
    const removed = await tierOf(club, m);
    expect(removed.tier.key).toBe('gold');
    expect(removed.history[0]).toMatchObject({
      kind: 'removed',
      from: 'diamond',
      to: 'gold',
      reason: 'tiers_edited',
    });
  });

  it('keeps clubs apart', async () => {
    const a = await clubWithTiers();
    const b = await env.newClub();
    const m = await member(a);
    expect((await b.call('GET', `/v1/members/${m}/tier`)).status).toBe(404);
    expect((await b.call('GET', `/v1/members/${m}/benefits`)).status).toBe(404);
    expect((await b.call('POST', `/v1/members/${m}/tier`, { tierKey: 'gold', reason: 'x' })).status).toBe(
      404,
    );
    expect((await b.call('GET', '/v1/tiers')).body.tiers).toEqual([]);
    expect((await b.call('GET', '/v1/tier-settings')).body).toEqual({
      measure: 'spend',
      downgrade: 'review',
      graceReviews: 1,
      calendar: 'jalali',
    });
    expect(await tiers.runReviews(b.clubId)).toBe(0);
  });
});
