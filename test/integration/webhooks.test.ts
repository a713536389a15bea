import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, notificationsModule } from '../../src/modules/notifications/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { WebhooksService, webhooksModule } from '../../src/modules/webhooks/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/** The registered modules (core now relies on some, e.g. tiers) plus these two, once each. */
const MY_MODULES = [
  ...MODULES.filter((m) => m.name !== 'webhooks' && m.name !== 'notifications'),
  webhooksModule,
  notificationsModule,
];

/**
 * Standard Webhooks verification written from the spec (https://www.standardwebhooks.com), not from
 * Vafa's signer: signed content `${id}.${timestamp}.${body}`, key = base64 after `whsec_`, header a
 * space-separated list of `v1,<base64 HMAC-SHA256>`, timestamp within 5 minutes.
 */
function verifyStandardWebhook(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sigs = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigs !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  return sigs.split(' ').some((s) => {
    const [version, value] = s.split(',');
    if (version !== 'v1' || !value) return false;
    const got = Buffer.from(value, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

type Mode = 'ok' | '500' | 'hang' | 'close';
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

/** A local receiver whose behaviour the test switches: answer 200, 500, never answer, or hang up. */
async function startReceiver() {
  const received: Received[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const state = { mode: 'ok' as Mode, delayMs: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (state.mode === 'hang') return;
      if (state.mode === 'close') {
        req.socket.destroy();
        return;
      }
      received.push({ headers: req.headers, body, path: req.url ?? '' });
      setTimeout(() => {
        res.statusCode = state.mode === '500' ? 500 : 200;
        res.end(state.mode === '500' ? 'boom' : 'ok');
      }, state.delayMs);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    state,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.each(BACKENDS)('webhooks on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let webhooks: WebhooksService;
  let dispatch: () => Promise<unknown>;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  const opts = { timeoutMs: 400, leaseMs: 3000, baseDelayMs: 1000, maxAttempts: 4 };

  beforeAll(async () => {
    env = await setupEnv(url, { modules: MY_MODULES });
    club = await env.newClub('Webhook club');
    receiver = await startReceiver();
    webhooks = new WebhooksService(env.db, env.clock.now, opts);
    const dispatcher = createDispatcher(env.ctx, { webhooks: opts });
    dispatch = () => dispatcher.dispatchDue();
  });
  afterAll(async () => {
    await receiver?.close();
    await env?.close();
  });

  async function subscribe(eventTypes: string[], path = uid('p')) {
    const res = await club.call('POST', '/v1/webhooks/subscriptions', {
      url: `${receiver.url}/${path}`,
      eventTypes,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { ...res.body, path } as { id: string; secret: string; path: string };
  }

  function receivedAt(path: string) {
    return receiver.received.filter((r) => r.path.endsWith(`/${path}`));
  }

  it('refuses loopback and private URLs unless the club allows them, and malformed URLs always', async () => {
    for (const bad of [
      'http://127.0.0.1:9/x',
      'http://10.1.2.3/x',
      'http://[::1]/x',
      'http://169.254.169.254/x',
    ]) {
      const res = await club.call('POST', '/v1/webhooks/subscriptions', { url: bad, eventTypes: ['*'] });
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].field).toBe('url');
    }
    const notUrl = await club.call('POST', '/v1/webhooks/subscriptions', {
      url: 'not a url',
      eventTypes: ['*'],
    });
    expect(notUrl.status).toBe(400);
    const ftp = await club.call('POST', '/v1/webhooks/subscriptions', {
      url: 'ftp://example.com/',
      eventTypes: ['*'],
    });
    expect(ftp.status).toBe(400);
    expect((await club.call('PATCH', '/v1/webhooks/settings', { allowPrivateUrls: true })).body).toEqual({
      allowPrivateUrls: true,
    });
    const sub = await subscribe(['member.created']);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = await club.call('GET', '/v1/webhooks/subscriptions');
    expect(JSON.stringify(listed.body)).not.toContain(sub.secret);
  });

  it('delivers an event signed per Standard Webhooks, verified independently, once per event id', async () => {
    const sub = await subscribe(['member.created', 'order.created']);
    const member = uid('C');
    await club.call('PUT', `/v1/members/${member}`, { firstName: 'زهرا' });
    await dispatch();
    await dispatch(); // a second dispatch finds nothing new
    const stats = await webhooks.deliverDue();
    expect(stats.delivered).toBeGreaterThanOrEqual(1);
    const got = receivedAt(sub.path);
    expect(got).toHaveLength(1);
    const r = got[0]!;
    expect(verifyStandardWebhook(sub.secret, r.headers, r.body)).toBe(true);
    expect(verifyStandardWebhook(sub.secret, r.headers, r.body.replace('member', 'Member'))).toBe(false);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({ type: 'member.created', data: { externalId: member } });
    expect(r.headers['webhook-id']).toMatch(/^evt_/);
    expect(await webhooks.deliverDue()).toEqual({ delivered: 0, failed: 0, dead: 0 });
    expect(receivedAt(sub.path)).toHaveLength(1);

    const log = await club.call('GET', `/v1/webhooks/deliveries?subscriptionId=${sub.id}`);
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    const detail = await club.call('GET', `/v1/webhooks/deliveries/${log.body.items[0].id}`);
    expect(detail.body.log).toHaveLength(1);
    expect(detail.body.log[0].responseMs).toBeGreaterThanOrEqual(0);
  });

  it('retries a 500, a hang and a closed connection with backoff, dead-letters, and replays', async () => {
    const sub = await subscribe(['member.created']);
    const member = uid('C');
    receiver.state.mode = '500';
    const started = Date.now();
    expect((await club.call('PUT', `/v1/members/${member}`, { firstName: 'Ali' })).status).toBe(201);
    // The business write never waits for a receiver.
    expect(Date.now() - started).toBeLessThan(2000);
    await dispatch();
    const errors: string[] = [];
    const deliveryOf = async () =>
      (await club.call('GET', `/v1/webhooks/deliveries?subscriptionId=${sub.id}`)).body.items[0];
    let previousNext = 0;
    for (const mode of ['500', 'hang', 'close', '500'] as const) {
      receiver.state.mode = mode;
      const stats = await webhooks.deliverDue();
      expect(stats.delivered).toBe(0);
      const d = await deliveryOf();
      errors.push(d.lastError);
      if (d.status === 'pending') {
        // Backoff grows: each wait is longer than the one before (jitter is ±20 %, the factor 4).
        const wait = new Date(d.nextAttemptAt).getTime() - env.clock.now().getTime();
        expect(wait).toBeGreaterThan(previousNext);
        previousNext = wait;
        expect(await webhooks.deliverDue()).toMatchObject({ delivered: 0 }); // not due yet
        env.clock.advanceDays(1);
      }
    }
    expect(errors[0]).toBe('HTTP 500');
    expect(errors[1]).toMatch(/timeout/);
    expect(errors[2]).toMatch(/closed|reset/);
    const dead = await deliveryOf();
    expect(dead).toMatchObject({ status: 'dead', attempts: 4 });
    const detail = await club.call('GET', `/v1/webhooks/deliveries/${dead.id}`);
    expect(detail.body.log.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([
      500,
      null,
      null,
      500,
    ]);

    receiver.state.mode = 'ok';
    const replay = await club.call('POST', `/v1/webhooks/deliveries/${dead.id}/replay`);
    expect(replay.body).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await webhooks.deliverDue()).delivered).toBe(1);
    const ok = receivedAt(sub.path).filter((r) => JSON.parse(r.body).data.externalId === member);
    // Two 500 answers were received (and logged) before, then the replayed success.
    expect(ok.map((r) => r.headers['webhook-id'])).toEqual(Array(3).fill(dead.eventId));
    expect((await deliveryOf()).status).toBe('delivered');
  });

  it('never lets two workers send the same delivery at once', async () => {
    const sub = await subscribe(['order.created', 'member.created']);
    receiver.state.mode = 'ok';
    receiver.state.delayMs = 100;
    for (let i = 0; i < 12; i++) await club.call('PUT', `/v1/members/${uid('C')}`, { firstName: 'Reza' });
    await dispatch();
    const other = new WebhooksService(env.db, env.clock.now, { ...opts, batchSize: 3 });
    const mine = new WebhooksService(env.db, env.clock.now, { ...opts, batchSize: 3 });
    await Promise.all([other.deliverDue(), mine.deliverDue()]);
    receiver.state.delayMs = 0;
    const ids = receivedAt(sub.path).map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it('signs with both secrets after a rotation, and replays a subscription from a time', async () => {
    const sub = await subscribe(['points.adjusted', 'member.created']);
    const rotated = await club.call('POST', `/v1/webhooks/subscriptions/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(sub.secret);
    // "Since" is the new member's own creation time, so events of earlier tests (moments before, on a
    // loaded machine) are not replayed too.
    const created = await club.call('PUT', `/v1/members/${uid('C')}`, { firstName: 'Sara' });
    const since = new Date(Date.parse(created.body.createdAt) - 1).toISOString();
    await dispatch();
    await webhooks.deliverDue();
    const [r] = receivedAt(sub.path);
    expect(String(r!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyStandardWebhook(sub.secret, r!.headers, r!.body)).toBe(true);
    expect(verifyStandardWebhook(rotated.body.secret, r!.headers, r!.body)).toBe(true);

    const replay = await club.call('POST', `/v1/webhooks/subscriptions/${sub.id}/replay`, { since });
    expect(replay.body.queued).toBe(1);
    await webhooks.deliverDue();
    const again = receivedAt(sub.path);
    expect(again).toHaveLength(2);
    expect(again[1]!.headers['webhook-id']).toBe(again[0]!.headers['webhook-id']);
  });

  it('fans an event out once even when dispatched again, and cancels deliveries of a deleted subscription', async () => {
    const sub = await subscribe(['member.created']);
    receiver.state.mode = '500';
    await club.call('PUT', `/v1/members/${uid('C')}`, { firstName: 'Nima' });
    // On a loaded machine one dispatch pass can end before it reaches the new event (its time budget,
    // or a batch retried one by one); what is asserted is that however often it runs, one delivery exists.
    let before: Array<{ eventId: string }> = [];
    for (let i = 0; i < 20 && before.length === 0; i++) {
      await dispatch();
      before = (await club.call('GET', `/v1/webhooks/deliveries?subscriptionId=${sub.id}`)).body.items;
      if (before.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(before).toHaveLength(1);
    const requeued = await club.call('POST', '/v1/outbox/replay', { eventId: before[0]!.eventId });
    expect(requeued.body.queued).toBe(1);
    await dispatch();
    expect(
      (await club.call('GET', `/v1/webhooks/deliveries?subscriptionId=${sub.id}`)).body.items,
    ).toHaveLength(1);
    expect((await club.call('DELETE', `/v1/webhooks/subscriptions/${sub.id}`)).status).toBe(204);
    const after = (await club.call('GET', `/v1/webhooks/deliveries?subscriptionId=${sub.id}`)).body.items;
    expect(after[0].status).toBe('cancelled');
    receiver.state.mode = 'ok';
  });

  describe('WooCommerce receiver', () => {
    const wcTime = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 19);
    /** An order as WooCommerce's REST API v3 (and its order webhooks) shape it. */
    function wooOrder(id: number, customerId: number, over: Record<string, unknown> = {}) {
      return {
        id,
        parent_id: 0,
        number: String(id),
        order_key: `wc_order_${id}`,
        created_via: 'checkout',
        version: '9.4.0',
        status: 'processing',
        currency: 'IRT',
        date_created: wcTime(2 * 3600_000),
        date_created_gmt: wcTime(2 * 3600_000),
        date_modified: wcTime(3600_000),
        date_modified_gmt: wcTime(3600_000),
        discount_total: '0',
        discount_tax: '0',
        shipping_total: '50000',
        shipping_tax: '0',
        cart_tax: '0',
        total: '250000',
        total_tax: '0',
        prices_include_tax: false,
        customer_id: customerId,
        customer_ip_address: '127.0.0.1',
        customer_user_agent: 'Mozilla/5.0',
        customer_note: '',
        billing: {
          first_name: 'زهرا',
          last_name: 'محمدی',
          company: '',
          address_1: 'خیابان ولیعصر',
          address_2: '',
          city: 'تهران',
          state: 'THR',
          postcode: '1234567890',
          country: 'IR',
          email: `zahra${customerId}@example.com`,
          phone: `0912${String(customerId).padStart(7, '0').slice(-7)}`,
        },
        shipping: { first_name: 'زهرا', last_name: 'محمدی', city: 'تهران', state: 'THR', country: 'IR' },
        payment_method: 'zarinpal',
        payment_method_title: 'زرین‌پال',
        transaction_id: 'A0000001',
        date_paid: wcTime(3600_000),
        date_paid_gmt: wcTime(3600_000),
        date_completed: null,
        date_completed_gmt: null,
        cart_hash: 'abc',
        meta_data: [],
        line_items: [
          {
            id: 315,
            name: 'کتاب',
            product_id: 93,
            variation_id: 0,
            quantity: 2,
            tax_class: '',
            subtotal: '100000.00',
            subtotal_tax: '0.00',
            total: '100000.00',
            total_tax: '0.00',
            taxes: [],
            meta_data: [],
            sku: 'BK-1',
            price: 50000,
          },
          {
            id: 316,
            name: 'خودکار',
            product_id: 94,
            variation_id: 0,
            quantity: 1,
            subtotal: '100000.00',
            total: '100000.00',
            sku: '',
            price: 100000,
          },
        ],
        tax_lines: [],
        shipping_lines: [{ id: 317, method_title: 'پست', method_id: 'flat_rate', total: '50000.00' }],
        fee_lines: [],
        coupon_lines: [],
        refunds: [],
        ...over,
      };
    }

    async function deliver(
      connectionId: string,
      secret: string,
      topic: string,
      payload: unknown,
      signature?: string,
    ) {
      const raw = Buffer.from(JSON.stringify(payload));
      const sig = signature ?? createHmac('sha256', secret).update(raw).digest('base64');
      const res = await env.app.inject({
        method: 'POST',
        url: `/hooks/woocommerce/${connectionId}`,
        headers: {
          'content-type': 'application/json',
          'x-wc-webhook-source': 'https://shop.example.ir/',
          'x-wc-webhook-topic': topic,
          'x-wc-webhook-resource': 'order',
          'x-wc-webhook-event': topic.split('.')[1]!,
          'x-wc-webhook-signature': sig,
          'x-wc-webhook-id': '12',
          'x-wc-webhook-delivery-id': String(++n),
        },
        payload: raw,
      });
      return { status: res.statusCode, body: JSON.parse(res.body) };
    }

    it('maps signed order.created and order.updated deliveries to members, orders and returns, idempotently', async () => {
      const conn = await club.call('POST', '/v1/integrations/woocommerce', { name: 'shop.example.ir' });
      expect(conn.status).toBe(201);
      const { id, secret } = conn.body;
      const ping = await env.app.inject({
        method: 'POST',
        url: `/hooks/woocommerce/${id}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'webhook_id=12',
      });
      expect(ping.statusCode).toBe(200);

      const orderId = 100_000 + Math.floor(Math.random() * 800_000);
      const customerId = 1000 + Math.floor(Math.random() * 8_000_000);
      const order = wooOrder(orderId, customerId);
      const forged = await deliver(id, secret, 'order.created', order, 'bm90IHRoZSBzaWduYXR1cmU=');
      expect(forged.status).toBe(401);
      expect((await club.call('GET', `/v1/orders/wc-${orderId}`)).status).toBe(404);

      const created = await deliver(id, secret, 'order.created', order);
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body).toMatchObject({ outcome: 'order', orderCreated: true, status: 'paid' });
      const member = await club.call('GET', `/v1/members/wc-${customerId}`);
      expect(member.body).toMatchObject({
        firstName: 'زهرا',
        lastName: 'محمدی',
        city: 'تهران',
        province: 'THR',
      });
      expect(member.body.mobile).toMatch(/^\+98912/);
      const stored = await club.call('GET', `/v1/orders/wc-${orderId}`);
      expect(stored.body).toMatchObject({
        status: 'paid',
        totalRials: 2_500_000,
        memberExternalId: `wc-${customerId}`,
      });
      expect(
        stored.body.lines.map((l: { sku: string; unitPriceRials: number }) => [l.sku, l.unitPriceRials]),
      ).toEqual([
        ['BK-1', 500_000],
        ['wc-product-94', 1_000_000],
      ]);
      expect((await club.call('GET', `/v1/members/wc-${customerId}/points`)).body.pending).toBe(250);

      // WooCommerce retries a delivery it thinks failed: nothing changes.
      const again = await deliver(id, secret, 'order.created', order);
      expect(again.body).toMatchObject({ orderCreated: false, status: 'paid' });
      expect((await club.call('GET', `/v1/members/wc-${customerId}/points`)).body.pending).toBe(250);

      const completed = wooOrder(orderId, customerId, {
        status: 'completed',
        date_completed_gmt: wcTime(60_000),
        refunds: [{ id: 901, reason: 'آسیب دیده', total: '-50000.00' }],
      });
      const updated = await deliver(id, secret, 'order.updated', completed);
      expect(updated.body).toMatchObject({ status: 'delivered', returnsRecorded: ['wc-refund-901'] });
      const replayed = await deliver(id, secret, 'order.updated', completed);
      expect(replayed.body).toMatchObject({ status: 'delivered', returnsRecorded: [] });
      const after = await club.call('GET', `/v1/orders/wc-${orderId}`);
      expect(after.body).toMatchObject({ status: 'delivered', returnedRials: 500_000 });
      expect((await club.call('GET', `/v1/members/wc-${customerId}/points`)).body.pending).toBe(200);

      // A guest order names the customer by mobile; an IRR store's amounts are rials already.
      const guest = wooOrder(orderId + 1, 0, { currency: 'IRR', total: '3000000', status: 'pending' });
      const g = await deliver(id, secret, 'order.created', guest);
      expect(g.body.memberExternalId).toMatch(/^wc-guest-98912/);
      expect((await club.call('GET', `/v1/orders/wc-${orderId + 1}`)).body).toMatchObject({
        status: 'placed',
        totalRials: 3_000_000,
      });
      const usd = await deliver(
        id,
        secret,
        'order.created',
        wooOrder(orderId + 2, customerId, { currency: 'USD' }),
      );
      expect(usd.status).toBe(400);
      expect(usd.body.errors[0].field).toBe('currency');
      expect((await deliver(id, secret, 'product.updated', { id: 1 })).body.outcome).toBe('ignored');
    });
  });

  it('keeps other clubs’ subscriptions and deliveries apart', async () => {
    const other = await env.newClub('Other');
    expect((await other.call('GET', '/v1/webhooks/subscriptions')).body.items).toEqual([]);
    expect((await other.call('GET', '/v1/webhooks/deliveries')).body.items).toEqual([]);
    const sub = (await club.call('GET', '/v1/webhooks/subscriptions')).body.items[0];
    expect((await other.call('GET', `/v1/webhooks/subscriptions/${sub.id}`)).status).toBe(404);
  });
});
