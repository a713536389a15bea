import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('concurrent writes on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub();
    await club.call('PUT', '/v1/members/C1', { firstName: 'Ali' });
  });
  afterAll(async () => env?.close());

  const order = (id: string, total = 10_000_000) => ({
    externalId: id,
    memberExternalId: 'C1',
    placedAt: new Date(Date.now() - 60_000).toISOString(),
    totalRials: total,
    status: 'paid',
    lines: [{ sku: 'A', quantity: 1, unitPriceRials: total }],
  });

  it('records one of 20 simultaneous copies of an order, and answers the rest with it', async () => {
    // One body sent 20 times, built once: each copy is the same request to the millisecond of placedAt.
    const body = order('DUP-1');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => club.call('POST', '/v1/orders', body)),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await club.call('GET', '/v1/members/C1/points')).body.pending).toBe(1000);
  });

  it('lets simultaneous returns of one order take back no more than the order', async () => {
    await club.call('POST', '/v1/orders', order('RET-1'));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        club.call('POST', '/v1/orders/RET-1/returns', { externalId: `R${i}`, amountRials: 1_000_000 }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'return_exceeds_order')).toBe(
      true,
    );
    const o = await club.call('GET', '/v1/orders/RET-1');
    expect(o.body.returnedRials).toBe(10_000_000);
    expect(o.body.points).toMatchObject({ earned: 1000, reversed: 1000 });
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('applies simultaneous debits only while points last', async () => {
    await club.call('POST', '/v1/members/C1/points/adjustments', { points: 100, reason: 'seed' });
    const results = await Promise.all(
      Array.from({ length: 15 }, () =>
        club.call('POST', '/v1/members/C1/points/adjustments', { points: -10, reason: 'spend' }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    expect((await club.call('GET', '/v1/members/C1/points')).body.available).toBe(0);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });
});
