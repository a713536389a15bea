import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalModule } from '../../src/modules/portal/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';
import { fingerprint } from './fingerprint.js';
import { listRoutes, type RouteInfo, routeKey } from './routes.js';

/**
 * Tenant isolation, generated from the route table: every /v1 route is called with club A's key on club
 * B's ids. Each must answer 404 (422 for an id named in the body) or, for an upsert that acts on A's own
 * namespace, a 2xx that carries none of B's data; and B's rows must be exactly as they were.
 *
 * A route added later is walked automatically: its path parameters are filled from `paramValue` (a new
 * parameter name fails the test with the place to teach it), and a route whose body the generic `{}`
 * does not satisfy fails with a request to add a body recipe below, since a 400 would prove nothing.
 */

/** What club B owns, by kind; the values A must never see or touch. */
interface BIds {
  clubId: string;
  memberExternalId: string;
  /** A second member of B that A never creates a namesake of, for body references. */
  otherMemberExternalId: string;
  memberId: string;
  orderExternalId: string;
  redemptionId: string;
  ruleId: string;
  keyId: string;
  sku: string;
  subscriptionId: string;
  deliveryId: string;
  messageId: string;
  eventId: string;
  template: { eventType: string; channel: string; language: string };
  rewardId: string;
  batchId: string;
  couponCode: string;
  campaignId: string;
  raffleId: string;
  complaintId: string;
  rootCauseKey: string;
  surveyId: string;
  invitationId: string;
  touchpointId: string;
  reviewId: string;
  runId: string;
  invoiceExternalId: string;
  referralCode: string;
  /** Personal data and secrets of B that must not appear in any answer to A. */
  markers: string[];
}

/** Bodies valid in shape for the portal's member routes, so the answer is about whose id it is. */
const PORTAL_BODIES: Record<string, unknown> = {
  'POST /portal/api/me/complaints/:complaintId/replies': { message: 'پیگیری عضو الف' },
  'POST /portal/api/me/surveys/:invitationId/answer': { score: 9 },
  'POST /portal/api/survey-links/:token': { score: 9 },
};

/** Fills a path parameter with B's id of the right kind, or null when the test does not know it. */
function paramValue(route: RouteInfo, name: string, b: BIds): string | null {
  const p = route.path;
  switch (name) {
    case 'externalId':
      if (p.startsWith('/v1/orders/')) return b.orderExternalId;
      if (p.startsWith('/v1/invoices/')) return b.invoiceExternalId;
      return b.memberExternalId;
    case 'redemptionId':
      return b.redemptionId;
    case 'ruleId':
      return b.ruleId;
    case 'keyId':
      return b.keyId;
    case 'sku':
      return b.sku;
    case 'id':
      if (p.startsWith('/v1/webhooks/subscriptions/')) return b.subscriptionId;
      if (p.startsWith('/v1/webhooks/deliveries/')) return b.deliveryId;
      if (p.startsWith('/v1/notifications/messages/')) return b.messageId;
      return null;
    case 'rewardId':
      return b.rewardId;
    case 'batchId':
      return b.batchId;
    case 'campaignId':
      return b.campaignId;
    case 'raffleId':
      return b.raffleId;
    case 'complaintId':
      return b.complaintId;
    case 'key':
      return p.startsWith('/v1/complaints/root-causes/') ? b.rootCauseKey : null;
    case 'surveyId':
      return b.surveyId;
    case 'invitationId':
      return b.invitationId;
    case 'token':
      // A survey link's token is its own authority (no key or session applies): one never issued must
      // be unknown, whichever member's session sends it.
      return 'tok_never_issued_0000000000';
    case 'touchpointId':
      return b.touchpointId;
    case 'reviewId':
      return b.reviewId;
    case 'runId':
      return b.runId;
    case 'eventType':
    case 'channel':
    case 'language':
      return b.template[name];
    default:
      return null;
  }
}

