import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalModule } from '../../src/modules/portal/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { createVoc } from '../../src/modules/voc/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';

const MINUTE_DAYS = 61 / 86_400;

describe.each(BACKENDS)(
  'member portal: complaints, surveys, referral, raffles, watches ($name)',
  ({ url }) => {
    let env: TestEnv;
    let club: TestClub;
    let other: TestClub;
    const smsDir = mkdtempSync(join(tmpdir(), 'vafa-portal-member-'));
    const portal = createPortalModule({ smsLogDir: smsDir });
    let ip = 0;
    /** Sara (p-1) and Reza (p-2) of the club; Nima of another club. */
    let sara: Signed;
    let reza: Signed;

    interface Signed {
      cookie: string;
      csrf: string;
    }

    beforeAll(async () => {
      env = await setupEnv(url, { modules: [...MODULES, portal] });
      club = await env.newClub('باشگاه آزمایشی');
      other = await env.newClub('باشگاه دیگر');
      await club.call('PUT', '/v1/members/p-1', { firstName: 'سارا', mobile: '09121110001' });
      await club.call('PUT', '/v1/members/p-2', { firstName: 'رضا', mobile: '09121110002' });
      await club.call('POST', '/v1/members/p-1/points/adjustments', { points: 500, reason: 'خوش‌آمد' });
      const order = await club.call('POST', '/v1/orders', {
        externalId: 'o-1',
        memberExternalId: 'p-1',
        placedAt: new Date(Date.now() - 5 * 86_400_000).toISOString(),
        totalRials: 12_000_000,
        status: 'delivered',
        lines: [{ sku: 'kettle-1', quantity: 1, unitPriceRials: 12_000_000 }],
      });
      expect(order.status, JSON.stringify(order.body)).toBe(201);
      await other.call('PUT', '/v1/members/n-1', { firstName: 'نیما', mobile: '09121110009' });
      sara = await signIn(club, '09121110001');
      reza = await signIn(club, '09121110002');
    });
    afterAll(async () => {
      await env?.close();
    });

    async function send(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      path: string,
      who: Signed | null,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      const res = await env.app.inject({
        method,
        url: path,
        remoteAddress: `10.1.0.${++ip % 250}`,
        headers: {
          ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return {
        status: res.statusCode,
        body:
          res.body && res.headers['content-type']?.toString().includes('json') ? JSON.parse(res.body) : null,
        headers: res.headers,
      };
    }

    function lastCode(e164: string): string {
      const file = join(smsDir, 'messages.jsonl');
      if (!existsSync(file)) return '';
      const texts = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { to: string; text: string })
        .filter((m) => m.to === e164);
      return /(\d{6})/.exec(texts.at(-1)?.text ?? '')?.[1] ?? '';
    }

    async function signIn(c: TestClub, mobile: string): Promise<Signed> {
      const asked = await send('POST', '/portal/api/otp', null, { clubId: c.clubId, mobile });
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      const code = lastCode(`+98${mobile.slice(1)}`);
      const s = await send('POST', '/portal/api/session', null, { clubId: c.clubId, mobile, code });
      expect(s.status, JSON.stringify(s.body)).toBe(200);
      return { cookie: String(s.headers['set-cookie']).split(';')[0]!, csrf: s.body.csrfToken };
    }

    it('says which parts the server has', async () => {
      const home = await send('GET', '/portal/api/me/home', sara);
      expect(home.body.features).toEqual({
        rewards: true,
        prices: true,
        complaints: true,
        surveys: true,
        referrals: true,
        raffles: true,
      });
    });

    it('submits a complaint, follows it through staff replies to resolution, reopens and confirms it', async () => {
      await club.call('PUT', '/v1/complaints/categories', {
        items: [
          { key: 'delivery', nameFa: 'ارسال', nameEn: 'Delivery' },
          { key: 'delivery.late', parentKey: 'delivery', nameFa: 'تأخیر', nameEn: 'Late' },
        ],
      });
      await club.call('PUT', '/v1/complaints/root-causes', {
        items: [{ key: 'courier', nameFa: 'پیک', nameEn: 'Courier' }],
      });
      const cats = await send('GET', '/portal/api/me/complaint-categories', sara);
      expect(cats.body.items.map((c: { key: string }) => c.key)).toEqual(['delivery', 'delivery.late']);
      const orders = await send('GET', '/portal/api/me/orders', sara);
      expect(orders.body.items).toMatchObject([{ externalId: 'o-1', totalRials: 12_000_000 }]);
      expect((await send('GET', '/portal/api/me/orders', reza)).body.items).toEqual([]);

      // Bad input names its field and writes nothing.
      for (const [body, field] of [
        [{ description: 'x' }, 'description'],
        [{ description: 'کتری دیر رسید و شکسته بود', category: 'nope' }, 'category'],
        [{ description: 'کتری دیر رسید و شکسته بود', orderExternalId: 'o-404' }, 'orderExternalId'],
      ] as const) {
        const bad = await send('POST', '/portal/api/me/complaints', sara, body);
        expect(bad.status, JSON.stringify(bad.body)).toBe(400);
        expect(bad.body.errors[0].field).toBe(field);
      }
      // Reza cannot name Sara's order.
      const notHis = await send('POST', '/portal/api/me/complaints', reza, {
        description: 'سفارش دیگری',
        orderExternalId: 'o-1',
      });
      expect(notHis.status).toBe(400);
      expect((await send('GET', '/portal/api/me/complaints', sara)).body.items).toEqual([]);
      // A write without the CSRF token is refused.
      const noCsrf = await send(
        'POST',
        '/portal/api/me/complaints',
        { cookie: sara.cookie, csrf: '' },
        { description: 'کتری دیر رسید و شکسته بود' },
      );
      expect(noCsrf.status).toBe(403);

      const key = { 'idempotency-key': 'tap-1' };
      const created = await send(
        'POST',
        '/portal/api/me/complaints',
        sara,
        { description: 'کتری دیر رسید و شکسته بود', category: 'delivery.late', orderExternalId: 'o-1' },
        key,
      );
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        status: 'new',
        category: 'delivery.late',
        orderExternalId: 'o-1',
        canConfirm: false,
        timeline: [{ by: 'member', kind: 'created', toStatus: 'new' }],
      });
      expect(created.body.sla.firstResponse.dueAt).not.toBeNull();
      const id = created.body.id as string;
      // A retried tap answers the same complaint.
      const retried = await send(
        'POST',
        '/portal/api/me/complaints',
        sara,
        { description: 'کتری دیر رسید و شکسته بود', category: 'delivery.late', orderExternalId: 'o-1' },
        key,
      );
      expect(retried.body.id).toBe(id);
      const staffView = await club.call('GET', `/v1/complaints/${id}`);
      expect(staffView.body).toMatchObject({ channel: 'portal', memberExternalId: 'p-1' });

      // Staff act through the API; the member sees the notes meant for them, never the internal ones.
      await club.call('POST', `/v1/complaints/${id}/transitions`, {
        to: 'waiting_on_customer',
        customerNote: 'لطفاً عکس کتری را بفرستید.',
        internalNote: 'احتمالاً پیک مقصر است',
        author: 'مریم',
      });
      let seen = await send('GET', `/portal/api/me/complaints/${id}`, sara);
      expect(seen.status).toBe(200);
      expect(seen.body.status).toBe('waiting_on_customer');
      expect(seen.body.sla.paused).toBe(true);
      expect(JSON.stringify(seen.body)).not.toContain('احتمالاً پیک مقصر است');
      expect(JSON.stringify(seen.body)).not.toContain('مریم');
      expect(seen.body.timeline.at(-1)).toMatchObject({ by: 'staff', note: 'لطفاً عکس کتری را بفرستید.' });

      const info = await send('POST', `/portal/api/me/complaints/${id}/replies`, sara, {
        message: 'عکس را به ایمیل پشتیبانی فرستادم.',
      });
      expect(info.status).toBe(200);
      expect(info.body.status).toBe('in_progress');

      await club.call('POST', `/v1/complaints/${id}/replies`, {
        from: 'staff',
        message: 'کتری نو فردا می‌رسد.',
      });
      const resolved = await club.call('POST', `/v1/complaints/${id}/transitions`, {
        to: 'resolved',
        rootCause: 'courier',
        customerNote: 'کتری نو ارسال شد.',
        compensation: { points: 100, couponCode: 'SORRY-20' },
      });
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      seen = await send('GET', `/portal/api/me/complaints/${id}`, sara);
      expect(seen.body).toMatchObject({ status: 'resolved', canConfirm: true });
      expect(Date.parse(seen.body.reopenUntil)).toBeGreaterThan(Date.now() + 6 * 86_400_000);
      expect(seen.body.timeline.map((e: { note: string | null }) => e.note)).toContain('کتری نو فردا می‌رسد.');
      expect(
        seen.body.timeline.find((e: { kind: string }) => e.kind === 'compensation').compensation,
      ).toEqual({
        points: 100,
        couponCode: 'SORRY-20',
      });
      expect(JSON.stringify(seen.body)).not.toContain('courier');

      // Not settled after all: a reply within the window reopens it.
      const reopened = await send('POST', `/portal/api/me/complaints/${id}/replies`, sara, {
        message: 'کتری نو هم خراب است.',
      });
      expect(reopened.status).toBe(200);
      expect(reopened.body.status).toBe('reopened');
      const early = await send('POST', `/portal/api/me/complaints/${id}/confirmation`, sara);
      expect(early.status).toBe(409);
      expect(early.body.code).toBe('complaint_transition_forbidden');

      await club.call('POST', `/v1/complaints/${id}/transitions`, { to: 'resolved', rootCause: 'courier' });
      const confirmed = await send('POST', `/portal/api/me/complaints/${id}/confirmation`, sara);
      expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
      expect(confirmed.body).toMatchObject({ status: 'closed', canConfirm: false });
      expect((await club.call('GET', `/v1/complaints/${id}`)).body.status).toBe('closed');

      // Closed: a reply opens a follow-up complaint pointing back.
      const followUp = await send('POST', `/portal/api/me/complaints/${id}/replies`, sara, {
        message: 'باز هم مشکل دارم.',
      });
      expect(followUp.status).toBe(201);
      expect(followUp.body).toMatchObject({ status: 'new', previousComplaintId: id });

      const mine = await send('GET', '/portal/api/me/complaints', sara);
      expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([followUp.body.id, id]);
      expect(JSON.stringify(mine.body)).not.toContain('assignee');
      const page1 = await send('GET', '/portal/api/me/complaints?limit=1', sara);
      expect(page1.body).toMatchObject({ items: [{ id: followUp.body.id }], nextCursor: followUp.body.id });
      const page2 = await send(
        'GET',
        `/portal/api/me/complaints?limit=1&before=${page1.body.nextCursor}`,
        sara,
      );
      expect(page2.body.items.map((c: { id: string }) => c.id)).toEqual([id]);

      // Another member of the same club sees none of it, and cannot act on it.
      expect((await send('GET', '/portal/api/me/complaints', reza)).body.items).toEqual([]);
      for (const [method, path] of [
        ['GET', `/portal/api/me/complaints/${id}`],
        ['POST', `/portal/api/me/complaints/${id}/replies`],
        ['POST', `/portal/api/me/complaints/${id}/confirmation`],
      ] as const) {
        const r = await send(method, path, reza, path.endsWith('replies') ? { message: 'سلام' } : undefined);
        expect(r.status, `${method} ${path}`).toBe(404);
        expect(r.body.code).toBe('not_found');
      }
      expect((await send('GET', `/portal/api/me/complaints/${id}`, null)).status).toBe(401);
    });

    it('lists pending surveys, answers one in the portal, and answers another from its personal link', async () => {
      await club.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0 });
      await club.call('POST', '/v1/rules', {
        kind: 'event',
        name: 'Thanks for answering',
        priority: 10,
        config: { eventType: 'survey_answered', points: 20 },
      });
      const survey = await club.call('POST', '/v1/surveys', {
        kind: 'csat',
        title: 'رضایت از ارسال',
        question: 'از ارسال چقدر راضی بودید؟',
        questions: [{ id: 'why', type: 'choice', text: 'چرا؟', choices: ['سرعت', 'بسته‌بندی'] }],
      });
      const tp = await club.call('POST', '/v1/surveys/touchpoints', {
        surveyId: survey.body.id,
        trigger: 'manual',
        department: 'delivery',
      });
      const invite = async (member: string) => {
        const r = await club.call('POST', '/v1/surveys/invitations', {
          touchpointId: tp.body.id,
          memberExternalId: member,
        });
        expect(r.status).toBe(201);
        await createVoc(env.ctx).surveys.sendDue(club.clubId);
        return r.body.invitation.id as string;
      };
      const invitationId = await invite('p-1');
      const pending = await send('GET', '/portal/api/me/surveys', sara);
      expect(pending.body.items).toMatchObject([
        { invitationId, title: 'رضایت از ارسال', kind: 'csat', scale: { min: 1, max: 5 } },
      ]);
      expect((await send('GET', '/portal/api/me/surveys', reza)).body.items).toEqual([]);
      // Reza cannot answer Sara's survey.
      const stolen = await send('POST', `/portal/api/me/surveys/${invitationId}/answer`, reza, { score: 1 });
      expect(stolen.status).toBe(404);
      const bad = await send('POST', `/portal/api/me/surveys/${invitationId}/answer`, sara, { score: 6 });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].field).toBe('score');
      const before = (await club.call('GET', '/v1/members/p-1/points')).body.available;
      const ok = await send('POST', `/portal/api/me/surveys/${invitationId}/answer`, sara, {
        score: 5,
        answers: { why: 'سرعت' },
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body).toEqual({ pointsAwarded: 20, followUpComplaintId: null });
      expect((await club.call('GET', '/v1/members/p-1/points')).body.available).toBe(before + 20);
      expect((await send('GET', '/portal/api/me/surveys', sara)).body.items).toEqual([]);
      const twice = await send('POST', `/portal/api/me/surveys/${invitationId}/answer`, sara, { score: 4 });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('survey_already_answered');

      // The personal link of the SMS: no session at all.
      await invite('p-2');
      const { rows } = await env.db.query<{ payload: { token: string; url: string } }>(
        `select payload from outbox_events where club_id = $1 and type = 'survey.due' order by event_no desc limit 1`,
        [club.clubId],
      );
      const token = rows[0]!.payload.token;
      // A browser opening the link is sent to the portal's answer page; an API client still gets JSON.
      const browser = await send('GET', `/s/${token}`, null, undefined, { accept: 'text/html,*/*;q=0.8' });
      expect(browser.status).toBe(303);
      expect(browser.headers.location).toBe(`/portal/s/${token}`);
      expect((await send('GET', `/s/${token}`, null)).body).toMatchObject({ kind: 'csat' });
      const page = await send('GET', `/portal/api/survey-links/${token}`, null);
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({
        club: { id: club.clubId, name: 'باشگاه آزمایشی' },
        survey: { title: 'رضایت از ارسال', scale: { min: 1, max: 5 } },
      });
      const off = await send('POST', `/portal/api/survey-links/${token}`, null, { score: 0 });
      expect(off.status).toBe(400);
      expect(off.body.errors[0].field).toBe('score');
      const answered = await send('POST', `/portal/api/survey-links/${token}`, null, {
        score: 4,
        comment: 'خوب',
      });
      expect(answered.status, JSON.stringify(answered.body)).toBe(201);
      expect(answered.body.pointsAwarded).toBe(20);
      expect((await send('GET', `/portal/api/survey-links/${token}`, null)).body.code).toBe(
        'survey_already_answered',
      );
      expect((await send('GET', '/portal/api/survey-links/not-a-real-token', null)).status).toBe(404);
    });

    it('shows the referral link and counts friends who joined with it', async () => {
      const first = await send('GET', '/portal/api/me/referral', sara);
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ joined: 0, pending: 0, rewarded: 0, pointsEarned: 0 });
      expect(first.body.link).toBe(`https://shop.example/r/${first.body.code}`);
      // The same code each time.
      expect((await send('GET', '/portal/api/me/referral', sara)).body.code).toBe(first.body.code);
      await club.call('PUT', '/v1/members/p-new', { firstName: 'دوست', mobile: '09121110077' });
      const referred = await club.call('POST', '/v1/referrals', {
        code: first.body.code,
        refereeExternalId: 'p-new',
      });
      expect(referred.status, JSON.stringify(referred.body)).toBe(201);
      const after = await send('GET', '/portal/api/me/referral', sara);
      expect(after.body).toMatchObject({ joined: 1, pending: 1, rewarded: 0, pointsEarned: 0 });
      expect((await send('GET', '/portal/api/me/referral', reza)).body.joined).toBe(0);
    });

    it('lists open raffles and enters one, spending its cost in points', async () => {
      const closesAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const raffle = await club.call('POST', '/v1/raffles', {
        name: 'قرعه‌کشی جاروبرقی',
        entryCostPoints: 50,
        maxEntriesPerMember: 1,
        closesAt,
        prizes: [{ nameFa: 'جاروبرقی', points: 0 }],
      });
      expect(raffle.status, JSON.stringify(raffle.body)).toBe(201);
      const id = raffle.body.id as string;
      const list = await send('GET', '/portal/api/me/raffles', sara);
      expect(list.body.items).toMatchObject([
        { id, entryCostPoints: 50, myEntries: 0, canEnter: true, prizes: ['جاروبرقی'] },
      ]);
      const before = (await club.call('GET', '/v1/members/p-1/points')).body.available;
      const entered = await send('POST', `/portal/api/me/raffles/${id}/entries`, sara);
      expect(entered.status, JSON.stringify(entered.body)).toBe(201);
      expect(entered.body.available).toBe(before - 50);
      expect((await club.call('GET', '/v1/members/p-1/points')).body.available).toBe(before - 50);
      const again = await send('GET', '/portal/api/me/raffles', sara);
      expect(again.body.items[0]).toMatchObject({ myEntries: 1, canEnter: false, reason: 'entry_limit' });
      const twice = await send('POST', `/portal/api/me/raffles/${id}/entries`, sara);
      expect(twice.status).toBe(409);
      expect((await club.call('GET', '/v1/members/p-1/points')).body.available).toBe(before - 50);
      // Reza has no points: refused, and nothing is left reserved.
      const poor = await send('POST', `/portal/api/me/raffles/${id}/entries`, reza);
      expect(poor.status).toBe(409);
      expect(poor.body.code).toBe('insufficient_points');
      expect((await send('POST', '/portal/api/me/raffles/rfl_nope/entries', sara)).status).toBe(404);
    });

    it('finds a product, watches it with its chart, and stops watching it', async () => {
      await club.call('PUT', '/v1/products/tv-55', { titleFa: 'تلویزیون ۵۵ اینچ', titleEn: '55-inch TV' });
      await club.call('PUT', '/v1/products/tv-43', { titleFa: 'تلویزیون ۴۳ اینچ', titleEn: '43-inch TV' });
      await other.call('PUT', '/v1/products/tv-99', { titleFa: 'تلویزیون دیگر' });
      await club.call('POST', '/v1/prices', {
        sku: 'tv-55',
        priceRials: 450_000_000,
        at: new Date(Date.now() - 86_400_000).toISOString(),
      });
      const short = await send('GET', '/portal/api/me/products?q=t', sara);
      expect(short.status).toBe(400);
      expect(short.body.errors[0].field).toBe('q');
      const bySku = await send('GET', '/portal/api/me/products?q=tv-', sara);
      expect(bySku.body.items.map((p: { sku: string }) => p.sku)).toEqual(['tv-43', 'tv-55']);
      const byTitle = await send('GET', `/portal/api/me/products?q=${encodeURIComponent('۵۵ اینچ')}`, sara);
      expect(byTitle.body.items).toEqual([
        {
          sku: 'tv-55',
          titleFa: 'تلویزیون ۵۵ اینچ',
          titleEn: '55-inch TV',
          currentPriceRials: 450_000_000,
          isWatched: false,
        },
      ]);
      const watched = await send('PUT', '/portal/api/me/watches/tv-55', sara, {});
      expect(watched.status, JSON.stringify(watched.body)).toBe(201);
      expect(watched.body).toMatchObject({
        sku: 'tv-55',
        currentPriceRials: 450_000_000,
        targetPriceRials: null,
      });
      const target = await send('PUT', '/portal/api/me/watches/tv-55', sara, {
        targetPriceRials: 400_000_000,
      });
      expect(target.status).toBe(200);
      expect(target.body.targetPriceRials).toBe(400_000_000);
      expect((await send('GET', '/portal/api/me/products?q=tv-55', sara)).body.items[0].isWatched).toBe(true);
      const list = await send('GET', '/portal/api/me/watches', sara);
      expect(list.body.items.map((w: { sku: string }) => w.sku)).toEqual(['tv-55']);
      const chart = await send('GET', '/portal/api/me/watches/tv-55/history', sara);
      expect(chart.status).toBe(200);
      expect(chart.body.series.length).toBeGreaterThan(0);
      expect((await send('GET', '/portal/api/me/watches', reza)).body.items).toEqual([]);
      expect((await send('PUT', '/portal/api/me/watches/tv-99', sara, {})).status).toBe(404);
      const badTarget = await send('PUT', '/portal/api/me/watches/tv-43', sara, { targetPriceRials: -5 });
      expect(badTarget.status).toBe(400);
      expect(badTarget.body.errors[0].field).toBe('targetPriceRials');
      expect((await send('DELETE', '/portal/api/me/watches/tv-55', reza)).status).toBe(404);
      expect((await send('DELETE', '/portal/api/me/watches/tv-55', sara)).status).toBe(204);
      expect((await send('DELETE', '/portal/api/me/watches/tv-55', sara)).status).toBe(404);
      expect((await send('GET', '/portal/api/me/watches', sara)).body.items).toEqual([]);
    });

    it('answers 503 sms_unavailable with Retry-After when the SMS gateway fails, and does not count the code', async () => {
      // A real HTTP SMS gateway on a local port: it refuses while `down`, then accepts.
      let down = true;
      const received: string[] = [];
      const gateway: Server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          if (down) {
            res.writeHead(502, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ return: { status: 502, message: 'upstream down' } }));
            return;
          }
          received.push(new URLSearchParams(body).get('message') ?? '');
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ return: { status: 200, message: 'ok' }, entries: [{ messageid: 1 }] }));
        });
      });
      await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
      try {
        const port = (gateway.address() as AddressInfo).port;
        const set = await other.call('PATCH', '/v1/notifications/settings', {
          sms: { provider: 'http', baseUrl: `http://127.0.0.1:${port}`, apiKey: 'test-key', sender: '3000' },
        });
        expect(set.status, JSON.stringify(set.body)).toBe(200);
        const ask = () =>
          send('POST', '/portal/api/otp', null, { clubId: other.clubId, mobile: '09121110009' });
        const failed = await ask();
        expect(failed.status).toBe(503);
        expect(failed.body.code).toBe('sms_unavailable');
        expect(failed.headers['content-type']).toContain('application/problem+json');
        expect(failed.headers['retry-after']).toBe('30');
        expect(JSON.stringify(failed.body)).not.toContain('test-key');
        // The failed code was not kept: asking again at once is not the resend limit.
        expect((await ask()).status).toBe(503);
        const { rows } = await env.db.query('select 1 from portal_otps where club_id = $1', [other.clubId]);
        expect(rows).toEqual([]);
        down = false;
        env.clock.advanceDays(MINUTE_DAYS);
        const sent = await ask();
        expect(sent.status, JSON.stringify(sent.body)).toBe(202);
        expect(received).toHaveLength(1);
        expect(received[0]).toMatch(/\d{6}/);
      } finally {
        gateway.close();
      }
    });
  },
);
