import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import {
  checkSymbol,
  generateCode,
  hasValidCheck,
  normalizeCode,
  rewardsModule,
} from '../../src/modules/rewards/index.js';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe('coupon codes', () => {
  it('catches a mistyped character and a swap by the check symbol, and reads case and Persian digits alike', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateCode('YALDA');
      expect(hasValidCheck(code)).toBe(true);
      const tail = code.slice(5);
      const pos = i % 10;
      const ch = tail[pos]!;
      const other = ch === 'A' ? 'B' : 'A';
      expect(hasValidCheck(`YALDA${tail.slice(0, pos)}${other}${tail.slice(pos + 1)}`)).toBe(false);
      if (tail[pos] !== tail[pos + 1] && pos < 9) {
        const swapped = `${tail.slice(0, pos)}${tail[pos + 1]}${tail[pos]}${tail.slice(pos + 2)}`;
        expect(hasValidCheck(`YALDA${swapped}`)).toBe(false);
      }
    }
    expect(normalizeCode(' yalda-۱۲ab ')).toBe('YALDA12AB');
    expect(checkSymbol('0000000000')).toBe('0');
  });
});

describe.each(BACKENDS)('rewards and coupons on $name', ({ url }) => {
  let env: TestEnv;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, rewardsModule] });
  });
  afterAll(async () => env?.close());

  const cart = (
    totalRials: number,
    lines = [{ sku: 'BK-1', category: 'books', quantity: 1, unitPriceRials: totalRials }],
  ) => ({
    totalRials,
    shippingRials: 300_000,
    lines,
  });

  async function member(club: TestClub, points = 0): Promise<string> {
    const m = uid('C');
    await club.call('PUT', `/v1/members/${m}`, { firstName: 'سارا' });
    if (points > 0) {
      const adj = await club.call('POST', `/v1/members/${m}/points/adjustments`, { points, reason: 'test' });
      expect(adj.status).toBe(201);
    }
    return m;
  }

  it('generates 100,000 unique codes as a streamed CSV that validate and redeem once', async () => {
    const club = await env.newClub();
    const m = await member(club);
    const batch = await club.call('POST', '/v1/coupon-batches', {
      name: 'یلدا',
      kind: 'percent',
      percent: 20,
      maxDiscountRials: 2_000_000,
      prefix: 'yalda',
    });
    expect(batch.status).toBe(201);
    const started = Date.now();
    const res = await env.app.inject({
      method: 'POST',
      url: `/v1/coupon-batches/${batch.body.id}/codes`,
      headers: { authorization: `Bearer ${club.key}` },
      payload: { count: 100_000 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('code,batch_id,valid_to');
    const codes = lines.slice(1).map((l) => l.split(',')[0]!);
    expect(codes).toHaveLength(100_000);
    expect(new Set(codes).size).toBe(100_000);
    expect(codes.every((c) => c.startsWith('YALDA') && hasValidCheck(c))).toBe(true);
    console.log(`100,000 codes in ${Date.now() - started} ms`);
    expect((await club.call('GET', `/v1/coupon-batches/${batch.body.id}`)).body.codesCount).toBe(100_000);

    const code = codes[42]!;
    const lower = `${code.slice(0, 5).toLowerCase()}-${code.slice(5)}`;
    const v = await club.call('POST', '/v1/coupons/validate', {
      code: lower,
      memberExternalId: m,
      cart: cart(5_000_000),
    });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ valid: true, discountRials: 1_000_000, reason: null, code });
    // The cap: 20% of 50,000,000 is 10,000,000, capped at 2,000,000.
    const big = await club.call('POST', '/v1/coupons/validate', {
      code,
      memberExternalId: m,
      cart: cart(50_000_000),
    });
    expect(big.body.discountRials).toBe(2_000_000);
    // A typo is caught by the check symbol.
    const last = code.at(-2) === 'A' ? 'B' : 'A';
    const typo = `${code.slice(0, -2)}${last}${code.at(-1)}`;
    const t = await club.call('POST', '/v1/coupons/validate', {
      code: typo,
      memberExternalId: m,
      cart: cart(5_000_000),
    });
    expect(t.body).toMatchObject({ valid: false, reason: 'mistyped' });
    expect(
      (
        await club.call('POST', '/v1/coupons/validate', {
          code: 'NOPE1234',
          memberExternalId: m,
          cart: cart(1),
        })
      ).body.reason,
    ).toBe('unknown');

    const order = uid('O');
    const r1 = await club.call('POST', '/v1/coupons/redeem', {
      code,
      memberExternalId: m,
      orderExternalId: order,
      cart: cart(5_000_000),
    });
    expect(r1.status).toBe(201);
    expect(r1.body.discountRials).toBe(1_000_000);
    const r2 = await club.call('POST', '/v1/coupons/redeem', {
      code,
      memberExternalId: m,
      orderExternalId: order,
      cart: cart(5_000_000),
    });
    expect(r2.status).toBe(200);
    expect(r2.body).toEqual(r1.body);
    const other = await club.call('POST', '/v1/coupons/redeem', {
      code,
      memberExternalId: m,
      orderExternalId: order,
      cart: cart(6_000_000),
    });
    expect(other.status).toBe(409);
    const reuse = await club.call('POST', '/v1/coupons/redeem', {
      code,
      memberExternalId: m,
      orderExternalId: uid('O'),
      cart: cart(5_000_000),
    });
    expect(reuse.status).toBe(422);
    expect(reuse.body).toMatchObject({ code: 'coupon_not_valid', reason: 'used' });
    // A cancellation releases the use; the code works again.
    const rel = await club.call('POST', '/v1/coupons/release', {
      code,
      orderExternalId: order,
      reason: 'cancellation',
    });
    expect(rel.status).toBe(200);
    expect(rel.body.status).toBe('released');
    const again = await club.call('POST', '/v1/coupons/validate', {
      code,
      memberExternalId: m,
      cart: cart(5_000_000),
    });
    expect(again.body.valid).toBe(true);
  }, 60_000);

  it('answers each refusal reason and refuses bad batches naming the field, writing nothing', async () => {
    const club = await env.newClub();
    const m = await member(club);
    const m2 = await member(club);
    const mk = async ({ owner, ...body }: Record<string, unknown>) => {
      const b = await club.call('POST', '/v1/coupon-batches', { name: 'x', ...body });
      expect(b.status).toBe(201);
      const imp = await club.call('POST', `/v1/coupon-batches/${b.body.id}/imports`, {
        codes: [{ code: uid('SHOP').replace(/-/g, ''), ...(owner ? { memberExternalId: owner } : {}) }],
      });
      expect(imp.status).toBe(200);
      const csv = await env.app.inject({
        method: 'GET',
        url: `/v1/coupon-batches/${b.body.id}/codes.csv`,
        headers: { authorization: `Bearer ${club.key}` },
      });
      return csv.body.trim().split('\n')[1]!.split(',')[0]!;
    };
    const reason = async (code: string, c = cart(5_000_000), who = m) =>
      (await club.call('POST', '/v1/coupons/validate', { code, memberExternalId: who, cart: c })).body.reason;
    const past = new Date(env.clock.now().getTime() - 86_400_000).toISOString();
    const older = new Date(env.clock.now().getTime() - 2 * 86_400_000).toISOString();
    const future = new Date(env.clock.now().getTime() + 86_400_000).toISOString();
    const later = new Date(env.clock.now().getTime() + 2 * 86_400_000).toISOString();
    expect(await reason(await mk({ kind: 'percent', percent: 10, validFrom: older, validTo: past }))).toBe(
      'expired',
    );
    expect(await reason(await mk({ kind: 'percent', percent: 10, validFrom: future, validTo: later }))).toBe(
      'not_started',
    );
    expect(
      await reason(await mk({ kind: 'fixed', amountRials: 100_000, minCartRials: 1_000_000 }), cart(900_000)),
    ).toBe('minimum_cart');
    expect(await reason(await mk({ kind: 'percent', percent: 10, categories: ['mobile'] }))).toBe('category');
    expect(await reason(await mk({ kind: 'percent', percent: 10, owner: m2 }))).toBe('not_this_member');
    const budget = await mk({
      kind: 'fixed',
      amountRials: 600_000,
      minCartRials: 2_000_000,
      budgetRials: 1_000_000,
      usesPerCode: 5,
    });
    expect(
      (
        await club.call('POST', '/v1/coupons/redeem', {
          code: budget,
          memberExternalId: m,
          orderExternalId: uid('O'),
          cart: cart(5_000_000),
        })
      ).status,
    ).toBe(201);
    expect(await reason(budget)).toBe('budget_spent');
    const fs = await mk({ kind: 'free_shipping' });
    expect(
      (
        await club.call('POST', '/v1/coupons/validate', {
          code: fs,
          memberExternalId: m,
          cart: cart(5_000_000),
        })
      ).body.discountRials,
    ).toBe(300_000);

    // Guardrail: 40% is deeper than 30%; a fixed amount with no minimum cart is 100% deep.
    const before = (await club.call('GET', '/v1/coupon-batches')).body.items.length;
    const deep = await club.call('POST', '/v1/coupon-batches', {
      name: 'deep',
      kind: 'percent',
      percent: 40,
    });
    expect(deep.status).toBe(422);
    expect(deep.body.code).toBe('discount_guardrail_exceeded');
    const fixed = await club.call('POST', '/v1/coupon-batches', {
      name: 'f',
      kind: 'fixed',
      amountRials: 500_000,
    });
    expect(fixed.body.code).toBe('discount_guardrail_exceeded');
    const missing = await club.call('POST', '/v1/coupon-batches', { name: 'f', kind: 'fixed' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('amountRials');
    const neg = await club.call('POST', '/v1/coupon-batches', {
      name: 'f',
      kind: 'percent',
      percent: 10,
      budgetRials: -1,
    });
    expect(neg.body.errors[0].field).toBe('budgetRials');
    const win = await club.call('POST', '/v1/coupon-batches', {
      name: 'f',
      kind: 'percent',
      percent: 10,
      validFrom: future,
      validTo: past,
    });
    expect(win.body.errors[0].field).toBe('validTo');
    expect((await club.call('GET', '/v1/coupon-batches')).body.items.length).toBe(before);
    const over = await club.call('POST', '/v1/coupon-batches', {
      name: 'deep',
      kind: 'percent',
      percent: 40,
      guardrailOverride: { reason: 'حراج پایان فصل با تأیید مدیر' },
    });
    expect(over.status).toBe(201);
    expect(over.body.guardrailOverride.reason).toContain('حراج');
  });

  it('redeems a coupon once under concurrent checkouts', async () => {
    const club = await env.newClub();
    const m = await member(club);
    const b = await club.call('POST', '/v1/coupon-batches', { name: 'one', kind: 'percent', percent: 10 });
    const res = await env.app.inject({
      method: 'POST',
      url: `/v1/coupon-batches/${b.body.id}/codes`,
      headers: { authorization: `Bearer ${club.key}` },
      payload: { count: 1 },
    });
    const code = res.body.trim().split('\n')[1]!.split(',')[0]!;
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        club.call('POST', '/v1/coupons/redeem', {
          code,
          memberExternalId: m,
          orderExternalId: uid('O'),
          cart: cart(1_000_000),
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 422 && r.body.reason === 'used')).toHaveLength(11);
  });

  it('redeems catalog rewards through the two-phase ledger and voids the points when issuing fails', async () => {
    const club = await env.newClub();
    const m = await member(club, 5000);
    const reward = await club.call('POST', '/v1/rewards', {
      kind: 'fixed_discount',
      nameFa: 'تخفیف ۵۰۰ هزار ریالی',
      costPoints: 1000,
      config: { amountRials: 500_000, minCartRials: 2_000_000 },
      stock: 1,
      limitPerMember: 1,
    });
    expect(reward.status).toBe(201);
    const catalog = await club.call('GET', `/v1/members/${m}/rewards`);
    expect(catalog.body.items[0]).toMatchObject({ canRedeem: true, reason: null });
    const r1 = await club.call('POST', `/v1/members/${m}/rewards/${reward.body.id}/redeem`, undefined, {
      'idempotency-key': 'k1',
    });
    expect(r1.status).toBe(201);
    expect(r1.body.couponCode).toMatch(/^R/);
    expect(r1.body.redemptionId).toMatch(/^rdm_/);
    const again = await club.call('POST', `/v1/members/${m}/rewards/${reward.body.id}/redeem`, undefined, {
      'idempotency-key': 'k1',
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(r1.body.id);
    const bal = await club.call('GET', `/v1/members/${m}/points`);
    expect(bal.body).toMatchObject({ available: 4000, reserved: 0 });
    const redemption = await club.call('GET', `/v1/members/${m}/redemptions/${r1.body.redemptionId}`);
    expect(redemption.body.status).toBe('committed');
    const v = await club.call('POST', '/v1/coupons/validate', {
      code: r1.body.couponCode,
      memberExternalId: m,
      cart: cart(3_000_000),
    });
    expect(v.body).toMatchObject({ valid: true, discountRials: 500_000 });
    const other = await member(club, 5000);
    const theirs = await club.call('POST', '/v1/coupons/validate', {
      code: r1.body.couponCode,
      memberExternalId: other,
      cart: cart(3_000_000),
    });
    expect(theirs.body.reason).toBe('not_this_member');
    // Out of stock: refused before any points move.
    const out = await club.call('POST', `/v1/members/${other}/rewards/${reward.body.id}/redeem`);
    expect(out.status).toBe(409);
    expect(out.body).toMatchObject({ code: 'reward_unavailable', reason: 'out_of_stock' });
    expect((await club.call('GET', `/v1/members/${other}/points`)).body.available).toBe(5000);

    // Issue fails after the points are reserved (two racing redeems of the last item): the loser's
    // reservation is voided, so every point comes back.
    const last = await club.call('POST', '/v1/rewards', {
      kind: 'donation',
      nameFa: 'کمک به محک',
      costPoints: 700,
      config: { cause: 'محک', donationRials: 1_000_000 },
      stock: 1,
    });
    const racers = [await member(club, 1000), await member(club, 1000), await member(club, 1000)];
    const outcomes = await Promise.all(
      racers.map((r) => club.call('POST', `/v1/members/${r}/rewards/${last.body.id}/redeem`)),
    );
    expect(outcomes.filter((o) => o.status === 201)).toHaveLength(1);
    const balances = await Promise.all(racers.map((r) => club.call('GET', `/v1/members/${r}/points`)));
    expect(balances.map((b) => b.body.available).sort()).toEqual([1000, 1000, 300]);
    expect(balances.every((b) => b.body.reserved === 0)).toBe(true);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
    const noPoints = await club.call('POST', `/v1/members/${racers[0]}/rewards/${reward.body.id}/redeem`);
    expect(noPoints.status).toBe(409);
  });

  it('refuses bad rewards naming the field', async () => {
    const club = await env.newClub();
    const r = await club.call('POST', '/v1/rewards', {
      kind: 'percent_discount',
      nameFa: 'x',
      costPoints: 10,
      config: {},
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('config.percent');
    const deep = await club.call('POST', '/v1/rewards', {
      kind: 'percent_discount',
      nameFa: 'x',
      costPoints: 10,
      config: { percent: 50 },
    });
    expect(deep.body.code).toBe('discount_guardrail_exceeded');
    const neg = await club.call('POST', '/v1/rewards', {
      kind: 'donation',
      nameFa: 'x',
      costPoints: -1,
      config: { cause: 'c' },
    });
    expect(neg.body.errors[0].field).toBe('costPoints');
    expect((await club.call('GET', '/v1/rewards')).body.items).toHaveLength(0);
  });
});
