import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalModule, PORTAL_DIST, seedDemo } from '../../src/modules/portal/index.js';
import { MODULES } from '../../src/modules/registry.js';
import { rewardsModule } from '../../src/modules/rewards/index.js';
import { DEMO_TIERS } from '../../src/modules/tiers/index.js';
import { setupEnv, type TestClub, type TestEnv } from '../helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from './browser.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const MOBILE = '09121234567';
const PHONE = { width: 360, height: 740 };

// The browser tests need Debian's chromium (.ci/run installs it); without it they are skipped, loudly.
if (!hasChromium) console.warn(`e2e: ${CHROMIUM} not found; the portal browser tests are skipped`);

describe.skipIf(!hasChromium)('member portal in a real browser, on a phone screen', () => {
  let env: TestEnv;
  let club: TestClub;
  let base: string;
  let browser: Browser;
  let rewardId: string;
  const smsDir = mkdtempSync(join(tmpdir(), 'vafa-portal-e2e-'));
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(PORTAL_DIST, 'index.html'))) execSync('npm run build:portal', { stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    env = await setupEnv(undefined, {
      modules: [...MODULES, rewardsModule, createPortalModule({ smsLogDir: smsDir })],
    });
    club = await env.newClub('فروشگاه آزمایشی');
    expect((await club.call('PUT', '/v1/tiers', DEMO_TIERS)).status).toBe(200);
    await club.call('POST', '/v1/rules', {
      kind: 'rate',
      name: 'امتیاز پایهٔ خرید',
      priority: 10,
      config: { rialsPerPoint: 100_000 },
    });
    await club.call('PUT', '/v1/members/m-1', { firstName: 'سارا', lastName: 'احمدی', mobile: MOBILE });
    const day = 86_400_000;
    for (let k = 0; k < 3; k++) {
      const res = await club.call('POST', '/v1/orders', {
        externalId: `o-${k}`,
        memberExternalId: 'm-1',
        placedAt: new Date(Date.now() - (40 * k + 20) * day).toISOString(),
        totalRials: 60_000_000,
        status: 'delivered',
        lines: [{ sku: 'tea-1', category: 'چای', quantity: 1, unitPriceRials: 60_000_000 }],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    await club.call('POST', '/v1/members/m-1/points/adjustments', { points: 300, reason: 'هدیهٔ خوش‌آمد' });
    const reward = await club.call('POST', '/v1/rewards', {
      kind: 'fixed_discount',
      nameFa: 'تخفیف ۵۰ هزار تومانی',
      nameEn: '50,000 Toman off',
      costPoints: 200,
      config: { amountRials: 500_000 },
      guardrailOverride: { reason: 'جایزهٔ آزمایش مرورگر' },
    });
    expect(reward.status, JSON.stringify(reward.body)).toBe(201);
    rewardId = reward.body.id;
    await seedDemo(env.ctx, club.clubId);
    base = await env.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  async function open(lang: 'fa' | 'en'): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    await ctx.addInitScript(`localStorage.setItem('vafa.portal.lang', '${lang}')`);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    return { ctx, page };
  }

  /** The last code the development SMS provider wrote for the mobile. */
  function lastCode(): string {
    const lines = readFileSync(join(smsDir, 'messages.jsonl'), 'utf8').trim().split('\n');
    const last = lines
      .map((l) => JSON.parse(l) as { to: string; text: string })
      .filter((m) => m.to === '+989121234567')
      .at(-1);
    return /(\d{6})/.exec(last?.text ?? '')?.[1] ?? '';
  }

  function takeErrors(expectedStatuses: number[] = []): string[] {
    const out = consoleErrors.filter(
      (e) => !expectedStatuses.some((s) => e.includes(`the server responded with a status of ${s}`)),
    );
    consoleErrors.length = 0;
    return out;
  }

  async function noHorizontalScroll(page: Page) {
    const wide = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    expect(wide).toBeLessThanOrEqual(PHONE.width);
  }

  it('refuses a wrong code, then signs in with the SMS code and shows balance, tier and history in Persian', async () => {
    const { ctx, page } = await open('fa');
    await page.goto(`${base}/portal/?club=${club.clubId}`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.getByLabel('شمارهٔ موبایل').fill('۰۹۱۲۱۲۳۴۵۶۷');
    await page.screenshot({ path: join(SHOTS, 'portal-signin-fa.png'), fullPage: true });
    await page.getByRole('button', { name: 'دریافت کد' }).click();
    await page.getByTestId('code-help').waitFor();
    const code = lastCode();
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code === '000000' ? '111111' : '000000';
    await page.getByLabel('کد پیامک‌شده').fill(wrong);
    await page.getByRole('button', { name: 'ورود', exact: true }).click();
    await expect.poll(() => page.getByTestId('signin-error').innerText()).toContain('۴');
    await page.screenshot({ path: join(SHOTS, 'portal-wrong-code-fa.png'), fullPage: true });
    await page.getByLabel('کد پیامک‌شده').fill(code);
    await page.getByRole('button', { name: 'ورود', exact: true }).click();
    await page.getByTestId('balance-available').waitFor();
    // Points of the three delivered orders plus the welcome points, in Persian digits.
    expect(await page.getByTestId('balance-available').innerText()).toMatch(/[۰-۹]/);
    expect(await page.getByTestId('tier-name').innerText()).toBe('نقره‌ای');
    await page.getByTestId('tier-progress').waitFor();
    await page.getByTestId('benefits').getByText('بسته‌بندی هدیهٔ رایگان').waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, 'portal-home-fa.png'), fullPage: true });
    await page.getByTestId('tab-history').click();
    await page.getByTestId('history-list').getByText('هدیهٔ خوش‌آمد').waitFor();
    await page.screenshot({ path: join(SHOTS, 'portal-history-fa.png'), fullPage: true });
    expect(takeErrors([401])).toEqual([]);
    await ctx.close();
  });

  it('limits how often a code can be asked for', async () => {
    const { ctx, page } = await open('fa');
    await page.goto(`${base}/portal/?club=${club.clubId}`);
    await page.getByLabel('شمارهٔ موبایل').fill('09121234568');
    await page.getByRole('button', { name: 'دریافت کد' }).click();
    await page.getByTestId('code-help').waitFor();
    await page.getByRole('button', { name: 'تغییر شماره' }).click();
    await page.getByRole('button', { name: 'دریافت کد' }).click();
    await expect.poll(() => page.getByTestId('signin-error').innerText()).toContain('درخواست‌ها زیاد بود');
    expect(takeErrors([429])).toEqual([]);
    await ctx.close();
  });

  it('redeems a reward: the coupon shows and the balance drops by its cost', async () => {
    const { ctx, page } = await open('fa');
    await signInAgain(page);
    const before = await env.ctx.services.points.getBalance(club.clubId, 'm-1');
    await page.getByTestId('tab-rewards').click();
    await page.getByTestId(`reward-${rewardId}`).getByRole('button').click();
    await page.getByTestId('redeem-message').waitFor();
    const after = await env.ctx.services.points.getBalance(club.clubId, 'm-1');
    expect(before.available - after.available).toBe(200);
    await page.screenshot({ path: join(SHOTS, 'portal-rewards-fa.png'), fullPage: true });
    await page.getByTestId('tab-home').click();
    const shown = new Intl.NumberFormat('fa-IR').format(after.available);
    await expect.poll(() => page.getByTestId('balance-available').innerText()).toContain(shown);
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('shows a watched product’s price chart, and switches to English, left to right', async () => {
    const { ctx, page } = await open('en');
    await signInAgain(page);
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(await page.getByTestId('tier-name').innerText()).toBe('Silver');
    await page.screenshot({ path: join(SHOTS, 'portal-home-en.png'), fullPage: true });
    await page.getByTestId('tab-prices').click();
    await page.locator('[data-testid=chart-portal-demo-phone] canvas').waitFor();
    await noHorizontalScroll(page);
    await page.screenshot({ path: join(SHOTS, 'portal-prices-en.png'), fullPage: true });
    await page.getByTestId('lang').click();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.locator('[data-testid=chart-portal-demo-phone] canvas').waitFor();
    await page.screenshot({ path: join(SHOTS, 'portal-prices-fa.png'), fullPage: true });
    await page.getByTestId('tab-more').click();
    expect(await page.getByTestId('not-available').count()).toBeGreaterThan(0);
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  /** Later sign-ins wait out the one-code-a-minute limit by moving the business clock. */
  async function signInAgain(page: Page) {
    env.clock.advanceDays(61 / 86_400);
    await page.goto(`${base}/portal/?club=${club.clubId}`);
    await page.locator('#mobile').fill(MOBILE);
    await page.locator('form button[type=submit]').click();
    await page.locator('#code').waitFor();
    await page.locator('#code').fill(lastCode());
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('balance-available').waitFor();
  }
});
