import { execSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import { staffModule, staffOf, WEB_DIST } from '../../src/modules/staff/index.js';
import { setupEnv, type TestClub, type TestEnv } from '../helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from './browser.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'browser-test-password';

// The browser tests need Debian's chromium (.ci/run installs it); without it they are skipped, loudly.
if (!hasChromium) console.warn(`e2e: ${CHROMIUM} not found; the dashboard browser tests are skipped`);

describe.skipIf(!hasChromium)('staff dashboard in a real browser', () => {
  let env: TestEnv;
  let club: TestClub;
  let base: string;
  let browser: Browser;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) execSync('npm run build:web', { stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    env = await setupEnv(undefined, { modules: [...MODULES, staffModule] });
    club = await env.newClub('فروشگاه آزمایشی');
    await club.call('POST', '/v1/rules', {
      kind: 'rate',
      name: 'امتیاز پایهٔ خرید',
      priority: 10,
      config: { rialsPerPoint: 10_000 },
    });
    const people = [
      ['c-1', 'سارا', 'احمدی', 'تهران'],
      ['c-2', 'علی', 'رضایی', 'اصفهان'],
      ['c-3', 'مریم', 'کریمی', 'شیراز'],
    ] as const;
    for (const [id, firstName, lastName, city] of people) {
      await club.call('PUT', `/v1/members/${id}`, { firstName, lastName, city, consentSms: true });
    }
    const day = 86_400_000;
    let n = 0;
    for (const [id] of people) {
      for (let k = 0; k < (id === 'c-1' ? 3 : 1); k++) {
        const placedAt = new Date(Date.now() - (40 * k + 5) * day).toISOString();
        const res = await club.call('POST', '/v1/orders', {
          externalId: `o-${++n}`,
          memberExternalId: id,
          placedAt,
          totalRials: 2_500_000 * (k + 1),
          status: 'delivered',
          lines: [{ sku: 'tea-1', category: 'چای', quantity: 1, unitPriceRials: 2_500_000 * (k + 1) }],
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
    }
    // The member page shows the latest insights snapshot (the scheduler makes one daily; here, now).
    expect((await club.call('POST', '/v1/insights/runs', {})).status).toBe(201);
    for (const role of ['owner', 'analyst'] as const) {
      await staffOf(env.ctx).createUser({
        clubId: club.clubId,
        email: `${role}@shop.test`,
        role,
        password: PASSWORD,
      });
    }
    base = await env.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  /** A fresh context per user; every console error and page error is recorded with its page. */
  async function open(lang: 'fa' | 'en' = 'fa'): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(`localStorage.setItem('vafa.lang', '${lang}')`);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    return { ctx, page };
  }

  async function signIn(page: Page, role: 'owner' | 'analyst') {
    await page.goto(`${base}/admin/`);
    await page.fill('input[name=email]', `${role}@shop.test`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.getByTestId('who').waitFor();
  }

  /** Takes the console errors recorded so far, minus the HTTP statuses a step provoked on purpose. */
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

  it('signs staff in and shows the overview in Persian, right to left', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.getByTestId('kpi-members').waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getAttribute('html', 'lang')).toBe('fa');
    // Persian digits: three members.
    expect(await page.getByTestId('kpi-members').innerText()).toContain('۳');
    await page.locator('[data-testid=chart-buyers] canvas').waitFor();
    await page.screenshot({ path: join(SHOTS, 'overview-fa.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it("opens a member's page with orders, ledger and the rule of each entry, and adjusts points", async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.click('nav a[href="/admin/members"]');
    await page.fill('input[name=q]', 'سارا');
    await page.click('form[role=search] button');
    await page.getByRole('link', { name: 'سارا احمدی' }).click();
    await expect.poll(() => page.getByTestId('member-name').innerText()).toBe('سارا احمدی');
    await page.getByTestId('member-orders').locator('tbody tr').nth(2).waitFor();
    await page.getByTestId('member-ledger').getByText('امتیاز پایهٔ خرید').first().waitFor();
    expect(await page.getByTestId('member-orders').innerText()).toContain('تومان');
    await page.fill('[data-testid=adjust] input[name=points]', '120');
    await page.fill('[data-testid=adjust] input[name=reason]', 'جبران تأخیر ارسال');
    await page.click('[data-testid=adjust] button[type=submit]');
    await page.getByTestId('member-ledger').getByText('جبران تأخیر ارسال').waitFor();
    await page.screenshot({ path: join(SHOTS, 'member-fa.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('shows the API’s validation errors next to the fields of a new rule, then saves it', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.click('nav a[href="/admin/programme/rules"]');
    await page.getByRole('button', { name: 'قاعدهٔ جدید' }).click();
    await page.selectOption('select[name=kind]', 'first_order');
    await page.fill('input[name=name]', 'هدیهٔ خرید اول');
    await page.fill('input[name=priority]', '20');
    await page.fill('input[name="config.points"]', '0');
    await page.click('[data-testid=rule-form] button[type=submit]');
    const err = page.getByTestId('error-config.points');
    await err.waitFor();
    expect(await err.innerText()).not.toBe('');
    await page.screenshot({ path: join(SHOTS, 'rule-validation-fa.png'), fullPage: true });
    await page.fill('input[name="config.points"]', '500');
    await page.click('[data-testid=rule-form] button[type=submit]');
    await page.getByTestId('rules-table').getByText('هدیهٔ خرید اول').waitFor();
    expect(takeErrors([400])).toEqual([]);
    await ctx.close();
  });

  it('switches to English, left to right, with every main page rendered', async () => {
    const { ctx, page } = await open('en');
    await signIn(page, 'owner');
    await page.getByTestId('kpi-members').waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    await page.locator('[data-testid=chart-buyers] canvas').waitFor();
    await page.screenshot({ path: join(SHOTS, 'overview-en.png'), fullPage: true });
    for (const [path, testId, name] of [
      ['/members', 'members-table', 'members'],
      ['/members/c-1', 'member-ledger', 'member'],
      ['/programme/rules', 'rules-table', 'rules'],
      ['/programme/tiers', 'tiers-table', 'tiers'],
      ['/settings', 'api-keys', 'settings'],
    ] as const) {
      await page.goto(`${base}/admin${path}`);
      await page.getByTestId(testId).waitFor();
      await page.screenshot({ path: join(SHOTS, `${name}-en.png`), fullPage: true });
    }
    await page.getByTestId('lang').click();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.screenshot({ path: join(SHOTS, 'settings-fa.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('refuses an analyst the settings page, in the menu and at its address', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'analyst');
    expect(await page.locator('nav a[href="/admin/settings"]').count()).toBe(0);
    await page.goto(`${base}/admin/settings`);
    await page.getByTestId('forbidden').waitFor();
    expect(await page.getByTestId('api-keys').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'forbidden-fa.png'), fullPage: true });
    // The server refuses too, whatever the page shows.
    const status = await page.evaluate(async () => (await fetch('/v1/api-keys')).status);
    expect(status).toBe(403);
    expect(takeErrors([403])).toEqual([]);
    await ctx.close();
  });
});
