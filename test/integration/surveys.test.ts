import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import { createVoc, vocModule } from '../../src/modules/voc/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

describe.each(BACKENDS)('surveys on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, vocModule] });
    club = await env.newClub();
  });
  afterAll(async () => env?.close());

  const voc = () => createVoc(env.ctx);
  const member = async (c: TestClub = club) => {
    const m = uid('M');
    await c.call('PUT', `/v1/members/${m}`, { firstName: 'علی', mobile: null, consentSms: true });
    return m;
  };
  const survey = async (c: TestClub, kind: 'nps' | 'csat' | 'ces', questions: unknown[] = []) =>
    (
      await c.call('POST', '/v1/surveys', {
        kind,
        title: `نظرسنجی ${kind}`,
        question: 'چقدر راضی بودید؟',
        questions,
      })
    ).body;
  const touchpoint = async (c: TestClub, surveyId: string, over: Record<string, unknown> = {}) =>
    (
      await c.call('POST', '/v1/surveys/touchpoints', {
        surveyId,
        trigger: 'manual',
        department: 'support',
        ...over,
      })
    ).body;
  /** Sends due invitations and answers the links of the `survey.due` events written, by member. */
  const tokens = async (c: TestClub) => {
    const { rows } = await env.db.query<{ payload: any }>(
      `select payload from outbox_events where club_id = $1 and type = 'survey.due' order by event_no`,
      [c.clubId],
    );
    return rows.map((r) => r.payload);
  };
  const publicCall = async (method: 'GET' | 'POST', token: string, body?: unknown) => {
    const res = await env.app.inject({
      method,
      url: `/s/${token}`,
      ...(body ? { payload: body as object } : {}),
    });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };

  it('sends a personal link, takes one answer without a login, and refuses bad answers', async () => {
    await club.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0 });
    await club.call('POST', '/v1/rules', {
      kind: 'event',
      name: 'Thanks for answering',
      priority: 10,
      config: { eventType: 'survey_answered', points: 20 },
    });
    const s = await survey(club, 'nps', [
      { id: 'reason', type: 'choice', text: 'مهم‌ترین دلیل؟', choices: ['قیمت', 'ارسال', 'کیفیت'] },
      { id: 'more', type: 'text', text: 'پیشنهاد شما؟' },
    ]);
    expect(s.kind).toBe('nps');
    const tp = await touchpoint(club, s.id);
    const m = await member();
    const inv = await club.call('POST', '/v1/surveys/invitations', {
      touchpointId: tp.id,
      memberExternalId: m,
    });
    expect(inv.status).toBe(201);
    expect(await voc().surveys.sendDue(club.clubId)).toEqual({ sent: 1, throttled: 0, cancelled: 0 });
    const [due] = await tokens(club);
    expect(due).toMatchObject({ surveyTitle: 'نظرسنجی nps', department: 'support', channel: 'sms' });
    expect(due.url).toBe(`http://127.0.0.1:3000/s/${due.token}`);
    expect(due.token.length).toBeGreaterThanOrEqual(40);
    // The token itself is not stored, only its hash.
    const stored = await env.db.query('select 1 from survey_invitations where token_hash = $1', [due.token]);
    expect(stored.rows).toEqual([]);

    const page = await publicCall('GET', due.token);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ kind: 'nps', scale: { min: 0, max: 10 } });

    for (const [body, field] of [
      [{ score: 11 }, 'score'],
      [{ score: -1 }, 'score'],
      [{ score: 9, answers: { reason: 'رنگ' } }, 'answers.reason'],
      [{ score: 9, answers: { nope: 'x' } }, 'answers.nope'],
      [{ score: 9.5 }, 'score'],
    ] as const) {
      const bad = await publicCall('POST', due.token, body);
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe(field);
    }
    // Nothing was written by the refused answers.
    expect(
      (await club.call('GET', `/v1/surveys/invitations?memberExternalId=${m}`)).body.items[0].status,
    ).toBe('sent');

    const ok = await publicCall('POST', due.token, {
      score: 9,
      comment: 'عالی بود',
      answers: { reason: 'ارسال' },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ followUpComplaintId: null, pointsAwarded: 20 });
    const reused = await publicCall('POST', due.token, { score: 10 });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('survey_already_answered');
    expect((await publicCall('GET', 'not-a-token')).status).toBe(404);
    expect((await club.call('GET', `/v1/members/${m}/points`)).body.available).toBe(20);
    const comments = await club.call('GET', `/v1/surveys/comments?surveyId=${s.id}`);
    expect(comments.body.items).toMatchObject([{ memberExternalId: m, score: 9, comment: 'عالی بود' }]);
  });

  it('computes NPS, CSAT and CES per period against hand-computed examples; skips do not count', async () => {
    const c = await env.newClub();
    await c.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0, followUpComplaints: false });
    const answerAll = async (
      kind: 'nps' | 'csat' | 'ces',
      scores: Array<number | null>,
      department: string,
    ) => {
      const s = await survey(c, kind);
      const tp = await touchpoint(c, s.id, { department });
      for (const _ of scores)
        await c.call('POST', '/v1/surveys/invitations', {
          touchpointId: tp.id,
          memberExternalId: await member(c),
        });
      // One more member is asked and never answers: the response rate shows it.
      await c.call('POST', '/v1/surveys/invitations', {
        touchpointId: tp.id,
        memberExternalId: await member(c),
      });
      await voc().surveys.sendDue(c.clubId);
      const due = (await tokens(c)).filter((d) => d.surveyId === s.id);
      for (let i = 0; i < scores.length; i++)
        expect((await publicCall('POST', due[i].token, { score: scores[i] })).status).toBe(201);
      return s.id as string;
    };
    const nps = await answerAll('nps', [10, 9, 7, 5, null], 'delivery');
    const csat = await answerAll('csat', [5, 4, 3, 1], 'support');
    const ces = await answerAll('ces', [7, 6, 2], 'product');
    const res = await c.call('GET', '/v1/surveys/results?split=survey&by=week');
    expect(res.status).toBe(200);
    const of = (id: string) => res.body.series.find((x: any) => x.key === id);
    // NPS: 2 promoters, 1 passive, 1 detractor of 4 scored answers (the skip is not one): (2 − 1) / 4 = 25.
    expect(of(nps).total).toMatchObject({
      sent: 6,
      answeredOfSent: 5,
      responseRate: 83.3,
      responses: 4,
      score: 25,
      promoters: 2,
      passives: 1,
      detractors: 1,
      mean: 7.8,
    });
    // CSAT: 5 and 4 of 4 answers = 50 %; mean 13 / 4 = 3.3 (3.25 rounds up).
    expect(of(csat).total).toMatchObject({ responses: 4, score: 50, mean: 3.3, responseRate: 80 });
    // CES: 7 and 6 of 3 answers = 66.7 %; mean 15 / 3 = 5.
    expect(of(ces).total).toMatchObject({ responses: 3, score: 66.7, mean: 5, satisfied: 2 });
    expect(of(nps).periods).toHaveLength(1);
    expect(of(nps).periods[0].period).toMatch(/^\d{4}-\d\d-\d\d$/);
    const byDept = await c.call('GET', '/v1/surveys/results?split=department&by=month&department=delivery');
    expect(byDept.body.series).toHaveLength(1);
    expect(byDept.body.series[0]).toMatchObject({ kind: 'nps', key: 'delivery', total: { score: 25 } });
    expect(byDept.body.series[0].periods[0].period).toMatch(/^14\d\d-\d\d$/);
  });

  it('throttles by the cooldown, never asks twice about one order, and counts the dropped sends', async () => {
    const c = await env.newClub();
    const s = await survey(c, 'csat');
    const tp = await touchpoint(c, s.id);
    const tp2 = await touchpoint(c, s.id, { department: 'sales' });
    const m = await member(c);
    const order = uid('O');
    await c.call('POST', '/v1/orders', {
      externalId: order,
      memberExternalId: m,
      placedAt: new Date(env.clock.now().getTime() - 86_400_000).toISOString(),
      totalRials: 1_000_000,
      status: 'paid',
      lines: [{ sku: 'BK-1', quantity: 1, unitPriceRials: 1_000_000 }],
    });
    const first = await c.call('POST', '/v1/surveys/invitations', {
      touchpointId: tp.id,
      memberExternalId: m,
      orderExternalId: order,
    });
    expect(first.status).toBe(201);
    const twice = await c.call('POST', '/v1/surveys/invitations', {
      touchpointId: tp2.id,
      memberExternalId: m,
      orderExternalId: order,
    });
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual({ invitation: null, duplicate: true });
    expect((await voc().surveys.sendDue(c.clubId)).sent).toBe(1);
    // A second survey within the default 30-day cooldown is dropped and counted.
    await c.call('POST', '/v1/surveys/invitations', { touchpointId: tp2.id, memberExternalId: m });
    expect(await voc().surveys.sendDue(c.clubId)).toEqual({ sent: 0, throttled: 1, cancelled: 0 });
    const res = await c.call('GET', '/v1/surveys/results?split=touchpoint');
    expect(res.body.series.find((x: any) => x.key === tp2.id).throttled).toBe(1);
    // Another club's member or order is refused.
    const other = await env.newClub();
    const stranger = await member(other);
    const refused = await c.call('POST', '/v1/surveys/invitations', {
      touchpointId: tp.id,
      memberExternalId: stranger,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].field).toBe('memberExternalId');
  });

  it('opens a follow-up complaint for a detractor and expires links', async () => {
    const c = await env.newClub();
    await c.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0, surveyLinkTtlHours: 48 });
    const s = await survey(c, 'nps');
    const tp = await touchpoint(c, s.id);
    const [a, b] = [await member(c), await member(c)];
    for (const m of [a, b])
      await c.call('POST', '/v1/surveys/invitations', { touchpointId: tp.id, memberExternalId: m });
    await voc().surveys.sendDue(c.clubId);
    const due = await tokens(c);
    const answered = await publicCall('POST', due[0].token, { score: 2, comment: 'بسته باز شده بود' });
    expect(answered.body.followUpComplaintId).toMatch(/^cmp_/);
    const complaint = await c.call('GET', `/v1/complaints/${answered.body.followUpComplaintId}`);
    expect(complaint.body).toMatchObject({
      channel: 'survey',
      priority: 'high',
      surveyResponseId: answered.body.responseId,
    });
    expect(complaint.body.description).toContain('بسته باز شده بود');
    env.clock.advanceDays(3);
    const expired = await publicCall('POST', due[1].token, { score: 9 });
    expect(expired.status).toBe(410);
    expect(expired.body.code).toBe('survey_link_expired');
    expect((await c.call('GET', `/v1/surveys/invitations?memberExternalId=${b}`)).body.items[0].status).toBe(
      'sent',
    );
  });

  it('schedules touchpoints: order delivered, and a CSAT survey a day after a complaint is resolved', async () => {
    const c = await env.newClub();
    await c.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0 });
    await c.call('PUT', '/v1/complaints/root-causes', { items: [{ key: 'late', nameFa: 'تأخیر' }] });
    const s = await survey(c, 'csat');
    const delivered = await touchpoint(c, s.id, {
      trigger: 'order_delivered',
      department: 'delivery',
      delayHours: 2,
    });
    const resolved = await touchpoint(c, s.id, { trigger: 'complaint_resolved', department: 'support' });
    expect(resolved.delayHours).toBe(24);
    const m = await member(c);
    const now = env.clock.now().getTime();
    const order = uid('O');
    const o = await c.call('POST', '/v1/orders', {
      externalId: order,
      memberExternalId: m,
      placedAt: new Date(now - 2 * 86_400_000).toISOString(),
      totalRials: 1_000_000,
      status: 'delivered',
      statusAt: new Date(now - 60_000).toISOString(),
      lines: [{ sku: 'BK-1', quantity: 1, unitPriceRials: 1_000_000 }],
    });
    expect(o.status).toBe(201);
    expect(await voc().surveys.scheduleTouchpoints(c.clubId)).toBe(1);
    expect(await voc().surveys.scheduleTouchpoints(c.clubId)).toBe(0); // never twice for one order
    const inv = (await c.call('GET', `/v1/surveys/invitations?memberExternalId=${m}`)).body.items;
    expect(inv).toMatchObject([{ touchpointId: delivered.id, subjectType: 'order', status: 'scheduled' }]);
    expect(new Date(inv[0].dueAt).getTime() - (now - 60_000)).toBeGreaterThan(2 * 3_600_000 - 5_000);

    const cmp = (await c.call('POST', '/v1/complaints', { memberExternalId: m, description: 'دیر رسید' }))
      .body;
    await c.call('POST', `/v1/complaints/${cmp.id}/transitions`, { to: 'resolved', rootCause: 'late' });
    expect((await voc().surveys.sendDue(c.clubId)).sent).toBe(0); // not due yet
    env.clock.advanceDays(1.1);
    expect((await voc().surveys.sendDue(c.clubId)).sent).toBe(2);
    const kinds = (await tokens(c)).map((d) => d.touchpointId).sort();
    expect(kinds).toEqual([delivered.id, resolved.id].sort());
  });
});
