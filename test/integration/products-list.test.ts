import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pricesModule } from '../../src/modules/prices/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/** GET /v1/products: the staff's product finder (the dashboard's Prices page lists what it answers). */
describe.each(BACKENDS)('GET /v1/products on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let other: TestClub;

  beforeAll(async () => {
    env = await setupEnv(url, { modules: [pricesModule] });
    club = await env.newClub();
    other = await env.newClub('Other club');
    const put = async (c: TestClub, sku: string, body: Record<string, unknown>) =>
      expect((await c.call('PUT', `/v1/products/${sku}`, body)).status).toBe(201);
    await put(club, 'TEA', { titleFa: 'چای سیاه', titleEn: 'Black tea' });
    await put(club, 'TEA-2', { titleFa: 'چای سبز', titleEn: 'Green tea' });
    await put(club, 'TEA-10', { titleFa: 'چای ۱۰۰٪ ارگانیک', titleEn: '100% organic tea' });
    await put(club, 'A-TEA', { titleFa: 'قوری', titleEn: 'Teapot' });
    await put(club, 'KETTLE', { titleFa: 'کتری', titleEn: 'Kettle' });
    await put(club, 'OLD-TEA', { titleFa: 'چای قدیمی', titleEn: 'Old tea', isActive: false });
    await put(other, 'TEA-OTHER', { titleFa: 'چای', titleEn: 'Tea of another club' });
    const at = new Date(Date.now() - 60_000).toISOString();
    expect((await club.call('POST', '/v1/prices', { sku: 'TEA', priceRials: 1_200_000, at })).status).toBe(
      201,
    );
  });
  afterAll(async () => env?.close());

  const skus = (body: { items: Array<{ sku: string }> }) => body.items.map((p) => p.sku);

  it('lists the club’s active products by sku, with their current price, and no other club’s', async () => {
    const res = await club.call('GET', '/v1/products');
    expect(res.status).toBe(200);
    expect(skus(res.body)).toEqual(['A-TEA', 'KETTLE', 'TEA', 'TEA-10', 'TEA-2']);
    expect(res.body.items.find((p: { sku: string }) => p.sku === 'TEA').currentPrice.priceRials).toBe(
      1_200_000,
    );
    expect(res.body.items.find((p: { sku: string }) => p.sku === 'KETTLE').currentPrice).toBeNull();
    expect(res.body.nextCursor).toBeNull();
  });

  it('puts the exact sku first, then matches by sku prefix or title, and pages without repeats', async () => {
    const first = await club.call('GET', '/v1/products?q=TEA&limit=2');
    expect(skus(first.body)).toEqual(['TEA', 'A-TEA']);
    const second = await club.call('GET', `/v1/products?q=TEA&limit=2&cursor=${first.body.nextCursor}`);
    expect(skus(second.body)).toEqual(['TEA-10', 'TEA-2']);
    expect(second.body.nextCursor).toBeNull();
    // The exact match alone on the first page: the next page starts from the first sku again.
    const alone = await club.call('GET', '/v1/products?q=TEA&limit=1');
    expect(skus(alone.body)).toEqual(['TEA']);
    const rest = await club.call('GET', `/v1/products?q=TEA&limit=10&cursor=${alone.body.nextCursor}`);
    expect(skus(rest.body)).toEqual(['A-TEA', 'TEA-10', 'TEA-2']);
    // Titles in either language, case-insensitive; % is a character, not a wildcard.
    expect(skus((await club.call('GET', `/v1/products?q=${encodeURIComponent('چای س')}`)).body)).toEqual([
      'TEA',
      'TEA-2',
    ]);
    expect(skus((await club.call('GET', '/v1/products?q=green')).body)).toEqual(['TEA-2']);
    expect(skus((await club.call('GET', `/v1/products?q=${encodeURIComponent('100%')}`)).body)).toEqual([
      'TEA-10',
    ]);
    expect(skus((await club.call('GET', '/v1/products?q=nothing-like-it')).body)).toEqual([]);
  });

  it('names the field of a bad query', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['cursor=abc', 'cursor'],
      [`cursor=${Buffer.from('{"after":5}').toString('base64url')}`, 'cursor'],
      [`q=${'x'.repeat(101)}`, 'q'],
      ['sku=TEA', 'sku'],
    ] as const) {
      const res = await club.call('GET', `/v1/products?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.errors[0].field, query).toBe(field);
    }
  });
});
