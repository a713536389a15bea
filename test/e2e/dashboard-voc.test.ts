import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, NotificationsService } from '../../src/modules/notifications/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { staffModule, staffOf, WEB_DIST } from '../../src/modules/staff/index.js';
import { createVoc } from '../../src/modules/voc/index.js';
import { WebhooksService } from '../../src/modules/webhooks/index.js';
import { setupEnv, type TestClub, type TestEnv } from '../helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from './browser.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'browser-test-password';
const DAY = 86_400_000;

if (!hasChromium)
  console.warn(`e2e: ${CHROMIUM} not found; the voice-of-the-customer browser tests are skipped`);

/**
 * The dashboard's voice-of-the-customer pages, the member page's insights, complaints, survey answers
 * and messages, and Settings' webhook delivery log and template preview, in a real browser.
 */
describe.skipIf(!hasChromium)('dashboard: voice of the customer, member insights, settings', () => {
  let env: TestEnv;
  let club: TestClub;
  let base: string;
  let browser: Browser;
  let complaintId: string;
  let dispatch: () => Promise<unknown>;
  let messages: NotificationsService;
  let webhooks: WebhooksService;
  let receiver: http.Server;
  const received: Array<{ status: number }> = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) execSync('npm run build:web', { stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    env = await setupEnv(undefined, { modules: [...MODULES, staffModule] });
    club = await env.newClub('فروشگاه آزمایشی');
    const ok = (res: { status: number; body: unknown }, status = 201) =>
      expect(res.status, JSON.stringify(res.body)).toBe(status);

    // 24 buyers, 12 of whom keep coming back every month or two: enough for the models to fit, so
    // pAlive and CLV are real numbers.
    const orders: unknown[] = [];
    for (let i = 1; i <= 24; i++) {
      const id = `c-${i}`;
      ok(
        await club.call('PUT', `/v1/members/${id}`, {
          firstName: i === 1 ? 'سارا' : `عضو${i}`,
          lastName: i === 1 ? 'احمدی' : 'آزمایشی',
          mobile: `0912000${String(i).padStart(4, '0')}`,
          consentSms: true,
        }),
        201,
      );
      const visits = i <= 12 ? [300, 240, 180, 120, 60, 10].map((d) => d + i) : [250 - i * 5];
      for (const [k, daysAgo] of visits.entries()) {
        const totalRials = 1_500_000 * (1 + ((i + k) % 4));
        orders.push({
          externalId: `o-${i}-${k}`,
          memberExternalId: id,
          placedAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
          totalRials,
          status: 'delivered',
          lines: [{ sku: 'tea-1', category: 'چای', quantity: 1, unitPriceRials: totalRials }],
        });
      }
    }
    ok(await club.call('POST', '/v1/orders/batch', { orders }), 200);
    ok(await club.call('POST', '/v1/insights/runs', {}));

    ok(
      await club.call('PUT', '/v1/complaints/root-causes', {
        items: [
          { key: 'carrier-delay', nameFa: 'تأخیر پیک', nameEn: 'Courier delay' },
          { key: 'wrong-item', nameFa: 'کالای اشتباه', nameEn: 'Wrong item' },
        ],
      }),
      200,
    );
    ok(
      await club.call('PATCH', '/v1/voc/settings', { surveyCooldownDays: 0, followUpComplaints: false }),
      200,
    );
    const complaint = await club.call('POST', '/v1/complaints', {
      memberExternalId: 'c-1',
      orderExternalId: 'o-1-5',
      description: 'سفارشم سه روز دیرتر از موعد رسید و جعبه آسیب دیده بود.',
      priority: 'urgent',
    });
    ok(complaint);
    complaintId = complaint.body.id;

    // An NPS survey after delivery, answered 10, 9 and 3: NPS = (2 − 1) / 3 = 33.3.
    const survey = await club.call('POST', '/v1/surveys', {
      kind: 'nps',
      title: 'رضایت از ارسال',
      question: 'چقدر ما را به دوستانتان پیشنهاد می‌کنید؟',
    });
    ok(survey);
    const tp = await club.call('POST', '/v1/surveys/touchpoints', {
      surveyId: survey.body.id,
      trigger: 'manual',
      department: 'delivery',
    });
    ok(tp);
    for (const m of ['c-1', 'c-2', 'c-3'])
      ok(
        await club.call('POST', '/v1/surveys/invitations', { touchpointId: tp.body.id, memberExternalId: m }),
      );
    await createVoc(env.ctx).surveys.sendDue(club.clubId);
    const { rows } = await env.db.query<{ payload: { token: string; memberId: string } }>(
      `select payload from outbox_events where club_id = $1 and type = 'survey.due'`,
      [club.clubId],
    );
    const idOf = async (ext: string) => (await club.call('GET', `/v1/members/${ext}`)).body.id as string;
    for (const [m, score, comment] of [
      ['c-1', 3, 'بسته‌بندی خراب بود'],
      ['c-2', 10, 'عالی'],
      ['c-3', 9, 'خوب بود'],
    ] as const) {
      const id = await idOf(m);
      const token = rows.find((r) => r.payload.memberId === id)!.payload.token;
      const res = await env.app.inject({ method: 'POST', url: `/s/${token}`, payload: { score, comment } });
      expect(res.statusCode, res.body).toBe(201);
    }

    // The member hears of each status change by SMS.
    ok(
      await club.call('PUT', '/v1/notifications/templates/complaint.status_changed/sms/fa', {
        body: '{{firstName}} عزیز، شکایت شما: {{status}}. {{note}}',
      }),
    );
    const dispatcher = createDispatcher(env.ctx);
    dispatch = () => dispatcher.dispatchDue();
    messages = new NotificationsService(env.ctx.db, env.ctx.services, env.ctx.clock);
    webhooks = new WebhooksService(env.ctx.db, env.ctx.clock);
    await dispatch(); // everything so far: only the changes made in the browser are new after this

    // A shop endpoint that is down once (503), then well.
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = received.length === 0 ? 503 : 200;
        received.push({ status });
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 503 ? 'maintenance, try later' : 'ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    ok(await club.call('PATCH', '/v1/webhooks/settings', { allowPrivateUrls: true }), 200);
    ok(
      await club.call('POST', '/v1/webhooks/subscriptions', {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/vafa`,
        eventTypes: ['complaint.status_changed'],
        description: 'فروشگاه',
      }),
    );

    for (const role of ['owner', 'support', 'analyst'] as const) {
      await staffOf(env.ctx).createUser({
        clubId: club.clubId,
        email: `${role}@shop.test`,
        role,
        password: PASSWORD,
      });
    }
    base = await env.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (receiver ? receiver.close(r) : r(null)));
    await env?.close();
  });

  async function open(lang: 'fa' | 'en'): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(`localStorage.setItem('vafa.lang', '${lang}')`);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    return { ctx, page };
  }

  async function signIn(page: Page, role: 'owner' | 'support' | 'analyst') {
    await page.goto(`${base}/admin/`);
    await page.fill('input[name=email]', `${role}@shop.test`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.getByTestId('who').waitFor();
  }

  function takeErrors(expectedStatuses: number[] = []): string[] {
    const out = consoleErrors.filter(
      (e) =>
        !expectedStatuses.some((s) =>
          e.includes(`Failed to load resource: the server responded with a status of ${s}`),
        ),
    );
    consoleErrors.length = 0;
    return out;
  }

  it('lets support work a complaint from the queue to its resolution, every step on the timeline', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'support');
    await page.click('nav a[href="/admin/voc"]');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    const row = page.getByTestId('queue-row').filter({ hasText: complaintId });
    await row.waitFor();
    // A live timer: time left (or overdue) in Persian words and digits.
    expect(await row.innerText()).toMatch(/مانده|از موعد گذشته/);
    await page.getByTestId('queue-open').waitFor();
    await page.screenshot({ path: join(SHOTS, 'voc-queue-fa.png'), fullPage: true });

    await row.getByRole('link').click();
    await page.getByTestId('complaint-title').waitFor();
    await page.getByTestId('assign-me').click();
    await expect.poll(() => page.getByTestId('complaint-assignee').innerText()).toBe('support@shop.test');
    await page.fill('[data-testid=reply-form] textarea', 'پوزش می‌خواهیم؛ پیگیری می‌کنیم.');
    await page.click('[data-testid=reply-form] button[type=submit]');
    await page.getByTestId('complaint-timeline').getByText('پوزش می‌خواهیم؛ پیگیری می‌کنیم.').waitFor();
    await page.fill('[data-testid=note-form] textarea', 'با شرکت پیک تماس گرفته شد.');
    await page.click('[data-testid=note-form] button[type=submit]');
    await page.getByTestId('complaint-timeline').getByText('با شرکت پیک تماس گرفته شد.').waitFor();

    // Resolving without a root cause is refused, and the refusal is shown at the field.
    await page.selectOption('[data-testid=transition-form] select[name=to]', 'resolved');
    await page.click('[data-testid=transition-form] button[type=submit]');
    await page.getByTestId('error-rootCause').waitFor();
    await page.selectOption('[data-testid=transition-form] select[name=rootCause]', 'carrier-delay');
    await page.fill(
      '[data-testid=transition-form] textarea[name=customerNote]',
      'هزینهٔ ارسال به شما برگشت داده شد.',
    );
    await page.fill('[data-testid=transition-form] input[name="compensation.points"]', '300');
    await page.click('[data-testid=transition-form] button[type=submit]');
    await expect
      .poll(() => page.getByTestId('complaint-status').getAttribute('data-status'))
      .toBe('resolved');
    expect(await page.getByTestId('complaint-root-cause').innerText()).toBe('تأخیر پیک');
    const timeline = await page.getByTestId('complaint-timeline').innerText();
    for (const text of [
      'ثبت شکایت',
      'پاسخ',
      'یادداشت داخلی',
      'تغییر وضعیت',
      'جبران',
      'support@shop.test',
      '۳۰۰',
    ])
      expect(timeline).toContain(text);
    await page.screenshot({ path: join(SHOTS, 'voc-complaint-fa.png'), fullPage: true });

    // On the server: resolved by the support user, with the compensation in the member's ledger.
    const c = (await club.call('GET', `/v1/complaints/${complaintId}`)).body;
    expect(c).toMatchObject({
      status: 'resolved',
      rootCause: 'carrier-delay',
      assignee: 'support@shop.test',
    });
    expect(c.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      'created',
      'reply',
      'note',
      'status',
      'compensation',
    ]);
    const ledger = (await club.call('GET', '/v1/members/c-1/ledger?limit=5')).body.items;
    expect(ledger.some((e: { amount: number; reason: string }) => e.amount === 300)).toBe(true);
    expect(takeErrors([422])).toEqual([]);
    await ctx.close();
  });

  /** Switches the dashboard's language with its own button and waits for the page to follow. */
  async function switchTo(page: Page, lang: 'fa' | 'en') {
    if ((await page.getAttribute('html', 'lang')) !== lang) await page.getByTestId('lang').click();
    await expect.poll(() => page.getAttribute('html', 'dir')).toBe(lang === 'fa' ? 'rtl' : 'ltr');
  }

  it('shows survey score trends with their numbers, and root causes, to an analyst who cannot act', async () => {
    const { ctx, page } = await open('en');
    await signIn(page, 'analyst');
    await page.goto(`${base}/admin/voc/surveys`);
    for (const lang of ['en', 'fa'] as const) {
      await switchTo(page, lang);
      await page.selectOption('select[name=split]', 'touchpoint');
      await page.locator('[data-testid=chart-nps] canvas').waitFor();
      // One line per touchpoint: the delivery survey's NPS this month is 33.3 of 3 answers.
      const table = page.getByTestId('survey-table-nps');
      await table.getByText(lang === 'fa' ? '۳۳٫۳ (۳)' : '33.3 (3)').waitFor();
      expect(await table.innerText()).toContain('رضایت از ارسال');
      await page.selectOption('select[name=split]', 'department');
      await table.getByText(lang === 'fa' ? 'ارسال' : 'Delivery', { exact: true }).waitFor();
      await page.screenshot({ path: join(SHOTS, `voc-surveys-${lang}.png`), fullPage: true });
    }
    await page.getByTestId('voc-tab-root-causes').click();
    await page.locator('[data-testid=chart-root-causes] canvas').waitFor();
    await page.getByTestId('root-cause-table').getByText('تأخیر پیک').waitFor({ state: 'attached' });
    expect(await page.getByTestId('record-fix').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'voc-root-causes-fa.png'), fullPage: true });
    await page.goto(`${base}/admin/voc/complaints/${complaintId}`);
    await page.getByTestId('complaint-timeline').waitFor();
    expect(await page.getByTestId('complaint-actions').count()).toBe(0);
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('shows NPS and CSAT, open complaints by SLA state and campaigns on the overview', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.locator('[data-testid=overview-surveys] canvas').waitFor();
    // The half year's NPS: the same three answers as the surveys page, (2 − 1) / 3.
    expect(await page.getByTestId('overview-nps').textContent()).toContain('NPS ۳۳٫۳ (۳)');
    await page.locator('[data-testid=overview-complaints] canvas').waitFor();
    expect(await page.getByTestId('overview-complaints').textContent()).toContain('در مهلت');
    await page.getByTestId('overview-campaigns').waitFor();
    await page.screenshot({ path: join(SHOTS, 'overview-voc-fa.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it("shows a member's insights, complaints, survey answers and the messages sent", async () => {
    // The resolution's SMS is queued and sent by the jobs; here they run once, by hand.
    await dispatch();
    await messages.sendDue();
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.goto(`${base}/admin/members/c-1`);
    for (const lang of ['fa', 'en'] as const) {
      await switchTo(page, lang);
      await page.getByTestId('insights-segment').waitFor();
      expect(await page.getByTestId('insights-segment').innerText()).toBe(
        lang === 'fa' ? 'قهرمانان' : 'Champions',
      );
      expect(await page.getByTestId('insights-palive').innerText()).toMatch(
        lang === 'fa' ? /[۱-۹].*٪/ : /[1-9].*%/,
      );
      expect(await page.getByTestId('insights-clv').innerText()).toMatch(
        lang === 'fa' ? /[۱-۹].* تومان/ : /[1-9].* Toman/,
      );
      expect(await page.getByTestId('insights-asof').innerText()).not.toBe('');
      await page.getByTestId('member-complaints').getByText(complaintId).waitFor();
      await page.getByTestId('member-surveys').getByText('بسته‌بندی خراب بود').waitFor();
      const sms = page.getByTestId('member-messages').getByTestId('message-row').first();
      await sms.waitFor();
      expect(await sms.innerText()).toContain('هزینهٔ ارسال به شما برگشت داده شد.');
      await page.screenshot({ path: join(SHOTS, `member-voc-${lang}.png`), fullPage: true });
    }
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('shows the webhook delivery log with each attempt, redelivers, and previews a template live', async () => {
    await dispatch();
    await webhooks.deliverDue(); // the shop answers 503 the first time
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.click('nav a[href="/admin/settings"]');
    const row = page.getByTestId('delivery-row').first();
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await row.innerText()).toContain('503');
    await row.getByTestId('delivery-details').click();
    await page.getByTestId('delivery-attempts').getByText('maintenance, try later').waitFor();
    await row.getByTestId('delivery-redeliver').click();
    await page.getByText('دوباره در صف ارسال است.').waitFor();
    await webhooks.deliverDue();
    await page.reload();
    await expect
      .poll(async () => page.getByTestId('delivery-row').first().getAttribute('data-status'), {
        timeout: 5000,
      })
      .toBe('delivered');
    expect(received.map((r) => r.status)).toEqual([503, 200]);

    // The preview is rendered by the server as it would be sent, as the text is typed.
    await page.fill('[data-testid=template-form] input[name=eventType]', 'points.earned');
    await page.fill('[data-testid=template-form] input[name=member]', 'c-1');
    await page.fill(
      '[data-testid=template-form] textarea[name=body]',
      '{{firstName}} عزیز، {{points}} امتیاز گرفتید.',
    );
    await expect
      .poll(() => page.getByTestId('preview-body').innerText())
      .toContain('سارا عزیز، ۲٬۵۰۰ امتیاز گرفتید.');
    expect(await page.getByTestId('preview-body').innerText()).toContain('لغو');
    await page.fill('[data-testid=template-form] textarea[name=body]', 'سلام {{nope}}');
    await page.getByTestId('error-body').waitFor();
    expect(await page.getByTestId('error-body').innerText()).toContain('nope');
    await page.screenshot({ path: join(SHOTS, 'settings-voc-fa.png'), fullPage: true });
    await page.getByTestId('lang').click();
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    await page.getByTestId('voc-settings').waitFor();
    await page.screenshot({ path: join(SHOTS, 'settings-voc-en.png'), fullPage: true });
    expect(takeErrors([400])).toEqual([]);
    await ctx.close();
  });
});
