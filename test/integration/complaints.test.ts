import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tehranMidnight, tehranParts } from '../../src/lib/tehran-time.js';
import { MODULES } from '../../src/modules/registry.js';
import { createVoc, vocModule } from '../../src/modules/voc/index.js';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('complaints on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, vocModule] });
    club = await env.newClub();
    await club.call('PUT', '/v1/complaints/categories', {
      items: [
        { key: 'delivery', nameFa: 'ارسال' },
        { key: 'delivery.late', parentKey: 'delivery', nameFa: 'تأخیر در ارسال' },
        { key: 'product', nameFa: 'کالا' },
      ],
    });
    await club.call('PUT', '/v1/complaints/root-causes', {
      items: [
        { key: 'carrier-delay', nameFa: 'تأخیر پیک' },
        { key: 'wrong-item', nameFa: 'ارسال کالای اشتباه' },
      ],
    });
  });
  afterAll(async () => env?.close());

  const member = async (c: TestClub = club) => {
    const m = uid('M');
    await c.call('PUT', `/v1/members/${m}`, { firstName: 'مریم' });
    return m;
  };
  const complain = (m: string, over: Record<string, unknown> = {}) =>
    club.call('POST', '/v1/complaints', {
      memberExternalId: m,
      category: 'delivery.late',
      description: 'سفارشم سه روز دیر رسید',
      ...over,
    });
  const move = (id: string, body: Record<string, unknown>) =>
    club.call('POST', `/v1/complaints/${id}/transitions`, body);
  /** Moves the test clock forward to an absolute instant. */
  const travelTo = (at: Date) => {
    const ms = at.getTime() - env.clock.now().getTime();
    if (ms < 0) throw new Error('the test clock only moves forward');
    env.clock.advanceDays(ms / 86_400_000);
  };
  const near = (iso: string | null, expected: Date) =>
    expect(Math.abs(new Date(iso!).getTime() - expected.getTime())).toBeLessThan(5_000);

  it('documents its routes in the OpenAPI document', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(JSON.parse(res.body).paths);
    for (const p of [
      '/v1/complaints',
      '/v1/surveys/results',
      '/s/{token}',
      '/v1/reviews',
      '/v1/promises/report',
    ]) {
      expect(paths).toContain(p);
    }
  });

  it('runs the SLA clock in business hours, skipping a holiday and pausing while waiting on the customer', async () => {
    // The next Wednesday at least two days ahead, 16:00 Tehran: one business hour left that day.
    const p = tehranParts(env.clock.now());
    let wed = tehranMidnight(p.gy, p.gm, p.gd + 2);
    while (new Date(wed.getTime() + 12 * 3_600_000).getUTCDay() !== 3)
      wed = new Date(wed.getTime() + 86_400_000);
    const day = (offset: number, hour: number) =>
      new Date(wed.getTime() + offset * 86_400_000 + hour * 3_600_000);
    const thursday = tehranParts(day(1, 12));
    const holiday = `${thursday.gy}-${String(thursday.gm).padStart(2, '0')}-${String(thursday.gd).padStart(2, '0')}`;
    const patched = await club.call('PATCH', '/v1/voc/settings', {
      holidays: [holiday],
      slaTargets: {
        low: { firstResponseMinutes: 960, resolutionMinutes: 4800 },
        normal: { firstResponseMinutes: 480, resolutionMinutes: 2400 },
        high: { firstResponseMinutes: 60, resolutionMinutes: 240 },
        urgent: { firstResponseMinutes: 30, resolutionMinutes: 120 },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.holidays).toEqual([holiday]);

    travelTo(day(0, 16));
    const m = await member();
    const c = await complain(m, { priority: 'high' });
    expect(c.status).toBe(201);
    // 4 business hours: Wed 16-17, Thursday is a holiday, Friday closed, then Sat 09-12.
    near(c.body.sla.resolution.dueAt, day(3, 12));
    expect(c.body.sla.firstResponse).toMatchObject({ targetMinutes: 60, usedMinutes: 0, state: 'ok' });

    travelTo(day(3, 10)); // Saturday 10:00: 2 business hours used.
    const waiting = await move(c.body.id, {
      to: 'waiting_on_customer',
      customerNote: 'لطفاً شماره سفارش را بفرستید.',
    });
    expect(waiting.status).toBe(200);
    expect(waiting.body.sla.paused).toBe(true);
    expect(waiting.body.sla.resolution).toMatchObject({ usedMinutes: 120, dueAt: null, state: 'ok' });
    // The first response came after 120 business minutes against a 60-minute target.
    expect(waiting.body.sla.firstResponse).toMatchObject({ usedMinutes: 120, state: 'missed' });

    travelTo(day(4, 10)); // Sunday 10:00: a day of waiting does not count.
    const paused = await club.call('GET', `/v1/complaints/${c.body.id}`);
    expect(paused.body.sla.resolution.usedMinutes).toBe(120);
    const replied = await club.call('POST', `/v1/complaints/${c.body.id}/replies`, {
      from: 'member',
      message: 'شماره سفارش ۱۲۳',
    });
    expect(replied.status).toBe(200);
    expect(replied.body.status).toBe('in_progress');
    near(replied.body.sla.resolution.dueAt, day(4, 12));

    const voc = createVoc(env.ctx);
    travelTo(day(4, 11 + 40 / 60)); // 220 of 240 minutes: past the 80 % warning.
    expect(await voc.complaints.scan(club.clubId)).toMatchObject({ warned: 1, breached: 0 });
    travelTo(day(4, 12 + 2 / 60));
    expect(await voc.complaints.scan(club.clubId)).toMatchObject({ breached: 1 });
    const breached = await club.call('GET', '/v1/complaints?slaState=breached');
    expect(breached.body.items.map((x: any) => x.id)).toEqual([c.body.id]);
    expect((await voc.complaints.scan(club.clubId)).breached).toBe(0); // flagged once
    const events = await env.db.query<{ type: string }>(
      `select type from outbox_events where club_id = $1 and type like 'complaint.sla%' order by event_no`,
      [club.clubId],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['complaint.sla_warning', 'complaint.sla_breached']);
  });

  it('refuses transitions the state machine forbids and changes nothing', async () => {
    const m = await member();
    const c = (await complain(m)).body;
    expect((await move(c.id, { to: 'acknowledged', customerNote: 'بررسی می‌کنیم' })).status).toBe(200);
    // Resolving needs a root cause from the club's list.
    const noCause = await move(c.id, { to: 'resolved' });
    expect(noCause.status).toBe(422);
    expect(noCause.body.code).toBe('root_cause_required');
    const badCause = await move(c.id, { to: 'resolved', rootCause: 'gremlins' });
    expect(badCause.body.errors[0].field).toBe('rootCause');
    const resolved = await move(c.id, {
      to: 'resolved',
      rootCause: 'carrier-delay',
      customerNote: 'با پیک صحبت شد و ۵۰۰ امتیاز جبرانی گرفتید.',
      compensation: { points: 500, couponCode: 'SORRY-20' },
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', rootCause: 'carrier-delay' });
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(500);

    const before = await club.call('GET', `/v1/complaints/${c.id}`);
    for (const to of ['new', 'in_progress', 'acknowledged', 'waiting_on_customer']) {
      const r = await move(c.id, { to });
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('complaint_transition_forbidden');
      expect(r.body.allowed).toEqual(['closed', 'reopened']);
    }
    expect((await club.call('GET', `/v1/complaints/${c.id}`)).body).toEqual(before.body);
    // Compensation only when resolving.
    const closing = await move(c.id, { to: 'closed', compensation: { points: 1 } });
    expect(closing.status).toBe(400);
    expect((await move(c.id, { to: 'closed' })).status).toBe(200);
    expect((await move(c.id, { to: 'reopened' })).body.code).toBe('complaint_transition_forbidden');
    // The timeline: created, acknowledged, resolved + compensation, closed; each with author and time.
    const t = (await club.call('GET', `/v1/complaints/${c.id}`)).body.timeline;
    expect(t.map((e: any) => [e.kind, e.toStatus])).toEqual([
      ['created', 'new'],
      ['status', 'acknowledged'],
      ['status', 'resolved'],
      ['compensation', null],
      ['status', 'closed'],
    ]);
    expect(t[1]).toMatchObject({ authorType: 'staff', customerNote: 'بررسی می‌کنیم' });
    expect(typeof t[1].author).toBe('string');
    // The customer heard on creation and on every status change.
    const { rows } = await env.db.query<{ type: string; payload: any }>(
      `select type, payload from outbox_events where club_id = $1 and payload->>'complaintId' = $2 order by event_no`,
      [club.clubId, c.id],
    );
    expect(rows.map((r) => [r.type, r.payload.to ?? r.payload.status])).toEqual([
      ['complaint.created', 'new'],
      ['complaint.status_changed', 'acknowledged'],
      ['complaint.status_changed', 'resolved'],
      ['complaint.status_changed', 'closed'],
    ]);
    expect(rows[2]!.payload).toMatchObject({ couponCode: 'SORRY-20', compensationPoints: 500 });
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
  });

  it('refuses another club’s member, unknown categories and orders, writing nothing', async () => {
    const other = await env.newClub();
    const stranger = await member(other);
    const r = await complain(stranger);
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'member_not_found', errors: [{ field: 'memberExternalId' }] });
    const m = await member();
    expect((await complain(m, { category: 'nope' })).body.errors[0].field).toBe('category');
    expect((await complain(m, { orderExternalId: 'O-none' })).body.errors[0].field).toBe('orderExternalId');
    expect((await complain(m, { priority: 'critical' })).status).toBe(400);
    const list = await club.call('GET', `/v1/complaints?memberExternalId=${m}`);
    expect(list.body.items).toEqual([]);
  });

  it('gives points for speaking up through the complaint_submitted rule, capped per month', async () => {
    const rule = await club.call('POST', '/v1/rules', {
      kind: 'event',
      name: 'Thanks for telling us',
      priority: 10,
      config: { eventType: 'complaint_submitted', points: 100, limit: { count: 2, period: 'month' } },
    });
    expect(rule.status).toBe(201);
    const m = await member();
    const points = [];
    for (let i = 0; i < 3; i++)
      points.push((await complain(m, { description: `شکایت ${i}` })).body.pointsAwarded);
    expect(points).toEqual([100, 100, 0]);
    // A retry with the same Idempotency-Key is the same complaint and earns nothing again.
    const key = uid('k');
    const first = await club.call(
      'POST',
      '/v1/complaints',
      { memberExternalId: m, description: 'تکراری' },
      { 'idempotency-key': key },
    );
    const again = await club.call(
      'POST',
      '/v1/complaints',
      { memberExternalId: m, description: 'تکراری' },
      { 'idempotency-key': key },
    );
    expect(again.body.id).toBe(first.body.id);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(200);
  });

  it('reopens on a reply within the window and opens a new complaint after it', async () => {
    const m = await member();
    const c = (await complain(m)).body;
    await move(c.id, { to: 'in_progress' });
    await move(c.id, { to: 'resolved', rootCause: 'wrong-item', customerNote: 'کالای درست ارسال شد.' });
    const reopened = await club.call('POST', `/v1/complaints/${c.id}/replies`, {
      from: 'member',
      message: 'هنوز نرسیده',
    });
    expect(reopened.body.status).toBe('reopened');
    expect(reopened.body.sla.paused).toBe(false);
    await move(c.id, { to: 'resolved', rootCause: 'wrong-item' });
    env.clock.advanceDays(8); // past the 7-day reopen window
    const later = await club.call('POST', `/v1/complaints/${c.id}/replies`, {
      from: 'member',
      message: 'دوباره خراب شد',
    });
    expect(later.status).toBe(201);
    expect(later.body).toMatchObject({
      status: 'new',
      previousComplaintId: c.id,
      description: 'دوباره خراب شد',
    });
    // The job closes resolved complaints past the window.
    const voc = createVoc(env.ctx);
    expect((await voc.complaints.scan(club.clubId)).closed).toBeGreaterThanOrEqual(1);
    expect((await club.call('GET', `/v1/complaints/${c.id}`)).body.status).toBe('closed');
  });

  it('reports root causes, repeat complainers, SLA compliance and recurrence', async () => {
    const m = await member();
    const ids = [];
    for (const cause of ['wrong-item', 'wrong-item', 'carrier-delay']) {
      const c = (await complain(m, { category: 'product' })).body;
      await move(c.id, { to: 'acknowledged' });
      await club.call('PATCH', `/v1/complaints/${c.id}`, { assignee: 'sara' });
      await move(c.id, { to: 'resolved', rootCause: cause });
      ids.push(c.id);
    }
    const causes = await club.call('GET', '/v1/complaints/reports/root-causes?by=week');
    expect(causes.status).toBe(200);
    expect(causes.body.totals[0].rootCause).toBe('wrong-item');
    expect(causes.body.rows[0].period).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const months = await club.call('GET', '/v1/complaints/reports/root-causes?by=month');
    expect(months.body.rows[0].period).toMatch(/^14\d\d-\d\d$/);

    const repeat = await club.call(
      'GET',
      '/v1/complaints/reports/repeat-complainers?days=30&minComplaints=3',
    );
    expect(repeat.body.items.map((x: any) => x.memberExternalId)).toContain(m);

    const sla = await club.call('GET', '/v1/complaints/reports/sla');
    const product = sla.body.byCategory.find((r: any) => r.key === 'product');
    expect(product).toMatchObject({
      resolved: 3,
      firstResponseMet: 3,
      resolutionMet: 3,
      resolutionRate: 100,
    });
    expect(sla.body.byAgent.find((r: any) => r.key === 'sara').resolved).toBe(3);

    const fix = await club.call('POST', '/v1/complaints/root-causes/wrong-item/fixes', {
      note: 'برچسب انبار اصلاح شد',
    });
    expect(fix.status).toBe(201);
    env.clock.advanceDays(1);
    const again = (await complain(m, { category: 'product' })).body;
    await move(again.id, { to: 'resolved', rootCause: 'wrong-item' });
    const rec = await club.call('GET', '/v1/complaints/reports/recurrence');
    expect(rec.body.items[0]).toMatchObject({ rootCause: 'wrong-item', complaintsAfter: 1 });
    expect(rec.body.items[0].complaintsBefore).toBeGreaterThanOrEqual(2);
    expect((await club.call('POST', '/v1/complaints/root-causes/nope/fixes', { note: 'x' })).status).toBe(
      404,
    );
  });
});