interface Recipe {
  /** A body valid in shape, so the answer is about whose id it is, not about the schema. */
  body?: (b: BIds) => unknown;
  /**
   * The route creates or replaces the resource in the caller's own club (PUT by external id): a 2xx is
   * right, as long as it carries nothing of B's and B is untouched.
   */
  upsert?: boolean;
}

const now = () => new Date(Date.now() - 60_000).toISOString();

/** Body recipes for routes with path parameters whose body `{}` would fail validation. */
const RECIPES: Record<string, Recipe> = {
  'PUT /v1/members/:externalId': { body: () => ({ firstName: 'آرش' }), upsert: true },
  'POST /v1/members/:externalId/points/adjustments': { body: () => ({ points: 5, reason: 'isolation' }) },
  'POST /v1/members/:externalId/redemptions/quote': { body: () => ({ cartTotalRials: 1_000_000 }) },
  'POST /v1/members/:externalId/redemptions': {
    body: () => ({ points: 1, orderExternalId: 'A-ORD-X' }),
  },
  'POST /v1/members/:externalId/tier': { body: () => ({ tierKey: null, reason: 'isolation' }) },
  'PUT /v1/members/:externalId/watches/:sku': { body: () => ({ targetPriceRials: 1000 }) },
  'POST /v1/orders/:externalId/status': { body: () => ({ status: 'delivered' }) },
  'POST /v1/orders/:externalId/returns': { body: () => ({ externalId: 'A-RET-1', amountRials: 1000 }) },
  'PUT /v1/rules/:ruleId': {
    body: () => ({ kind: 'rate', name: 'A rate', priority: 77, config: { rialsPerPoint: 500 } }),
  },
  'PUT /v1/products/:sku': { body: () => ({ titleFa: 'کالای الف' }), upsert: true },
  'PATCH /v1/webhooks/subscriptions/:id': { body: () => ({ description: 'hijack' }) },
  'POST /v1/webhooks/subscriptions/:id/replay': { body: () => ({ since: now() }) },
  'PUT /v1/notifications/templates/:eventType/:channel/:language': {
    body: () => ({ body: 'سلام {{firstName}}' }),
    upsert: true,
  },
  'PUT /v1/rewards/:rewardId': {
    body: () => ({ kind: 'donation', nameFa: 'الف', costPoints: 10, config: { cause: 'محک' } }),
  },
  'POST /v1/coupon-batches/:batchId/codes': { body: () => ({ count: 1 }) },
  'POST /v1/coupon-batches/:batchId/imports': { body: () => ({ codes: [{ code: 'AIMPORT1' }] }) },
  'POST /v1/campaigns/:campaignId/grants': { body: (b) => ({ memberExternalId: b.memberExternalId }) },
  'POST /v1/campaigns/:campaignId/claims': {
    body: (b) => ({
      memberExternalId: b.memberExternalId,
      orderExternalId: 'A-ORD-C',
      cart: { totalRials: 1000 },
    }),
  },
  'POST /v1/raffles/:raffleId/entries': { body: (b) => ({ memberExternalId: b.memberExternalId }) },
  'POST /v1/complaints/:complaintId/replies': { body: () => ({ from: 'staff', message: 'پاسخ الف' }) },
  'POST /v1/complaints/:complaintId/transitions': { body: () => ({ to: 'resolved' }) },
  'POST /v1/complaints/:complaintId/notes': { body: () => ({ note: 'یادداشت الف' }) },
  'POST /v1/complaints/root-causes/:key/fixes': { body: () => ({ note: 'رفع شد' }) },
  'PATCH /v1/surveys/:surveyId': { body: () => ({ isActive: false }) },
  'PATCH /v1/surveys/touchpoints/:touchpointId': { body: () => ({ isActive: false }) },
  'POST /v1/reviews/:reviewId/moderation': { body: () => ({ decision: 'approve' }) },
  'POST /v1/reviews/:reviewId/votes': {
    body: (b) => ({ memberExternalId: b.memberExternalId, helpful: true }),
  },
  'POST /v1/invoices/:externalId/payments': { body: () => ({ paidAt: now() }) },
  'POST /v1/members/:externalId/cooperation-ratings': { body: () => ({ rating: 1 }) },
};

