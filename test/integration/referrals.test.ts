import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignsModule } from '../../src/modules/campaigns/index.js';
import { referralsModule, referralsOf } from '../../src/modules/referrals/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { rewardsModule } from '../../src/modules/rewards/index.js';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('referrals and discount eligibility on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, rewardsModule, referralsModule, campaignsModule] });
  });
  afterAll(async () => env?.close());
  const iso = (days: number) => new Date(env.clock.now().getTime() + days * 86_400_000).toISOString();
  let mobile = 1_000_000;
  async function member(club: TestClub, extra: Record<string, unknown> = {}): Promise<string> {
    const m = uid('C');
    const r = await club.call('PUT', `/v1/members/${m}`, {
      firstName: 'مریم',
      mobile: `0912${mobile++}`,
      ...extra,
    });
    expect(r.status).toBe(201);
    return m;
  }

  it('welcomes the referee at once and rewards the referrer after the return window', async () => {
    const club = await env.newClub();
    const referrer = await member(club);
    const code = await club.call('GET', `/v1/members/${referrer}/referral`);
    expect(code.body.code).toMatch(/^[0-9A-Z]{8}$/);
    expect(code.body.link).toBe(`https://shop.example/r/${code.body.code}`);
    expect((await club.call('GET', `/v1/members/${referrer}/referral`)).body.code).toBe(code.body.code);
    const referee = await member(club);
    const ref = await club.call('POST', '/v1/referrals', {
      code: code.body.code.toLowerCase(),
      refereeExternalId: referee,
      deviceId: 'dev-2',
    });
    expect(ref.status).toBe(201);
    expect(ref.body).toMatchObject({ status: 'pending', referrerExternalId: referrer, welcomePoints: 200 });
    expect((await club.call('GET', `/v1/members/${referee}/points`)).body.available).toBe(200);

    const order = uid('O');
    await club.call('POST', '/v1/orders', {
      externalId: order,
      memberExternalId: referee,
      placedAt: iso(0),
      totalRials: 5_000_000,
      status: 'paid',
      lines: [],
    });
    await club.call('POST', `/v1/orders/${order}/status`, { status: 'delivered', at: iso(0) });
    const svc = referralsOf(env.ctx);
    expect(await svc.rewardReferrers(club.clubId)).toBe(0);
    env.clock.advanceDays(15);
    expect(await svc.rewardReferrers(club.clubId)).toBe(1);
    expect(await svc.rewardReferrers(club.clubId)).toBe(0);
    env.clock.advanceDays(-15);
    expect((await club.call('GET', `/v1/members/${referrer}/points`)).body.available).toBe(500);
    const list = await club.call('GET', '/v1/referrals?status=rewarded');
    expect(list.body.items[0]).toMatchObject({ id: ref.body.id, referrerPoints: 500 });
    // The referrer's eligibility counts the referral.
    const e = await club.call('GET', `/v1/members/${referrer}/eligibility`);
    expect(e.body.components.find((c: any) => c.criterion === 'referrals').facts.referred).toBe(1);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('refuses fraudulent referrals, records each with its reason, and grants nothing', async () => {
    const club = await env.newClub();
    await club.call('PATCH', '/v1/referral-settings', { monthlyCap: 2 });
    const referrer = await member(club, { email: 'a@example.com', attributes: { deviceId: 'dev-1' } });
    const { code } = (await club.call('GET', `/v1/members/${referrer}/referral`)).body;
    const expectRefused = async (body: Record<string, unknown>, reason: string) => {
      const r = await club.call('POST', '/v1/referrals', { code, ...body });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ code: 'referral_refused', reason });
    };
    await expectRefused({ refereeExternalId: referrer }, 'self_referral');
    await expectRefused({ refereeExternalId: await member(club, { email: 'A@example.com' }) }, 'same_email');
    await expectRefused({ refereeExternalId: await member(club), deviceId: 'dev-1' }, 'same_device');
    const r = await club.call('POST', '/v1/referrals', {
      code: 'ZZZZZZZZ',
      refereeExternalId: await member(club),
    });
    expect(r.body.reason).toBe('unknown_code');
    const old = await member(club);
    await club.call('POST', '/v1/orders', {
      externalId: uid('O'),
      memberExternalId: old,
      placedAt: iso(0),
      totalRials: 10,
      status: 'paid',
      lines: [],
    });
    await expectRefused({ refereeExternalId: old }, 'referee_not_new');
    const a = await member(club);
    expect((await club.call('POST', '/v1/referrals', { code, refereeExternalId: a })).status).toBe(201);
    await expectRefused({ refereeExternalId: a }, 'already_referred');
    expect(
      (await club.call('POST', '/v1/referrals', { code, refereeExternalId: await member(club) })).status,
    ).toBe(201);
    const capped = await member(club);
    await expectRefused({ refereeExternalId: capped }, 'monthly_cap');
    expect((await club.call('GET', `/v1/members/${capped}/points`)).body.available).toBe(0);
    const refused = await club.call('GET', '/v1/referrals?status=refused');
    expect(refused.body.items.map((i: any) => i.reason).sort()).toEqual(
      [
        'already_referred',
        'monthly_cap',
        'referee_not_new',
        'same_device',
        'same_email',
        'self_referral',
        'unknown_code',
      ].sort(),
    );
  });

  it('scores eligibility from the four criteria with the club’s weights, and campaigns can target it', async () => {
    const club = await env.newClub();
    const good = await member(club, { city: 'اصفهان' });
    const poor = await member(club, { city: 'اصفهان' });
    for (const [m, count] of [
      [good, 11],
      [poor, 1],
    ] as const) {
      const orders = Array.from({ length: count }, (_, i) => ({
        externalId: uid('O'),
        memberExternalId: m,
        placedAt: iso(-730 + i * 30),
        totalRials: 1_000_000,
        status: 'paid' as const,
        lines: [],
      }));
      await env.ctx.services.orders.createOrders(club.clubId, orders);
    }
    // Payment record: good pays on time; poor pays 45 days late.
    for (const [m, late] of [
      [good, 0],
      [poor, 45],
    ] as const) {
      const ext = uid('INV');
      const inv = await club.call('POST', '/v1/invoices', {
        externalId: ext,
        memberExternalId: m,
        amountRials: 50_000_000,
        dueAt: iso(-60),
      });
      expect(inv.status).toBe(201);
      const paid = await club.call('POST', `/v1/invoices/${ext}/payments`, { paidAt: iso(-60 + late) });
      expect(paid.body.daysLate).toBe(late);
    }
    await club.call('POST', `/v1/members/${good}/cooperation-ratings`, { rating: 5, note: 'همکاری عالی' });
    const rated = await club.call('POST', `/v1/members/${poor}/cooperation-ratings`, { rating: 2 });
    expect(rated.status).toBe(201);
    const g = (await club.call('GET', `/v1/members/${good}/eligibility`)).body;
    expect(g.components.map((c: any) => [c.criterion, c.weight])).toEqual([
      ['loyalty', 40],
      ['payment', 30],
      ['cooperation', 20],
      ['referrals', 10],
    ]);
    expect(g.components.find((c: any) => c.criterion === 'payment')).toMatchObject({
      value: 1,
      facts: { onTimeShare: 1 },
    });
    expect(g.components.find((c: any) => c.criterion === 'cooperation').value).toBe(1);
    expect(g.eligible).toBe(true);
    const p = (await club.call('GET', `/v1/members/${poor}/eligibility`)).body;
    expect(p.components.find((c: any) => c.criterion === 'payment').value).toBe(0);
    expect(p.eligible).toBe(false);
    const sum = g.components.reduce((s: number, c: any) => s + c.contribution, 0);
    expect(Math.abs(sum - g.score)).toBeLessThan(0.3);
    // Weights are club settings: payment alone decides.
    await club.call('PATCH', '/v1/referral-settings', {
      weights: { loyalty: 0, payment: 100, cooperation: 0, referrals: 0 },
    });
    expect((await club.call('GET', `/v1/members/${poor}/eligibility`)).body.score).toBe(0);
    expect((await club.call('GET', `/v1/members/${good}/eligibility`)).body.score).toBe(100);
    const seg = await club.call('POST', '/v1/segments/preview', { cities: ['اصفهان'], eligibleOnly: true });
    expect(seg.body).toEqual({ members: 1, sample: [good] });
    const bad = await club.call('PATCH', '/v1/referral-settings', {
      weights: { loyalty: 0, payment: 0, cooperation: 0, referrals: 0 },
    });
    expect(bad.status).toBe(400);
    const neg = await club.call('POST', '/v1/invoices', {
      externalId: 'I',
      memberExternalId: good,
      amountRials: -1,
      dueAt: iso(0),
    });
    expect(neg.body.errors[0].field).toBe('amountRials');
  });
});
