import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditClub } from '../../src/cli/audit.js';
import { loadDemoClub } from '../../src/cli/demo-loader.js';
import { createDispatcher } from '../../src/modules/notifications/index.js';
import { demoPortalMember } from '../../src/modules/portal/index.js';
import { BACKENDS, setupEnv, type TestEnv } from '../helpers.js';

/**
 * The demo club (a tenth of what `npm start` loads, same generator and seeding) has data behind every
 * page of the dashboard and the portal, read back through the API: price histories with a signal and
 * the portal member's watches and alerts, complaints in every state (the portal member's among them),
 * survey trends and a pending survey, an open raffle the member can enter, a finished campaign whose
 * control-group report has numbers, the member's referrals; and its ledger is exact.
 */
describe.each(BACKENDS)('the demo club covers every page ($name)', ({ url }) => {
  let env: TestEnv;
  let clubId = '';
  let apiKey = '';
  let member = '';

  async function call<T = any>(method: 'GET' | 'POST', path: string, body?: unknown) {
    const res = await env.app.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${apiKey}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: JSON.parse(res.body || 'null') as T };
  }

  beforeAll(async () => {
    env = await setupEnv(url);
    const demo = await loadDemoClub(env.db, { members: 300, orders: 2500 });
    ({ clubId, apiKey } = demo);
    const portal = await demoPortalMember(env.ctx, clubId);
    expect(portal?.mobile).toBe(demo.portalMember?.mobile);
    member = portal!.externalId;
  }, 300_000);
  afterAll(async () => {
    await env?.close();
  });

  it('has the catalogue with price histories, and lists products by sku or title page by page', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Array<{ sku: string }>; nextCursor: string | null } } =
        await call('GET', `/v1/products?limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      all.push(...page.body.items.map((p) => p.sku));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(all.length).toBe(150);
    expect(new Set(all).size).toBe(150);
    expect([...all].sort()).toEqual(all);

    // An exact sku comes first, then the skus starting with it; pages never repeat or skip one.
    const mob = await call('GET', '/v1/products?q=MOB-0001&limit=1');
    expect(mob.body.items.map((p: { sku: string }) => p.sku)).toEqual(['MOB-0001']);
    const prefix: string[] = [];
    cursor = null;
    do {
      const page: { body: { items: Array<{ sku: string }>; nextCursor: string | null } } = await call(
        'GET',
        `/v1/products?q=MOB-000&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      prefix.push(...page.body.items.map((p) => p.sku));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(prefix).toEqual(Array.from({ length: 9 }, (_, i) => `MOB-000${i + 1}`));
    // A fragment of the Persian or English title.
    const phones = await call('GET', `/v1/products?q=${encodeURIComponent('گوشی موبایل')}&limit=100`);
    expect(phones.body.items.length).toBe(14);
    expect(phones.body.items[0].currentPrice.priceRials).toBeGreaterThan(0);
    const tea = await call('GET', '/v1/products?q=tea&limit=100');
    expect(tea.body.items.length).toBeGreaterThan(0);
    expect(tea.body.items.every((p: { titleEn: string }) => /tea/i.test(p.titleEn))).toBe(true);

    const bad = await call('GET', '/v1/products?cursor=not-a-cursor');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('cursor');
    const tooMany = await call('GET', '/v1/products?limit=1000');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('limit');
  });

  it('gives the portal member three watched products whose signals say buy and wait, and alerts', async () => {
    const watches = await call('GET', `/v1/members/${member}/watches`);
    expect(watches.body.items).toHaveLength(3);
    const signals: string[] = [];
    for (const w of watches.body.items) {
      const h = await call('GET', `/v1/products/${w.sku}/price-history?resolution=day`);
      expect(h.status).toBe(200);
      expect(h.body.series.length).toBeGreaterThan(300);
      signals.push(h.body.signal.action);
      // A year of history with discounts: the lowest price of the year is well under the highest.
      const year = h.body.stats.windows.find((x: { days: number }) => x.days === 365);
      expect(year.minRials).toBeLessThan(year.maxRials * 0.9);
    }
    expect(signals).toContain('buy');
    expect(signals).toContain('wait');
    const mine = await call('GET', `/v1/members/${member}/price-alerts`);
    expect(mine.body.items.map((a: { reason: string }) => a.reason)).toContain('target');
    const club = await call('GET', '/v1/price-alerts?limit=100');
    expect(club.body.items.length).toBeGreaterThan(5);
  });

  it('has complaint categories, root causes, and complaints open, overdue and resolved', async () => {
    expect((await call('GET', '/v1/complaints/categories')).body.items.length).toBeGreaterThan(4);
    expect((await call('GET', '/v1/complaints/root-causes')).body.items.length).toBeGreaterThan(4);
    const queue = await call('GET', '/v1/complaints/reports/queue');
    expect(queue.body.open.complaints).toBeGreaterThanOrEqual(4);
    expect(queue.body.open.breached).toBeGreaterThanOrEqual(2);
    const theirs = await call('GET', `/v1/complaints?memberExternalId=${member}`);
    const statuses = theirs.body.items.map((c: { status: string }) => c.status);
    expect(statuses).toContain('resolved');
    expect(statuses).toContain('waiting_on_customer');
    const resolved = theirs.body.items.find((c: { status: string }) => c.status === 'resolved');
    const full = await call('GET', `/v1/complaints/${resolved.id}`);
    expect(full.body.rootCause).toBe('packaging');
    expect(full.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['created', 'status', 'reply', 'compensation']),
    );
    const report = await call('GET', '/v1/complaints/reports/root-causes?by=month');
    expect(report.status).toBe(200);
  });

  it('has survey trends per touchpoint and a pending survey for the portal member', async () => {
    expect((await call('GET', '/v1/surveys/touchpoints')).body.items.length).toBeGreaterThanOrEqual(3);
    const results = await call('GET', '/v1/surveys/results?split=survey&by=month');
    expect(results.status).toBe(200);
    // Months with answers, per measure: NPS and CSAT have a trend; CES (after resolved complaints, few
    // in a club this small) has answers.
    const months = new Map<string, number>();
    for (const s of results.body.series) {
      const answered = s.periods.filter((p: { responses: number }) => p.responses > 0).length;
      months.set(s.kind, Math.max(months.get(s.kind) ?? 0, answered));
    }
    expect(months.get('nps')).toBeGreaterThanOrEqual(2);
    expect(months.get('csat')).toBeGreaterThanOrEqual(5);
    expect(months.get('ces')).toBeGreaterThanOrEqual(1);
    const sent = await call('GET', `/v1/surveys/invitations?memberExternalId=${member}&status=sent`);
    const pending = sent.body.items.filter(
      (i: { expiresAt: string }) => Date.parse(i.expiresAt) > Date.now(),
    );
    expect(pending.length).toBeGreaterThanOrEqual(1);
  });

  it('has an open raffle the portal member can enter, spending points', async () => {
    const raffles = await call('GET', '/v1/raffles');
    const open = raffles.body.items.find(
      (r: { status: string; closesAt: string }) => r.status === 'open' && Date.parse(r.closesAt) > Date.now(),
    );
    expect(open).toBeDefined();
    const before = (await call('GET', `/v1/members/${member}/points`)).body.available;
    const entry = await call('POST', `/v1/raffles/${open.id}/entries`, { memberExternalId: member });
    expect(entry.status, JSON.stringify(entry.body)).toBe(201);
    const after = (await call('GET', `/v1/members/${member}/points`)).body.available;
    expect(before - after).toBe(open.entryCostPoints);
  });

  it('has a finished campaign whose control-group report has numbers', async () => {
    const campaigns = await call('GET', '/v1/campaigns');
    const ended = campaigns.body.items.find((c: { status: string }) => c.status === 'ended');
    expect(ended).toBeDefined();
    const report = await call('GET', `/v1/campaigns/${ended.id}/report`);
    expect(report.status).toBe(200);
    const w = report.body.window;
    expect(w.treated.members).toBeGreaterThan(0);
    expect(w.control.members).toBeGreaterThan(0);
    expect(w.treated.ordersPerMember).toBeGreaterThan(0);
    expect(w.treated.revenuePerMemberRials).toBeGreaterThan(0);
    expect(report.body.cost.rials).toBeGreaterThan(0);
  });

  it('has referrals, the portal member’s friends among them, one rewarded', async () => {
    const rewarded = await call('GET', '/v1/referrals?status=rewarded');
    expect(
      rewarded.body.items.some((r: { referrerExternalId: string }) => r.referrerExternalId === member),
    ).toBe(true);
    const stats = await call('GET', '/v1/referrals/stats');
    expect(stats.body.accepted).toBeGreaterThan(0);
    expect(stats.body.refused).toBeGreaterThan(0);
  });

  it('has message templates, and the week’s complaint and survey steps become the member’s messages', async () => {
    const templates = await call('GET', '/v1/notifications/templates');
    const events = new Set(templates.body.items.map((t: { eventType: string }) => t.eventType));
    expect([...events].sort()).toEqual([
      'complaint.created',
      'complaint.replied',
      'complaint.status_changed',
      'survey.due',
    ]);
    // What the server's outbox job does once it starts.
    await createDispatcher(env.ctx).dispatchDue(60_000);
    const messages = await call('GET', `/v1/members/${member}/messages?limit=50`);
    const types = new Set(messages.body.items.map((m: { eventType: string }) => m.eventType));
    expect(types.has('survey.due')).toBe(true);
    expect(types.has('complaint.status_changed')).toBe(true);
  });

  it('keeps the ledger exact', async () => {
    const r = await auditClub(env.db, clubId);
    expect(r.differences).toBe(0);
    expect(r.ok).toBe(true);
  });
});