/**
 * Query strings for list/report routes that require one: B's ids, so an answer that read across clubs
 * would show B's data. A required query missing here fails the list test with a 400.
 */
const LIST_QUERIES: Record<string, (b: BIds) => string> = {
  'GET /v1/reviews/summary': () => '?sku=B-SKU-2',
};

/**
 * Routes that authenticate themselves outside /v1: signed webhooks, signed unsubscribe links, personal
 * survey links (`/s/:token`, a random secret whose hash names the invitation, so no club id is ever taken
 * from the caller; test/integration/surveys.test.ts covers unknown, used and expired tokens), and the
 * member portal (`/portal/api/`, a member session cookie; walked with B's ids by the test below).
 */
const PUBLIC_SELF_AUTHENTICATED = ['/hooks/', '/unsubscribe/', '/s/', '/portal/api/'];

/** Routes without path parameters that name another resource in the body: B's id must answer 404/422. */
const BODY_REFERENCES: Array<{
  method: 'POST';
  url: string;
  body: (b: BIds) => unknown;
  /** For a filter rather than a reference: a 200 that acted on nothing is right too. */
  emptyOk?: (body: any) => boolean;
  /**
   * The documented answer this route gives for an id the club has never seen, when it is not 404/422:
   * B's id must get exactly that answer (checked against a made-up id too), so it reveals nothing.
   */
  unknownAnswer?: { status: number; code: string; body: (b: BIds) => unknown };
}> = [
  {
    method: 'POST',
    url: '/v1/orders',
    body: (b) => ({
      externalId: 'A-ORD-REF',
      memberExternalId: b.otherMemberExternalId,
      placedAt: now(),
      totalRials: 1000,
    }),
  },
  {
    method: 'POST',
    url: '/v1/orders/batch',
    body: (b) => ({
      orders: [
        {
          externalId: 'A-ORD-REF2',
          memberExternalId: b.otherMemberExternalId,
          placedAt: now(),
          totalRials: 1,
        },
      ],
    }),
  },
  {
    method: 'POST',
    url: '/v1/orders/simulate',
    body: (b) => ({ memberExternalId: b.otherMemberExternalId, totalRials: 1000 }),
  },
  {
    method: 'POST',
    url: '/v1/events',
    body: (b) => ({ memberExternalId: b.otherMemberExternalId, type: 'review.posted', externalId: 'A-EV-1' }),
  },
  {
    method: 'POST',
    url: '/v1/notifications/templates/preview',
    body: (b) => ({
      eventType: 'points.earned',
      channel: 'sms',
      language: 'fa',
      body: 'سلام {{firstName}}',
      memberExternalId: b.otherMemberExternalId,
    }),
  },
  {
    method: 'POST',
    url: '/v1/outbox/replay',
    body: (b) => ({ eventId: b.eventId }),
    emptyOk: (body) => body?.queued === 0,
  },
  // B's coupon code, offered with A's own member and cart: A's club has no such code.
  {
    method: 'POST',
    url: '/v1/coupons/validate',
    body: (b) => ({ code: b.couponCode, memberExternalId: 'A-MEM-1', cart: { totalRials: 5_000_000 } }),
    // Validation answers 200 for A's known member; B's code must be simply unknown to A.
    emptyOk: (body) => body?.valid === false && body?.reason === 'unknown',
  },
  {
    method: 'POST',
    url: '/v1/coupons/redeem',
    body: (b) => ({
      code: b.couponCode,
      memberExternalId: 'A-MEM-1',
      orderExternalId: 'A-ORD-CPN',
      cart: { totalRials: 5_000_000 },
    }),
  },
  {
    method: 'POST',
    url: '/v1/coupons/release',
    body: (b) => ({ code: b.couponCode, orderExternalId: b.orderExternalId }),
    // Release answers 409 coupon_not_releasable for any code not redeemed for that order, known or not.
    unknownAnswer: {
      status: 409,
      code: 'coupon_not_releasable',
      body: () => ({ code: 'ZZZZZZZZZZ', orderExternalId: 'NEVER-ORD' }),
    },
  },
  {
    method: 'POST',
    url: '/v1/referrals',
    body: (b) => ({ code: b.referralCode, refereeExternalId: 'A-MEM-1' }),
  },
  {
    method: 'POST',
    url: '/v1/campaigns',
    body: (b) => ({
      name: 'الف',
      startsAt: now(),
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
      grant: { kind: 'reward', rewardId: b.rewardId },
    }),
  },
  {
    method: 'POST',
    url: '/v1/surveys/touchpoints',
    body: (b) => ({ surveyId: b.surveyId, trigger: 'manual', department: 'support' }),
  },
  {
    method: 'POST',
    url: '/v1/surveys/invitations',
    body: (b) => ({ touchpointId: b.touchpointId, memberExternalId: 'A-MEM-1' }),
  },
  {
    method: 'POST',
    url: '/v1/complaints',
    body: (b) => ({ memberExternalId: b.otherMemberExternalId, description: 'الف' }),
  },
  {
    method: 'POST',
    url: '/v1/reviews',
    body: (b) => ({ memberExternalId: b.otherMemberExternalId, sku: 'B-SKU-2', rating: 5, body: 'الف' }),
  },
  {
    method: 'POST',
    url: '/v1/invoices',
    body: (b) => ({
      externalId: 'A-INV-1',
      memberExternalId: b.otherMemberExternalId,
      amountRials: 1000,
      dueAt: now(),
    }),
  },
];

