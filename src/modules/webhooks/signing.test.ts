import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_RETRY } from './retry.js';
import { sign, signatureHeaders } from './signing.js';
import { isPrivateAddress } from './url-guard.js';
import { mapWooOrder, mapWooStatus } from './woocommerce.js';

describe('sign', () => {
  it('matches the Standard Webhooks reference test vector', () => {
    // From the spec's reference libraries: secret, msg id, timestamp and payload → this signature.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const sig = sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
  it('signs with every secret given, space-separated', () => {
    const h = signatureHeaders(['whsec_AAAA', 'whsec_BBBB'], 'evt_1', 1, '{}');
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
  });
});

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fc00::1',
    'fd12::1',
    'fe80::1',
    '::ffff:127.0.0.1',
  ])('refuses %s', (ip) => expect(isPrivateAddress(ip)).toBe(true));
  it.each(['8.8.8.8', '172.32.0.1', '2a01:4f8::1'])('allows %s', (ip) =>
    expect(isPrivateAddress(ip)).toBe(false),
  );
});

describe('backoffMs', () => {
  it('grows by 4 each attempt within ±20 %, capped', () => {
    expect(backoffMs(1, DEFAULT_RETRY, () => 0.5)).toBe(30_000);
    expect(backoffMs(2, DEFAULT_RETRY, () => 0.5)).toBe(120_000);
    expect(backoffMs(3, DEFAULT_RETRY, () => 0)).toBe(0.8 * 480_000);
    expect(backoffMs(20, DEFAULT_RETRY, () => 1)).toBe(1.2 * DEFAULT_RETRY.maxDelayMs);
  });
});

describe('mapWooOrder', () => {
  it('maps statuses forward and amounts from Toman', () => {
    expect(mapWooStatus('processing')).toBe('paid');
    expect(mapWooStatus('completed')).toBe('delivered');
    expect(mapWooStatus('refunded')).toBeNull();
    const m = mapWooOrder(
      {
        id: 5,
        status: 'on-hold',
        currency: 'IRT',
        total: '1500.50',
        customer_id: 0,
        date_created_gmt: '2026-01-01T10:00:00',
        billing: { phone: '۰۹۱۲۱۲۳۴۵۶۷', first_name: 'Ali' },
        line_items: [{ product_id: 3, quantity: 2, subtotal: '1000' }],
        refunds: [{ id: 9, total: '-100.00' }],
      },
      'IRT',
    );
    expect(m.memberExternalId).toBe('wc-guest-989121234567');
    expect(m.order).toMatchObject({
      externalId: 'wc-5',
      status: 'placed',
      totalRials: 15_005,
      placedAt: '2026-01-01T10:00:00.000Z',
    });
    expect(m.order.lines[0]).toEqual({ sku: 'wc-product-3', quantity: 2, unitPriceRials: 5000 });
    expect(m.refunds).toEqual([{ externalId: 'wc-refund-9', amountRials: 1000 }]);
  });
});
