import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import { createVoc, vocModule } from '../../src/modules/voc/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/** The voc reads and the note the staff dashboard uses (src/modules/voc/staff-views.ts). */
describe.each(BACKENDS)('voc staff views on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  let n = 0;
  const uid = (p: string) => `${p}-${Date.now().toString(36)}-${++n}`;
  beforeAll(async () => {
    env = await setupEnv(url, { modules: [...MODULES, vocModule] });
    club = await env.newClub();
    await club.call('PUT', '/v1/complaints/root-causes', { items: [{ key: 'carrier', nameFa: 'پیک' }] });
    await club.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0 });
  });
  afterAll(async () => env?.close());

  const member = async (c: TestClub = club) => {
    const m = uid('M');
    await c.call('PUT', `/v1/members/${m}`, { firstName: 'نگار', consentSms: true });
    return m;
  };
  const complain = async (m: string, priority = 'normal') => {
    const res = await club.call('POST', '/v1/complaints', {
      memberExternalId: m,
      description: 'کالا آسیب دیده رسید',
      priority,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('lists open complaints only, and by priority', async () => {
    const m = await member();
    const a = await complain(m, 'urgent');
    const b = await complain(m, 'low');
    await club.call('POST', `/v1/complaints/${b}/transitions`, { to: 'resolved', rootCause: 'carrier' });
    const ids = async (q: string) =>
      (await club.call('GET', `/v1/complaints?memberExternalId=${m}&${q}`)).body.items.map((c: any) => c.id);
    expect(await ids('isOpen=true')).toEqual([a]);
    expect(await ids('isOpen=false')).toEqual([b]);
    expect(await ids('priority=urgent')).toEqual([a]);
    expect(await ids('priority=low&isOpen=true')).toEqual([]);
    const bad = await club.call('GET', '/v1/complaints?priority=critical');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('priority');
    expect((await club.call('GET', '/v1/complaints?isOpen=maybe')).status).toBe(400);
  });

  it('adds an internal note: on the timeline, not sent, not a first response', async () => {
    const m = await member();
    const id = await complain(m);
    const res = await club.call('POST', `/v1/complaints/${id}/notes`, {
      note: 'با انبار تماس گرفتم',
      author: 'Sara',
    });
    expect(res.status).toBe(201);
    const last = res.body.timeline.at(-1);
    expect(last).toMatchObject({
      kind: 'note',
      authorType: 'staff',
      author: 'Sara',
      internalNote: 'با انبار تماس گرفتم',
      customerNote: null,
    });
    expect(res.body.status).toBe('new');
    expect(res.body.sla.firstResponse.state).not.toBe('met');
    const { rows } = await env.db.query(
      `select 1 from outbox_events where club_id = $1 and type like 'complaint.%' and payload->>'complaintId' = $2
         and type <> 'complaint.created'`,
      [club.clubId, id],
    );
    expect(rows).toEqual([]);
    // Without an author the API key is the author; an empty note names its field.
    const anon = await club.call('POST', `/v1/complaints/${id}/notes`, { note: 'دوم' });
    expect(anon.body.timeline.at(-1).author).toMatch(/^key_|^[a-z]/);
    const empty = await club.call('POST', `/v1/complaints/${id}/notes`, { note: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('note');
    expect((await club.call('POST', '/v1/complaints/cmp_nope/notes', { note: 'x' })).status).toBe(404);
  });

  it('counts the open queue by status, priority and assignee with the SLA flags', async () => {
    const c = await env.newClub();
    await c.call('PUT', '/v1/complaints/root-causes', { items: [{ key: 'carrier', nameFa: 'پیک' }] });
    const m = uid('M');
    await c.call('PUT', `/v1/members/${m}`, { firstName: 'رضا' });
    const mk = async (priority: string) =>
      (await c.call('POST', '/v1/complaints', { memberExternalId: m, description: 'دیر رسید', priority }))
        .body.id as string;
    const u1 = await mk('urgent');
    await mk('urgent');
    const n1 = await mk('normal');
    const done = await mk('low');
    await c.call('PATCH', `/v1/complaints/${u1}`, { assignee: 'sara@shop.test' });
    await c.call('POST', `/v1/complaints/${n1}/transitions`, { to: 'in_progress' });
    await c.call('POST', `/v1/complaints/${done}/transitions`, { to: 'resolved', rootCause: 'carrier' });
    // Flags as the SLA job sets them: one breach and one warning.
    await env.db.query(
      `update complaints set breached_at = now(), warned_at = now() where club_id = $1 and complaint_id = $2`,
      [c.clubId, u1],
    );
    await env.db.query(`update complaints set warned_at = now() where club_id = $1 and complaint_id = $2`, [
      c.clubId,
      n1,
    ]);
    const q = (await c.call('GET', '/v1/complaints/reports/queue')).body;
    expect(q.open).toEqual({ complaints: 3, warning: 1, breached: 1 });
    expect(q.byStatus).toEqual([
      { status: 'new', complaints: 2, warning: 0, breached: 1 },
      { status: 'in_progress', complaints: 1, warning: 1, breached: 0 },
    ]);
    expect(q.byPriority).toEqual([
      { priority: 'urgent', complaints: 2, warning: 0, breached: 1 },
      { priority: 'normal', complaints: 1, warning: 1, breached: 0 },
    ]);
    expect(q.byAssignee).toEqual([
      { assignee: null, complaints: 2, warning: 1, breached: 0 },
      { assignee: 'sara@shop.test', complaints: 1, warning: 0, breached: 1 },
    ]);
    // Another club sees none of it.
    expect((await club.call('GET', '/v1/complaints/reports/queue')).body.byAssignee).not.toContainEqual(
      expect.objectContaining({ assignee: 'sara@shop.test' }),
    );
  });

  it("lists a member's survey answers with the survey, score, comment and follow-up complaint", async () => {
    const s = (
      await club.call('POST', '/v1/surveys', {
        kind: 'nps',
        title: 'نظرسنجی ارسال',
        question: 'چقدر ما را پیشنهاد می‌کنید؟',
        questions: [{ id: 'why', type: 'text', text: 'چرا؟' }],
      })
    ).body;
    const tp = (
      await club.call('POST', '/v1/surveys/touchpoints', {
        surveyId: s.id,
        trigger: 'manual',
        department: 'delivery',
      })
    ).body;
    const m = await member();
    const other = await member();
    for (const who of [m, other])
      await club.call('POST', '/v1/surveys/invitations', { touchpointId: tp.id, memberExternalId: who });
    await createVoc(env.ctx).surveys.sendDue(club.clubId);
    const { rows } = await env.db.query<{ payload: any }>(
      `select e.payload from outbox_events e where e.club_id = $1 and e.type = 'survey.due'`,
      [club.clubId],
    );
    const tokenOf = async (ext: string) => {
      const id = (await club.call('GET', `/v1/members/${ext}`)).body.id;
      return rows.find((r) => r.payload.memberId === id)!.payload.token as string;
    };
    const answer = (token: string, body: unknown) =>
      env.app.inject({ method: 'POST', url: `/s/${token}`, payload: body as object });
    expect(
      (await answer(await tokenOf(m), { score: 3, comment: 'دیر رسید', answers: { why: 'پیک' } })).statusCode,
    ).toBe(201);
    expect((await answer(await tokenOf(other), { score: 10 })).statusCode).toBe(201);

    const res = await club.call('GET', `/v1/surveys/responses?memberExternalId=${m}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const [r] = res.body.items;
    expect(r).toMatchObject({
      surveyId: s.id,
      surveyTitle: 'نظرسنجی ارسال',
      kind: 'nps',
      touchpointId: tp.id,
      department: 'delivery',
      memberExternalId: m,
      score: 3,
      comment: 'دیر رسید',
      answers: { why: 'پیک' },
    });
    // A detractor opened a follow-up complaint, and the answer points to it.
    const followUp = (await club.call('GET', `/v1/complaints?memberExternalId=${m}`)).body.items.find(
      (c: any) => c.channel === 'survey',
    );
    expect(r.followUpComplaintId).toBe(followUp.id);
    const all = await club.call('GET', `/v1/surveys/responses?surveyId=${s.id}&limit=1`);
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).not.toBeNull();
    const next = await club.call(
      'GET',
      `/v1/surveys/responses?surveyId=${s.id}&before=${all.body.nextCursor}`,
    );
    // The two pages hold both answers, each once.
    expect([...all.body.items, ...next.body.items].map((x: any) => x.memberExternalId).sort()).toEqual(
      [m, other].sort(),
    );
    expect((await club.call('GET', '/v1/surveys/responses?memberExternalId=nobody')).status).toBe(404);
  });

  it('documents the new routes in the OpenAPI document', async () => {
    const paths = JSON.parse((await env.app.inject({ method: 'GET', url: '/openapi.json' })).body).paths;
    expect(paths['/v1/surveys/responses'].get).toBeDefined();
    expect(paths['/v1/complaints/reports/queue'].get).toBeDefined();
    expect(paths['/v1/complaints/{complaintId}/notes'].post).toBeDefined();
    const params = paths['/v1/complaints'].get.parameters.map((p: any) => p.name);
    expect(params).toEqual(expect.arrayContaining(['isOpen', 'priority']));
  });
});