describe.each(BACKENDS)('tenant isolation over every route on $name', ({ url }) => {
  let env: TestEnv;
  let a: TestClub;
  let bClub: TestClub;
  let b: BIds;
  const smsDir = mkdtempSync(join(tmpdir(), 'vafa-isolation-sms-'));
  const smsLogDir = smsDir;
  const routes = () => listRoutes(env.app).filter((r) => r.path.startsWith('/v1/'));

  beforeAll(async () => {
    // The portal writes its sign-in codes to a file here, so a member of A can sign in below.
    env = await setupEnv(url, { modules: [...MODULES, createPortalModule({ smsLogDir })] });
    a = await env.newClub('Club A');
    // A's own member, for body references that pair it with one of B's ids (a coupon code, a touchpoint).
    expect((await a.call('PUT', '/v1/members/A-MEM-1', { firstName: 'آنا' })).status).toBe(201);
    // The insights reports answer 404 insights_not_ready until a run has finished. A run of A's own
    // (near-empty) club first, so every list/report route of A must answer 200 below, and a report that
    // read B's snapshots would show it.
    // Two runs: segment movements compare the last two.
    for (let i = 0; i < 2; i++) {
      const runA = await a.call('POST', '/v1/insights/runs', {});
      expect(runA.status, JSON.stringify(runA.body)).toBe(201);
    }
    bClub = await env.newClub('باشگاه ب');
    const ok = async (method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown) => {
      const res = await bClub.call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };
    const mem = 'B-MEM-1';
    // Subscribed first, so B's events below fan out to deliveries.
    await ok('PATCH', '/v1/webhooks/settings', { allowPrivateUrls: true });
    const sub = await ok('POST', '/v1/webhooks/subscriptions', {
      url: 'http://127.0.0.1:9/b-secret-hook',
      eventTypes: ['*'],
    });
    await ok('PUT', `/v1/members/${mem}`, {
      firstName: 'بهرام‌سرّی',
      lastName: 'Bsecretlast',
      mobile: '09127654321',
      email: 'b.secret@example.ir',
    });
    await ok('PUT', '/v1/members/B-MEM-2', { firstName: 'بهرام‌سرّی' });
    await ok('POST', `/v1/members/${mem}/points/adjustments`, { points: 5000, reason: 'هدیه' });
    await ok('POST', '/v1/orders', {
      externalId: 'B-ORD-1',
      memberExternalId: mem,
      placedAt: now(),
      totalRials: 7_777_777,
      status: 'paid',
      lines: [{ sku: 'B-SKU-1', category: 'کتاب', quantity: 1, unitPriceRials: 7_777_777 }],
    });
    const red = await ok('POST', `/v1/members/${mem}/redemptions`, {
      points: 10,
      orderExternalId: 'B-ORD-2',
    });
    const rule = await ok('POST', '/v1/rules', {
      kind: 'rate',
      name: 'B rule',
      priority: 5,
      config: { rialsPerPoint: 1000 },
    });
    const key = await ok('POST', '/v1/api-keys', { name: 'B second key' });
    await ok('PUT', '/v1/products/B-SKU-1', { titleFa: 'کالای ب' });
    await ok('POST', '/v1/prices', { sku: 'B-SKU-1', priceRials: 9_999_000, at: now() });
    await ok('PUT', `/v1/members/${mem}/watches/B-SKU-1`, { targetPriceRials: 5000 });
    await ok('PUT', '/v1/notifications/templates/points.earned/sms/fa', { body: 'ب: {{firstName}}' });
    // The feature modules' resources, each made through the API as a shop would.
    const later = (days: number) => new Date(env.clock.now().getTime() + days * 86_400_000).toISOString();
    const reward = await ok('POST', '/v1/rewards', {
      kind: 'fixed_discount',
      nameFa: 'جایزهٔ سرّی ب',
      costPoints: 100,
      config: { amountRials: 500_000, minCartRials: 2_000_000 },
    });
    const batch = await ok('POST', '/v1/coupon-batches', { name: 'دستهٔ ب', kind: 'percent', percent: 10 });
    // The codes route answers CSV: `code,…` header, then one code per line.
    const csv = await bClub.call('POST', `/v1/coupon-batches/${batch.id}/codes`, { count: 1 });
    expect(csv.status, String(csv.body)).toBe(200);
    const couponCode = String(csv.body).trim().split('\n')[1]!.split(',')[0]!;
    const campaign = await ok('POST', '/v1/campaigns', {
      name: 'کمپین ب',
      startsAt: later(-1),
      endsAt: later(10),
      grant: { kind: 'points', points: 100 },
      budgetPoints: 1000,
      controlSharePct: 0,
    });
    const raffle = await ok('POST', '/v1/raffles', {
      name: 'قرعه‌کشی ب',
      entryCostPoints: 0,
      closesAt: later(7),
      prizes: [{ nameFa: 'جایزهٔ اول', points: 10 }],
    });
    await ok('PUT', '/v1/complaints/root-causes', { items: [{ key: 'b-late', nameFa: 'تأخیر' }] });
    const complaint = await ok('POST', '/v1/complaints', {
      memberExternalId: mem,
      description: 'شکایت‌سرّی ب',
    });
    const survey = await ok('POST', '/v1/surveys', {
      kind: 'nps',
      title: 'نظرسنجی‌سرّی ب',
      question: 'چطور بود؟',
    });
    const tp = await ok('POST', '/v1/surveys/touchpoints', {
      surveyId: survey.id,
      trigger: 'manual',
      department: 'support',
    });
    const invited = await ok('POST', '/v1/surveys/invitations', {
      touchpointId: tp.id,
      memberExternalId: mem,
    });
    // A review needs a delivered purchase of the sku.
    await ok('POST', '/v1/orders', {
      externalId: 'B-ORD-3',
      memberExternalId: mem,
      placedAt: later(-3),
      totalRials: 1_000_000,
      status: 'delivered',
      lines: [{ sku: 'B-SKU-2', quantity: 1, unitPriceRials: 1_000_000 }],
    });
    const review = await ok('POST', '/v1/reviews', {
      memberExternalId: mem,
      sku: 'B-SKU-2',
      rating: 2,
      body: 'نقد‌سرّی ب',
    });
    const run = await ok('POST', '/v1/insights/runs', {});
    await ok('POST', '/v1/invoices', {
      externalId: 'B-INV-1',
      memberExternalId: mem,
      amountRials: 3_333_333,
      dueAt: later(-5),
    });
    const referral = (await bClub.call('GET', `/v1/members/${mem}/referral`)).body;
    // Fan the outbox out to deliveries and messages, as the worker would (without sending anything).
    for (const job of MODULES.flatMap((m) => m.jobs?.(env.ctx) ?? []))
      if (job.id === 'outbox-dispatch') await job.handler();
    const one = async (sql: string) =>
      (await env.db.query<{ id: string }>(sql, [bClub.clubId])).rows[0]?.id ?? null;
    const memberId = await one(`select member_id as id from members where club_id = $1`);
    const deliveryId = await one(`select delivery_id as id from webhook_deliveries where club_id = $1`);
    const messageId = await one(`select message_id as id from member_messages where club_id = $1`);
    const eventId = await one(`select event_id as id from outbox_events where club_id = $1`);
    expect(deliveryId, 'the dispatcher made no webhook delivery for club B').not.toBeNull();
    b = {
      clubId: bClub.clubId,
      memberExternalId: mem,
      otherMemberExternalId: 'B-MEM-2',
      memberId: memberId!,
      orderExternalId: 'B-ORD-1',
      redemptionId: red.id ?? red.redemptionId,
      ruleId: rule.id ?? rule.ruleId,
      keyId: key.id ?? key.keyId,
      sku: 'B-SKU-1',
      subscriptionId: sub.id ?? sub.subscriptionId,
      deliveryId: deliveryId!,
      // No SMS provider consent in this set-up may mean no message: a plausible id still checks the lookup.
      messageId: messageId ?? 'msg_00000000000000000000000000',
      eventId: eventId!,
      template: { eventType: 'points.earned', channel: 'sms', language: 'fa' },
      rewardId: reward.id,
      batchId: batch.id,
      couponCode,
      campaignId: campaign.id,
      raffleId: raffle.id,
      complaintId: complaint.id,
      rootCauseKey: 'b-late',
      surveyId: survey.id,
      invitationId: invited.invitation.id,
      touchpointId: tp.id,
      reviewId: review.id,
      runId: run.id,
      invoiceExternalId: 'B-INV-1',
      referralCode: referral.code,
      markers: [
        'جایزهٔ سرّی ب',
        couponCode,
        'شکایت‌سرّی ب',
        'نظرسنجی‌سرّی ب',
        'نقد‌سرّی ب',
        '3333333',
        referral.code,
        bClub.clubId,
        memberId!,
        'بهرام‌سرّی',
        'Bsecretlast',
        '9127654321',
        'b.secret@example.ir',
        'b-secret-hook',
        sub.secret ?? 'whsec_never',
        '7777777',
        '9999000',
      ],
    };
    for (const [k, v] of Object.entries(b)) expect(v, `fixture ${k}`).toBeTruthy();
  });
  afterAll(async () => env?.close());

  const leaked = (text: string) => b.markers.filter((m) => text.includes(m));

  it('fills every path parameter of every /v1 route, and no route is left without a check', () => {
    const unknown = routes().flatMap((r) =>
      r.params.filter((p) => paramValue(r, p, b) === null).map((p) => `${routeKey(r)} (:${p})`),
    );
    expect(
      unknown,
      'These routes have path parameters the tenant-isolation test cannot fill with club B ids: teach ' +
        'paramValue() in test/security/tenant-isolation.test.ts which resource each names.',
    ).toEqual([]);
    const outside = listRoutes(env.app).filter((r) => !r.path.startsWith('/v1/') && r.params.length > 0);
    expect(
      outside.filter((r) => !PUBLIC_SELF_AUTHENTICATED.some((p) => r.path.startsWith(p))).map(routeKey),
      'A parameterised route outside /v1 must authenticate itself; list it in PUBLIC_SELF_AUTHENTICATED ' +
        'with a test of its signature',
    ).toEqual([]);
  });

  it("answers a portal member of A on B's ids with 404, never B's data, and leaves B untouched", async () => {
    // Runs before the upsert pass below gives A namesakes of B's resources (a product 'B-SKU-1').
    expect(
      (await a.call('PUT', '/v1/members/A-PORTAL', { firstName: 'پریا', mobile: '09120009999' })).status,
    ).toBe(201);
    const asked = await env.app.inject({
      method: 'POST',
      url: '/portal/api/otp',
      payload: { clubId: a.clubId, mobile: '09120009999' },
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const file = join(smsDir, 'messages.jsonl');
    const sms = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const texts = sms
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { to: string; text: string })
      .filter((m) => m.to === '+989120009999');
    const code = /(\d{6})/.exec(texts.pop()?.text ?? '')?.[1];
    expect(code, 'no sign-in code was sent to the portal member').toBeTruthy();
    const signedIn = await env.app.inject({
      method: 'POST',
      url: '/portal/api/session',
      payload: { clubId: a.clubId, mobile: '09120009999', code },
    });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    const csrf = JSON.parse(signedIn.body).csrfToken as string;
    const before = await fingerprint(env.db, b.clubId);
    const failures: string[] = [];
    const portalRoutes = listRoutes(env.app).filter(
      (r) => r.path.startsWith('/portal/api/') && r.params.length,
    );
    expect(portalRoutes.length).toBeGreaterThan(0);
    for (const r of portalRoutes) {
      const path = r.path.replace(/:(\w+)/g, (_, p: string) => {
        const v = paramValue(r, p, b);
        if (v === null) failures.push(`${routeKey(r)}: teach paramValue() the portal parameter :${p}`);
        return encodeURIComponent(v ?? 'x');
      });
      const res = await env.app.inject({
        method: r.method as 'GET',
        url: path,
        headers: { cookie, 'x-csrf-token': csrf },
        ...(r.method === 'GET' ? {} : { payload: PORTAL_BODIES[routeKey(r)] ?? {} }),
      });
      const leaks = leaked(res.body);
      if (leaks.length) failures.push(`${routeKey(r)}: answer carries B's ${leaks.join(', ')}`);
      if (res.statusCode !== 404)
        failures.push(
          `${routeKey(r)}: expected 404 for B's id, got ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
    }
    expect(failures).toEqual([]);
    expect(await fingerprint(env.db, b.clubId)).toEqual(before);
  });

  it("answers club A's key on club B's ids with 404, never B's data, and leaves B untouched", async () => {
    const before = await fingerprint(env.db, b.clubId);
    const failures: string[] = [];
    let checked = 0;
    // Upserts last: once A has its own 'B-MEM-1' the member routes would rightly answer A's data.
    const withParams = routes().filter((x) => x.params.length > 0);
    const ordered = [
      ...withParams.filter((r) => !RECIPES[routeKey(r)]?.upsert),
      ...withParams.filter((r) => RECIPES[routeKey(r)]?.upsert),
    ];
    for (const r of ordered) {
      const key = routeKey(r);
      const recipe = RECIPES[key] ?? {};
      const path = r.path.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(paramValue(r, p, b)!));
      const hasBody = r.method !== 'GET' && r.method !== 'DELETE';
      const res = await a.call(r.method as 'GET', path, hasBody ? (recipe.body?.(b) ?? {}) : undefined);
      checked++;
      const text = JSON.stringify(res.body ?? '');
      const leaks = leaked(text);
      if (leaks.length) failures.push(`${key}: answer carries B's ${leaks.join(', ')}`);
      if (res.status === 400)
        failures.push(
          `${key}: 400 ${text.slice(0, 200)} — the generic body does not pass validation, so isolation is ` +
            'untested: add a body recipe to RECIPES in test/security/tenant-isolation.test.ts',
        );
      else if (recipe.upsert) {
        if (res.status >= 300 && res.status !== 404) failures.push(`${key}: upsert answered ${res.status}`);
      } else if (res.status !== 404 && res.status !== 422)
        failures.push(
          `${key}: expected 404 with A's key on B's ids, got ${res.status} ${text.slice(0, 200)}`,
        );
      else expect(res.headers['content-type'], key).toMatch(/^application\/problem\+json/);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(30);
    expect(await fingerprint(env.db, b.clubId)).toEqual(before);
  });

  // Before the body references: a refused referral is recorded in A's own list with the code A sent,
  // which would read as B's code here.
  it("shows none of B's data in any list or settings route of A", async () => {
    let n = 0;
    for (const r of routes().filter((x) => x.method === 'GET' && x.params.length === 0)) {
      const res = await a.call('GET', r.path + (LIST_QUERIES[routeKey(r)]?.(b) ?? ''));
      const hint =
        res.status === 400
          ? ' — a required query: add it to LIST_QUERIES in test/security/tenant-isolation.test.ts'
          : '';
      expect(res.status, `${routeKey(r)}: ${JSON.stringify(res.body)}${hint}`).toBe(200);
      expect(leaked(JSON.stringify(res.body)), routeKey(r)).toEqual([]);
      n++;
    }
    expect(n).toBeGreaterThanOrEqual(10);
  });

  it("refuses B's ids named in a body with 404 or 422, writing nothing", async () => {
    const before = await fingerprint(env.db, b.clubId);
    for (const ref of BODY_REFERENCES) {
      const sent = ref.body(b);
      const res = await a.call(ref.method, ref.url, sent);
      const text = JSON.stringify(res.body);
      // An id A itself sent may be echoed back (a coupon validation names the code it refused): only the
      // markers A did not send are B's data.
      const echo = JSON.stringify(sent);
      expect(
        leaked(text).filter((m) => !echo.includes(m)),
        `${ref.method} ${ref.url}`,
      ).toEqual([]);
      if (ref.url === '/v1/orders/batch') {
        // A batch answers per order: the order naming B's member must be the failed one.
        expect(res.status, text).toBe(200);
        expect(res.body.failed, text).toBe(1);
        expect(text).toContain('member_not_found');
      } else if (ref.unknownAnswer) {
        const made = await a.call(ref.method, ref.url, ref.unknownAnswer.body(b));
        for (const r of [res, made])
          expect([r.status, r.body?.code], `${ref.method} ${ref.url}: ${JSON.stringify(r.body)}`).toEqual([
            ref.unknownAnswer.status,
            ref.unknownAnswer.code,
          ]);
      } else if (!(res.status === 200 && ref.emptyOk?.(res.body)))
        expect([404, 422], `${ref.method} ${ref.url}: ${res.status} ${text}`).toContain(res.status);
    }
    expect(await fingerprint(env.db, b.clubId)).toEqual(before);
  });

  it("keeps B's nested resources hidden even when A has a member with the same external id", async () => {
    // External ids are per club, so A may well have a member 'B-MEM-1' too: the nested lookups
    // (redemption, watch) must still be scoped by club, not only through the member.
    // (The upsert pass above already made it; make sure.)
    expect(
      (await a.call('PUT', `/v1/members/${b.memberExternalId}`, { firstName: 'سایه' })).status,
    ).toBeLessThan(300);
    const before = await fingerprint(env.db, b.clubId);
    const failures: string[] = [];
    for (const r of routes().filter((x) => x.path.startsWith('/v1/members/:externalId/'))) {
      const key = routeKey(r);
      const recipe = RECIPES[key] ?? {};
      const path = r.path.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(paramValue(r, p, b)!));
      const hasBody = r.method !== 'GET' && r.method !== 'DELETE';
      const res = await a.call(r.method as 'GET', path, hasBody ? (recipe.body?.(b) ?? {}) : undefined);
      const leaks = leaked(JSON.stringify(res.body ?? ''));
      if (leaks.length) failures.push(`${key}: answer carries B's ${leaks.join(', ')}`);
      // With a second parameter the resource is B's: it must not be found through A's namesake.
      // (A product sku is per club too, and A has its own 'B-SKU-1' by now: a watch on it is A's own.)
      if (r.params.length > 1 && !r.params.includes('sku') && res.status !== 404 && !recipe.upsert)
        failures.push(`${key}: expected 404 for B's nested id, got ${res.status}`);
    }
    expect(failures).toEqual([]);
    expect(await fingerprint(env.db, b.clubId)).toEqual(before);
  });
});
