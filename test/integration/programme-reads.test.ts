import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referralsOf } from '../../src/modules/referrals/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/** The read-only routes the dashboard's programme pages need: the raffle list and referral stats. */
describe.each(BACKENDS)('programme reads for the dashboard on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  let mobile = 3_000_000;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url);
  });
  afterAll(async () => env?.close());
  const iso = (days: number) => new Date(env.clock.now().getTime() + days * 86_400_000).toISOString();

  async function member(club: TestClub, extra: Record<string, unknown> = {}): Promise<string> {
    const m = uid('C');
    const r = await club.call('PUT', `/v1/members/${m}`, {
      firstName: 'نرگس',
      mobile: `0935${mobile++}`,
      ...extra,
    });
    expect(r.status).toBe(201);
    return m;
  }

  it('lists raffles newest first with entries, and winners and seed only once drawn', async () => {
    const club = await env.newClub();
    const other = await env.newClub();
    expect((await club.call('GET', '/v1/raffles')).body.items).toEqual([]);
    const ids = [await member(club), await member(club), await member(club)];
    const first = await club.call('POST', '/v1/raffles', {
      name: 'قرعه‌کشی نوروز',
      entryCostPoints: 0,
      closesAt: iso(3),
      prizes: [{ nameFa: 'کارت هدیه', points: 100 }],
    });
    expect(first.status).toBe(201);
    for (const m of ids)
      expect(
        (await club.call('POST', `/v1/raffles/${first.body.id}/entries`, { memberExternalId: m })).status,
      ).toBe(201);
    await club.call('POST', `/v1/raffles/${first.body.id}/draw`, { publicSeed: 'p-1' });
    env.clock.advanceDays(1 / 24);
    const second = await club.call('POST', '/v1/raffles', {
      name: 'قرعه‌کشی یلدا',
      entryCostPoints: 50,
      maxEntriesPerMember: 2,
      closesAt: iso(10),
      prizes: [
        { nameFa: 'جایزهٔ اول', points: 1000 },
        { nameFa: 'جایزهٔ دوم', points: 500 },
      ],
    });
    const list = await club.call('GET', '/v1/raffles');
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: any) => r.id)).toEqual([second.body.id, first.body.id]);
    const [open, drawn] = list.body.items;
    expect(open).toMatchObject({ status: 'open', entries: 0, seed: null, winners: [], entryCostPoints: 50 });
    expect(open.prizes).toHaveLength(2);
    expect(drawn).toMatchObject({ status: 'drawn', entries: 3, publicSeed: 'p-1' });
    expect(drawn.seed).toMatch(/^[0-9a-f]{64}$/);
    expect(drawn.winners).toHaveLength(1);
    expect(ids).toContain(drawn.winners[0].memberExternalId);
    // The list says what the single read says.
    expect(drawn).toEqual((await club.call('GET', `/v1/raffles/${first.body.id}`)).body);
    expect((await other.call('GET', '/v1/raffles')).body.items).toEqual([]);
  });

  it('counts referrals by status, refusals by reason and month, and ranks the referrers', async () => {
    const club = await env.newClub();
    const other = await env.newClub();
    const empty = await club.call('GET', '/v1/referrals/stats');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ accepted: 0, refused: 0, refusals: [], topReferrers: [] });
    expect(empty.body.months).toHaveLength(12);

    const alice = await member(club);
    const bob = await member(club);
    const codeOf = async (m: string) => (await club.call('GET', `/v1/members/${m}/referral`)).body.code;
    const [a, b] = [await codeOf(alice), await codeOf(bob)];
    const refer = (code: string, referee: string) =>
      club.call('POST', '/v1/referrals', { code, refereeExternalId: referee });
    const referees = [await member(club), await member(club), await member(club)];
    expect((await refer(a, referees[0]!)).status).toBe(201);
    expect((await refer(a, referees[1]!)).status).toBe(201);
    expect((await refer(b, referees[2]!)).status).toBe(201);
    expect((await refer(a, alice)).body.reason).toBe('self_referral');
    expect((await refer('ZZZZZZZZ', await member(club))).body.reason).toBe('unknown_code');
    expect((await refer(b, referees[0]!)).body.reason).toBe('already_referred');
    expect((await refer(b, bob)).body.reason).toBe('self_referral');

    // One referee buys; after the return window the referrer is rewarded.
    const order = uid('O');
    await club.call('POST', '/v1/orders', {
      externalId: order,
      memberExternalId: referees[0],
      placedAt: iso(0),
      totalRials: 5_000_000,
      status: 'paid',
      lines: [],
    });
    await club.call('POST', `/v1/orders/${order}/status`, { status: 'delivered', at: iso(0) });
    env.clock.advanceDays(15);
    expect(await referralsOf(env.ctx).rewardReferrers(club.clubId)).toBe(1);

    const s = (await club.call('GET', '/v1/referrals/stats')).body;
    expect(s).toMatchObject({
      accepted: 3,
      pending: 2,
      rewarded: 1,
      refused: 4,
      welcomePoints: 3 * 200,
      referrerPoints: 500,
    });
    expect(s.refusals).toEqual([
      { reason: 'self_referral', count: 2 },
      { reason: 'already_referred', count: 1 },
      { reason: 'unknown_code', count: 1 },
    ]);
    const sum = (k: 'accepted' | 'refused' | 'rewarded') =>
      s.months.reduce((t: number, m: Record<string, number>) => t + m[k]!, 0);
    expect([sum('accepted'), sum('refused'), sum('rewarded')]).toEqual([3, 4, 1]);
    // Months are oldest first and the reward lands in the last one (the clock moved 15 days on).
    expect(s.months.map((m: any) => m.start)).toEqual([...s.months.map((m: any) => m.start)].sort());
    expect(s.months.at(-1).rewarded).toBe(1);
    expect(s.topReferrers).toEqual([
      { memberExternalId: alice, accepted: 2, rewarded: 1 },
      { memberExternalId: bob, accepted: 1, rewarded: 0 },
    ]);
    expect((await other.call('GET', '/v1/referrals/stats')).body.accepted).toBe(0);
    env.clock.advanceDays(-15);
  });
});
