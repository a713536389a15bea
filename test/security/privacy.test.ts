import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERSONAL_FIELDS, PERSONAL_ROWS } from '../../src/modules/members/privacy.repo.js';
import { staffOf } from '../../src/modules/staff/index.js';
import { createVoc } from '../../src/modules/voc/index.js';
import { BACKENDS, ledgerTotal, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

/**
 * Text and jsonb columns of member tables that hold no personal data, each with its reason. With
 * PERSONAL_FIELDS (src/modules/members/privacy.repo.ts) they must cover every such column: a column
 * added later fails the classification test until someone decides which it is.
 */
const NOT_PERSONAL: Record<string, string> = {
  // Ids, keys, codes, statuses and kinds: Vafa's or the shop's references, not facts about the person.
  '*._id': 'ids (the member id is the pseudonym that keeps the ledger summing)',
  '*._key': 'keys of club configuration',
  '*.status': 'workflow state',
  '*.kind': 'kind of record',
  '*.source_type': 'what caused a movement',
  '*.source_id': 'what caused a movement',
  '*.reason': 'a code from a fixed list (ledger reasons, tier changes, referral refusals)',
  '*.code': 'a coupon or referral code: a bearer token, not a fact about the person',
  '*.coupon_code': 'a coupon code',
  '*.external_id': 'the shop’s id of an order, event or invoice (the member’s own is replaced)',
  '*.order_external_id': 'the shop’s order id',
  '*.request_hash': 'hash of a request body',
  '*.channel': 'sms or email',
  '*.language': 'fa or en',
  '*.event_type': 'event name',
  '*.type': 'event name',
  '*.department': 'a department of the club',
  '*.author': 'staff id or API key id',
  '*.author_type': 'staff, member or system',
  '*.details': 'structured facts of a grant, issue or timeline entry (amounts, ids)',
  '*.sku': 'a product',
  '*.category': 'a product category',
  '*.category_key': 'a complaint category',
  '*.segment': 'an RFM segment name',
  '*.grp': 'control or treatment',
  '*.reference': 'idempotency reference of a grant',
  '*.via': 'how a raffle entry was made',
  '*.prize': 'the prize description of the club',
  '*.lines': 'returned skus and quantities',
  '*.priority': 'complaint priority',
  '*.assignee': 'a staff id',
  '*.from_status': 'workflow state',
  '*.to_status': 'workflow state',
  '*.from_key': 'tier key',
  '*.to_key': 'tier key',
  '*.floor_reason': 'a code for a tier floor',
  '*.floor_author': 'staff id or API key id',
  '*.moderated_by': 'staff id',
  '*.moderation_note': 'the moderator’s note on the review, not the member’s words',
  '*.subject_type': 'what a survey invitation is about',
  '*.drop_reason': 'a code',
  '*.skip_reason': 'a code',
  '*.last_error': 'a provider’s error text',
  '*.provider': 'a provider name',
  '*.provider_message_id': 'the provider’s message id',
  '*.ip': 'deleted with the whole row (PERSONAL_ROWS)',
  '*.mobile': 'deleted with the whole row (PERSONAL_ROWS) where not cleared',
  '*.salt': 'deleted with the whole row',
  '*.token_hash': 'hash of a survey link',
  '*.lease_token': 'worker lease',
  '*.trigger': 'touchpoint trigger',
  '*.gender': 'cleared in members',
  '*.release_reason': 'a code',
  '*.transfer_id': 'ledger transfer id',
  '*.debit_account': 'ledger account',
  '*.credit_account': 'ledger account',
  '*.tier_id': 'a tier',
  '*.answers': 'cleared of text in survey_responses',
  '*.payload': 'event payloads: scrubbed by scrubStoredJson',
  '*.first_purchase_day': 'purchase dates, as in the orders kept for the ledger',
  '*.last_purchase_day': 'purchase dates, as in the orders kept for the ledger',
  '*.state': 'lot state',
  '*.source': 'what issued a reward (a code)',
};

function isClassified(table: string, column: string): boolean {
  if (PERSONAL_FIELDS[table] && column in PERSONAL_FIELDS[table]!) return true;
  if (PERSONAL_ROWS.includes(table)) return true;
  if (column.endsWith('_id') || column.endsWith('_key') || column.endsWith('_hash')) return true;
  return `*.${column}` in NOT_PERSONAL || `${table}.${column}` in NOT_PERSONAL;
}

describe.each(BACKENDS)('member export and erasure on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  const EXT = 'LEAKY-EXT-77';
  const person = {
    firstName: 'پریسامحرمانه',
    lastName: 'Zarvandi',
    mobile: '09123334455',
    email: 'parisa.private@example.ir',
    city: 'تبریزخصوصی',
    birthDate: '1990-04-02',
    attributes: { nationalCode: 'NC-1234567890' },
  };
  const markers = [
    person.firstName,
    person.lastName,
    '9123334455',
    person.email,
    person.city,
    'NC-1234567890',
    EXT,
    'شکایت‌محرمانه',
    'نظرمحرمانه',
    'یادداشت‌محرمانه',
    'نقدمحرمانه',
  ];
  let ownerCookie: { cookie: string; csrf: string };

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub('Privacy shop');
    const ok = async (method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown) => {
      const res = await club.call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };
    await ok('PUT', `/v1/members/${EXT}`, { ...person, consentSms: true });
    await ok('PUT', '/v1/members/OTHER-1', { firstName: 'دیگری', mobile: '09120000001' });
    const at = new Date(Date.now() - 5 * 86_400_000).toISOString();
    for (const [id, member] of [
      ['PO-1', EXT],
      ['PO-2', 'OTHER-1'],
    ] as const)
      await ok('POST', '/v1/orders', {
        externalId: id,
        memberExternalId: member,
        placedAt: at,
        totalRials: 5_000_000,
        status: 'delivered',
        lines: [{ sku: 'SKU-P', category: 'کتاب', quantity: 1, unitPriceRials: 5_000_000 }],
      });
    await ok('POST', '/v1/orders/PO-1/returns', { externalId: 'PR-1', amountRials: 1_000_000 });
    await ok('POST', `/v1/members/${EXT}/points/adjustments`, { points: 300, reason: 'یادداشت‌محرمانه' });
    const complaint = await ok('POST', '/v1/complaints', {
      memberExternalId: EXT,
      description: 'شکایت‌محرمانه',
    });
    await ok('POST', `/v1/complaints/${complaint.id}/replies`, { from: 'staff', message: 'یادداشت‌محرمانه' });
    await ok('POST', '/v1/reviews', { memberExternalId: EXT, sku: 'SKU-P', rating: 4, body: 'نقدمحرمانه' });
    await ok('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0 });
    const survey = await ok('POST', '/v1/surveys', { kind: 'csat', title: 'رضایت', question: 'راضی بودید؟' });
    const tp = await ok('POST', '/v1/surveys/touchpoints', {
      surveyId: survey.id,
      trigger: 'manual',
      department: 'support',
    });
    await ok('POST', '/v1/surveys/invitations', { touchpointId: tp.id, memberExternalId: EXT });
    await createVoc(env.ctx).surveys.sendDue(club.clubId);
    const { rows } = await env.db.query<{ payload: { token: string } }>(
      `select payload from outbox_events where club_id = $1 and type = 'survey.due'`,
      [club.clubId],
    );
    const answered = await env.app.inject({
      method: 'POST',
      url: `/s/${rows[0]!.payload.token}`,
      payload: { score: 4, comment: 'نظرمحرمانه' },
    });
    expect(answered.statusCode, answered.body).toBe(201);
    // A portal sign-in code was asked for the member's mobile.
    const otp = await env.app.inject({
      method: 'POST',
      url: '/portal/api/otp',
      payload: { clubId: club.clubId, mobile: person.mobile },
    });
    expect(otp.statusCode, otp.body).toBe(202);
    const email = `owner-${club.clubId}@example.com`;
    await staffOf(env.ctx).createUser({
      clubId: club.clubId,
      email,
      role: 'owner',
      password: 'long password 1',
    });
    const signed = await env.app.inject({
      method: 'POST',
      url: '/admin/api/session',
      payload: { email, password: 'long password 1' },
    });
    ownerCookie = {
      cookie: String(signed.headers['set-cookie']).split(';')[0]!,
      csrf: signed.json().csrfToken,
    };
    // A staff edit of the member, so the audit log holds a snapshot of the profile.
    const edit = await env.app.inject({
      method: 'PUT',
      url: `/v1/members/${EXT}`,
      headers: { cookie: ownerCookie.cookie, 'x-csrf-token': ownerCookie.csrf },
      payload: { province: 'آذربایجان شرقی' },
    });
    expect(edit.statusCode).toBe(200);
  });
  afterAll(() => env?.close());

  /** Every value in every club table, as text, for leak checks. */
  async function clubText(): Promise<string> {
    const { rows: tables } = await env.db.query<{ table_name: string }>(
      `select c.table_name from information_schema.columns c
         join information_schema.tables t using (table_schema, table_name)
        where c.column_name = 'club_id' and c.table_schema = current_schema() and t.table_type = 'BASE TABLE'`,
    );
    let out = '';
    for (const { table_name } of tables) {
      const { rows } = await env.db.query<{ t: string | null }>(
        `select string_agg(x::text, E'\\n') as t from ${table_name} x where club_id = $1`,
        [club.clubId],
      );
      if (rows[0]?.t) out += `\n#${table_name}\n${rows[0].t}`;
    }
    return out;
  }

  it('classifies every text column of every member table as personal or not', async () => {
    const { rows } = await env.db.query<{ table_name: string; column_name: string }>(
      `select c.table_name, c.column_name from information_schema.columns c
        where c.table_schema = current_schema() and c.data_type in ('text', 'jsonb', 'ARRAY', 'date')
          and c.table_name in (
            select table_name from information_schema.columns
             where table_schema = current_schema() and (column_name = 'member_id' or column_name like '%\\_member\\_id'))
          and c.table_name in (select table_name from information_schema.columns
                                where table_schema = current_schema() and column_name = 'club_id')
        order by 1, 2`,
    );
    expect(rows.length).toBeGreaterThan(50);
    const unknown = rows
      .filter((r) => !isClassified(r.table_name, r.column_name))
      .map((r) => `${r.table_name}.${r.column_name}`);
    expect(
      unknown,
      'Decide for each: personal (add to PERSONAL_FIELDS in src/modules/members/privacy.repo.ts) or not ' +
        '(add to NOT_PERSONAL in test/security/privacy.test.ts, with the reason)',
    ).toEqual([]);
  });

  it('exports everything about the member and nothing about anyone else', async () => {
    const res = await env.app.inject({
      method: 'GET',
      url: `/v1/members/${EXT}/export`,
      headers: { authorization: `Bearer ${club.key}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.member).toMatchObject({
      externalId: EXT,
      firstName: person.firstName,
      mobile: '+989123334455',
    });
    for (const table of [
      'members',
      'orders',
      'order_lines',
      'order_returns',
      'order_events',
      'ledger_entries',
      'ledger_accounts',
      'point_lots',
      'complaints',
      'complaint_events',
      'reviews',
      'survey_invitations',
      'survey_responses',
      'portal_otps',
    ])
      expect(body.tables[table]?.length ?? 0, table).toBeGreaterThan(0);
    expect(body.tables.orders.map((o: any) => o.external_id)).toEqual(['PO-1']);
    const text = JSON.stringify(body);
    for (const m of markers) expect(text, m).toContain(m);
    expect(text).not.toContain('OTHER-1');
    expect(text).not.toContain('PO-2');
    expect(text).not.toMatch(/code_hash|token_hash|"salt"|lease_token|session_hash/);
    // Every table holding a row of the member is in the export.
    const { rows } = await env.db.query<{ member_id: string }>(
      `select member_id from members where club_id = $1 and external_id = $2`,
      [club.clubId, EXT],
    );
    const memberId = rows[0]!.member_id;
    const { rows: withMember } = await env.db.query<{ table_name: string }>(
      `select distinct table_name from information_schema.columns
        where table_schema = current_schema() and column_name = 'member_id'`,
    );
    for (const { table_name } of withMember) {
      const { rows: n } = await env.db.query<{ n: number }>(
        `select count(*)::int as n from ${table_name} where club_id = $1 and member_id = $2`,
        [club.clubId, memberId],
      );
      expect(body.tables[table_name]?.length ?? 0, table_name).toBe(n[0]!.n);
    }
    // The export is in the audit log, without the data.
    const log = await club.call('GET', '/v1/audit-log?resource=members');
    const entry = log.body.items.find((i: any) => i.route === '/v1/members/:externalId/export');
    expect(entry).toMatchObject({ method: 'GET', status: 200, before: null, after: null });
  });

  it('erases the personal data, keeps the ledger and reports, and is safe to repeat', async () => {
    const pointsBefore = (await club.call('GET', `/v1/members/${EXT}/points`)).body;
    const overviewBefore = (await club.call('GET', '/v1/reports/overview')).body;
    const other = (await club.call('GET', '/v1/members/OTHER-1')).body;
    const res = await club.call('POST', `/v1/members/${EXT}/erase`, {}, { 'idempotency-key': 'erase-1' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const pseudonym = res.body.externalId as string;
    expect(pseudonym).toMatch(/^erased_[0-9a-z]{16}$/);
    expect(res.body.wasErased).toBe(false);
    expect(res.body.changed.members).toBe(1);

    expect((await club.call('GET', `/v1/members/${EXT}`)).status).toBe(404);
    const erased = (await club.call('GET', `/v1/members/${pseudonym}`)).body;
    expect(erased).toMatchObject({
      id: res.body.memberId,
      externalId: pseudonym,
      firstName: null,
      lastName: null,
      mobile: null,
      email: null,
      city: null,
      province: null,
      birthDate: null,
      gender: null,
      consentSms: false,
      attributes: {},
    });
    // Balances, the ledger's zero sum and the club's figures are as they were.
    expect((await club.call('GET', `/v1/members/${pseudonym}/points`)).body).toEqual(pointsBefore);
    expect(await ledgerTotal(env, club.clubId)).toBe(0);
    const overviewAfter = (await club.call('GET', '/v1/reports/overview')).body;
    expect({ ...overviewAfter, asOf: null }).toEqual({ ...overviewBefore, asOf: null });
    // Scores still count; the words are gone.
    const { rows: resp } = await env.db.query<{ score: number; comment: string | null }>(
      'select score, comment from survey_responses where club_id = $1',
      [club.clubId],
    );
    expect(resp).toEqual([{ score: 4, comment: null }]);
    // Nothing of the person is left anywhere in the club's tables; the other member is untouched.
    const text = await clubText();
    for (const m of markers)
      expect(
        text.includes(m),
        `${m} is still stored: ${text.slice(text.indexOf(m) - 300, text.indexOf(m) + 50)}`,
      ).toBe(false);
    expect((await club.call('GET', '/v1/members/OTHER-1')).body).toEqual(other);
    expect((await club.call('GET', `/v1/members?q=${person.mobile}`)).body.items).toEqual([]);
    // The audit log keeps who did what, without the data.
    const log = await club.call(
      'GET',
      `/v1/audit-log?resource=${encodeURIComponent(`members:${pseudonym}`)}`,
    );
    expect(log.body.items.length).toBeGreaterThanOrEqual(2);
    const editEntry = log.body.items.find((i: any) => i.method === 'PUT');
    expect(editEntry).toMatchObject({ before: null, after: null, path: `/v1/members/${pseudonym}` });
    expect(editEntry.redactedAt).not.toBeNull();
    // The shop hears of it.
    const { rows: ev } = await env.db.query<{ payload: any }>(
      `select payload from outbox_events where club_id = $1 and type = 'member.erased'`,
      [club.clubId],
    );
    expect(ev).toEqual([
      { payload: { memberId: res.body.memberId, externalId: pseudonym, erasedAt: res.body.erasedAt } },
    ]);

    // Repeats: the same key by the old id answers the first result; the pseudonym answers "already erased".
    const retry = await club.call('POST', `/v1/members/${EXT}/erase`, {}, { 'idempotency-key': 'erase-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(res.body);
    const again = await club.call('POST', `/v1/members/${pseudonym}/erase`, {});
    expect(again.body).toMatchObject({
      memberId: res.body.memberId,
      externalId: pseudonym,
      wasErased: true,
      changed: {},
    });
    expect((await club.call('POST', `/v1/members/${EXT}/erase`, {})).status).toBe(404);
    // The old external id is free: a later push creates a new, empty member.
    const fresh = await club.call('PUT', `/v1/members/${EXT}`, { firstName: 'تازه' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(res.body.memberId);
    expect((await club.call('GET', `/v1/members/${EXT}/points`)).body.available).toBe(0);
  });
});
