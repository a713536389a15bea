import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('orders and points on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub();
  });
  afterAll(async () => env?.close());

  async function member(): Promise<string> {
    const id = uid('C');
    const res = await club.call('PUT', `/v1/members/${id}`, { firstName: 'زهرا', lastName: 'محمدی' });
    expect(res.status).toBe(201);
    return id;
  }

  function order(memberExternalId: string, over: Record<string, unknown> = {}) {
    return {
      externalId: uid('O'),
      memberExternalId,
      placedAt: new Date(env.clock.now().getTime() - 3600_000).toISOString(),
      totalRials: 2_500_000,
      status: 'paid',
      lines: [
        { sku: 'BK-1', category: 'books', quantity: 2, unitPriceRials: 1_000_000 },
        { sku: 'PEN-1', category: 'stationery', quantity: 1, unitPriceRials: 500_000 },
      ],
      ...over,
    };
  }

  it('earns 1 point per 10,000 rials paid, pending until the return window after delivery passes', async () => {
    const m = await member();
    const o = order(m, { totalRials: 2_599_999 });
    const created = await club.call('POST', '/v1/orders', o);
    expect(created.status).toBe(201);
    expect(created.body.points).toMatchObject({ earned: 259, state: 'pending', availableAt: null });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 0,
      pending: 259,
      debt: 0,
      lifetimeEarned: 259,
    });

    const delivered = await club.call('POST', `/v1/orders/${o.externalId}/status`, { status: 'delivered' });
    expect(delivered.status).toBe(200);
    expect(delivered.body.deliveredAt).not.toBeNull();
    env.clock.advanceDays(13);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(0);
    env.clock.advanceDays(1.01);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 259,
      pending: 0,
      debt: 0,
      lifetimeEarned: 259,
    });
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('answers a retried order with 200 and the same order, and never earns twice', async () => {
    const m = await member();
    const o = order(m);
    const first = await club.call('POST', '/v1/orders', o);
    const again = await club.call('POST', '/v1/orders', { ...o, lines: [...o.lines] });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(250);
    const conflict = await club.call('POST', '/v1/orders', { ...o, totalRials: 9_999_999 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('idempotency_conflict');
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(250);
  });

  it('earns nothing until paid, and earns on the move to paid', async () => {
    const m = await member();
    const o = order(m, { status: 'placed' });
    expect((await club.call('POST', '/v1/orders', o)).body.points.state).toBe('none');
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(0);
    await club.call('POST', `/v1/orders/${o.externalId}/status`, { status: 'paid' });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(250);
    // Paying twice changes nothing.
    expect((await club.call('POST', `/v1/orders/${o.externalId}/status`, { status: 'paid' })).status).toBe(
      200,
    );
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(250);
  });

  it('takes back a return’s share and a cancellation’s all', async () => {
    const m = await member();
    const o = order(m, { totalRials: 3_000_000 });
    await club.call('POST', '/v1/orders', o);
    const r1 = await club.call('POST', `/v1/orders/${o.externalId}/returns`, {
      externalId: 'R1',
      amountRials: 1_000_000,
    });
    expect(r1.status).toBe(201);
    expect(r1.body.return.pointsReversed).toBe(100);
    // The same return again is a no-op.
    const r1again = await club.call('POST', `/v1/orders/${o.externalId}/returns`, {
      externalId: 'R1',
      amountRials: 1_000_000,
    });
    expect(r1again.status).toBe(200);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      pending: 200,
      lifetimeEarned: 200,
    });
    const byLine = await club.call('POST', `/v1/orders/${o.externalId}/returns`, {
      externalId: 'R2',
      lines: [{ sku: 'PEN-1', quantity: 1 }],
    });
    expect(byLine.status).toBe(201);
    expect(byLine.body.return.amountRials).toBe(500_000);
    expect(byLine.body.order.lines[1].returnedQuantity).toBe(1);
    const tooMuch = await club.call('POST', `/v1/orders/${o.externalId}/returns`, {
      externalId: 'R3',
      amountRials: 1_500_001,
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('return_exceeds_order');
    const cancelled = await club.call('POST', `/v1/orders/${o.externalId}/status`, { status: 'cancelled' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.points).toMatchObject({ earned: 300, reversed: 300 });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 0,
      pending: 0,
      debt: 0,
      lifetimeEarned: 0,
    });
    const back = await club.call('POST', `/v1/orders/${o.externalId}/status`, { status: 'paid' });
    expect(back.body, JSON.stringify(back.body)).toMatchObject({ code: 'invalid_status_transition' });
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('records a debt when points to take back were already spent, and repays it from later points', async () => {
    const m = await member();
    const o = order(m, { totalRials: 1_000_000, status: 'delivered' });
    await club.call('POST', '/v1/orders', { ...o, statusAt: o.placedAt });
    env.clock.advanceDays(15);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(100);
    const spend = await club.call(
      'POST',
      `/v1/members/${m}/points/adjustments`,
      { points: -80, reason: 'redeemed in store' },
      { 'idempotency-key': uid('k') },
    );
    expect(spend.status).toBe(201);
    const ret = await club.call('POST', `/v1/orders/${o.externalId}/returns`, {
      externalId: 'R1',
      amountRials: 1_000_000,
    });
    expect(ret.body.return.pointsReversed).toBe(100);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 0,
      pending: 0,
      debt: 80,
      lifetimeEarned: 0,
    });
    await club.call('POST', `/v1/members/${m}/points/adjustments`, { points: 50, reason: 'goodwill' });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body).toMatchObject({
      available: 0,
      debt: 30,
    });
    const ledger = await club.call('GET', `/v1/members/${m}/ledger?limit=3`);
    expect(ledger.body.items[0].reason).toBe('debt_repaid');
    expect(ledger.body.nextCursor).not.toBeNull();
    const next = await club.call('GET', `/v1/members/${m}/ledger?limit=50&cursor=${ledger.body.nextCursor}`);
    expect(next.body.items.map((e: { reason: string }) => e.reason)).toContain('earn_purchase');
    expect(next.body.items.find((e: { reason: string }) => e.reason === 'earn_purchase').ruleId).toBe(
      'default_rate',
    );
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('refuses to take more points than are available, and replays an adjustment by its key', async () => {
    const m = await member();
    const refused = await club.call('POST', `/v1/members/${m}/points/adjustments`, {
      points: -1,
      reason: 'x',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('insufficient_points');
    const key = uid('adj');
    const a = await club.call(
      'POST',
      `/v1/members/${m}/points/adjustments`,
      { points: 40, reason: 'welcome' },
      { 'idempotency-key': key },
    );
    const b = await club.call(
      'POST',
      `/v1/members/${m}/points/adjustments`,
      { points: 40, reason: 'welcome' },
      { 'idempotency-key': key },
    );
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body).toEqual(a.body);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(40);
    const reused = await club.call(
      'POST',
      `/v1/members/${m}/points/adjustments`,
      { points: 41, reason: 'welcome' },
      { 'idempotency-key': key },
    );
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_conflict');
  });

  it('answers a batch item by item', async () => {
    const m = await member();
    const known = order(m);
    await club.call('POST', '/v1/orders', known);
    const fresh = order(m);
    const res = await club.call('POST', '/v1/orders/batch', {
      orders: [fresh, known, { ...known, totalRials: 1 }, order('nobody-here'), fresh],
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 200, 409, 422, 200]);
    expect(res.body.results[3].error).toMatchObject({ code: 'member_not_found', field: 'memberExternalId' });
    expect(res.body).toMatchObject({ created: 1, duplicates: 2, failed: 2 });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.pending).toBe(500);
  });

  it('refuses a malformed batch whole, naming the field, and writes nothing', async () => {
    const m = await member();
    const good = order(m);
    const res = await club.call('POST', '/v1/orders/batch', {
      orders: [good, { ...order(m), totalRials: -5 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('orders.1.totalRials');
    expect((await club.call('GET', `/v1/orders/${good.externalId}`)).status).toBe(404);
  });

  it('keeps clubs apart: another club’s ids answer 404', async () => {
    const m = await member();
    const o = order(m);
    await club.call('POST', '/v1/orders', o);
    const other = await env.newClub('Other');
    expect((await other.call('GET', `/v1/members/${m}`)).status).toBe(404);
    expect((await other.call('GET', `/v1/orders/${o.externalId}`)).status).toBe(404);
    expect((await other.call('GET', `/v1/members/${m}/points`)).status).toBe(404);
    expect(
      (await other.call('POST', `/v1/orders/${o.externalId}/status`, { status: 'cancelled' })).status,
    ).toBe(404);
    const stolen = await other.call('POST', '/v1/orders', { ...order(m) });
    expect(stolen.status).toBe(422);
  });
});
