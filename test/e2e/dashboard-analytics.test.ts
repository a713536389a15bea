import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoClub } from '../../src/cli/demo-loader.js';
import { MODULES } from '../../src/modules/registry.js';
import { staffOf, WEB_DIST } from '../../src/modules/staff/index.js';
import { setupEnv, type TestEnv } from '../helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from './browser.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'analytics-browser-password';
const DAY_MS = 86_400_000;
const SKU = 'TEA-500';

/** Persian digits of a count, as the pages print it (grouped: ۱٬۲۳۴). */
const fa = (n: number) => new Intl.NumberFormat('fa-IR').format(n);

if (!hasChromium) console.warn(`e2e: ${CHROMIUM} not found; the analytics browser tests are skipped`);

// The analytics and prices pages over the demo club (a small one, so the file stays well under a minute).
describe.skipIf(!hasChromium)('analytics and prices pages in a real browser', () => {
  let env: TestEnv;
  let base: string;
  let browser: Browser;
  let apiKey: string;
  let owner: { email: string; password: string };
  const consoleErrors: string[] = [];

  async function call(method: string, url: string, body?: unknown) {
    const res = await env.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${apiKey}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body, headers: res.headers, json: () => JSON.parse(res.body) };
  }

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) execSync('npm run build:web', { stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    env = await setupEnv(undefined, { modules: MODULES });
    // The demo club as `npm start` makes it, at a tenth of its size: members, orders, returns, tiers,
    // and the two insights runs (a month ago and now) the analytics page reads.
    const demo = await loadDemoClub(env.db, { members: 300, orders: 2500 });
    apiKey = demo.apiKey;
    owner = demo.staff;
    await staffOf(env.ctx).createUser({
      clubId: demo.clubId,
      email: 'analyst@shop.test',
      role: 'analyst',
      password: PASSWORD,
    });
    // A product with a year of prices: rises, then a drop today that alerts a member watching it.
    expect(
      (await call('PUT', `/v1/products/${SKU}`, { titleFa: 'چای سیاه ۵۰۰ گرمی', titleEn: 'Black tea 500 g' }))
        .status,
    ).toBeLessThan(300);
    const now = Date.now();
    const observations = [];
    for (let d = 360; d >= 2; d -= 3) {
      const price = 1_200_000 + Math.round((360 - d) * 2_000) + (d % 30 === 0 ? 90_000 : 0);
      observations.push({ sku: SKU, priceRials: price, at: new Date(now - d * DAY_MS).toISOString() });
    }
    expect((await call('POST', '/v1/prices/batch', { observations })).status).toBeLessThan(300);
    const member = (await call('GET', '/v1/members?limit=1')).json().items[0].externalId;
    expect((await call('PUT', `/v1/members/${member}/watches/${SKU}`, {})).status).toBeLessThan(300);
    const drop = { sku: SKU, priceRials: 1_500_000, at: new Date(now - DAY_MS).toISOString() };
    expect((await call('POST', '/v1/prices', drop)).status).toBeLessThan(300);
    base = await env.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  async function open(lang: 'fa' | 'en'): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await ctx.addInitScript(`localStorage.setItem('vafa.lang', '${lang}')`);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
    return { ctx, page };
  }

  async function signIn(page: Page, email: string, password: string, to: string) {
    await page.goto(`${base}/admin${to}`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.getByTestId('who').waitFor();
  }

  function takeErrors(): string[] {
    const out = [...consoleErrors];
    consoleErrors.length = 0;
    return out;
  }

  it('draws the RFM grid and the segment figures of the demo club in Persian, right to left', async () => {
    const grid = (await call('GET', '/v1/insights/reports/rfm-grid')).json();
    const rate = (await call('GET', '/v1/insights/reports/repeat-rate')).json();
    expect(grid.buyers).toBeGreaterThan(200);
    const { ctx, page } = await open('fa');
    await signIn(page, owner.email, owner.password, '/analytics');
    await page.locator('[data-testid=rfm-grid] canvas').first().waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    expect(await page.getByTestId('rfm-total').textContent()).toContain(fa(grid.buyers));
    expect(await page.getByTestId('kpi-buyers').textContent()).toContain(fa(rate.buyers));
    // The as-of date is the latest run's, in the Jalali calendar.
    const asOf = new Intl.DateTimeFormat('fa-IR-u-ca-persian', {
      timeZone: 'Asia/Tehran',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    }).format(new Date(grid.asOf));
    expect(await page.getByTestId('as-of').textContent()).toContain(asOf);
    // Every segment has its row, with its size in Persian digits.
    const segs = (await call('GET', '/v1/insights/reports/segments')).json().segments;
    const champions = segs.find((s: any) => s.segment === 'Champions');
    expect(await page.locator('[data-segment="Champions"] td').nth(1).textContent()).toBe(
      fa(champions.members),
    );
    await page.locator('[data-testid=segments-chart] canvas').first().waitFor();
    // Two runs of the demo: the movement matrix is drawn.
    await page.locator('[data-testid=movements] table.matrix').waitFor();
    await page.getByTestId('colour-monetary').click();
    await page.locator('[data-testid=rfm-grid] canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'analytics-segments-fa.png'), fullPage: true });

    await page.getByTestId('tab-value').click();
    await page.locator('[data-testid=clv-chart] canvas').first().waitFor();
    await page.locator('[data-testid=model-check-chart] canvas').first().waitFor();
    const check = (await call('GET', '/v1/insights/reports/model-check')).json().modelCheck;
    expect(check.status).toBe('checked');
    expect(await page.getByTestId('model-total').textContent()).toContain(fa(check.actual));
    await page.screenshot({ path: join(SHOTS, 'analytics-value-fa.png'), fullPage: true });

    await page.getByTestId('tab-cohorts').click();
    await page.locator('[data-testid=cohort-chart] canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'analytics-cohorts-fa.png'), fullPage: true });

    await page.getByTestId('tab-breakdowns').click();
    await page.locator('[data-testid=provinces-chart] canvas').first().waitFor();
    await page.locator('[data-testid=categories-chart] canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'analytics-breakdowns-fa.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('downloads the lapsed customers as CSV with the rows the API lists', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, owner.email, owner.password, '/analytics/lapsed');
    await page.getByTestId('lapsed-table').waitFor();
    const shown = await page
      .locator('[data-testid=lapsed-table] tbody tr')
      .evaluateAll((rows) => rows.map((r) => (r as any).dataset.member as string));
    const api = (await call('GET', '/v1/insights/reports/lapsed?limit=1000')).json();
    expect(api.total).toBeGreaterThan(0);
    expect(shown).toEqual(api.items.slice(0, 100).map((i: any) => i.memberExternalId));
    await page.screenshot({ path: join(SHOTS, 'analytics-lapsed-fa.png'), fullPage: true });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('lapsed-csv').click(),
    ]);
    const text = readFileSync((await download.path())!, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(
      /^memberExternalId,firstName,lastName,mobile,email,province,consentSms,consentEmail,/,
    );
    expect(lines).toHaveLength(api.total + 1);
    const ids = lines.slice(1).map((l) => l.split(',')[0]);
    expect(ids.slice(0, api.items.length)).toEqual(api.items.map((i: any) => i.memberExternalId));
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('shows the analytics page in English, left to right, and recomputes on demand', async () => {
    const { ctx, page } = await open('en');
    await signIn(page, owner.email, owner.password, '/analytics');
    await page.locator('[data-testid=rfm-grid] canvas').first().waitFor();
    expect(await page.getAttribute('html', 'dir')).toBe('ltr');
    expect(await page.getByTestId('as-of').textContent()).toMatch(/^Data as of /);
    await page.screenshot({ path: join(SHOTS, 'analytics-segments-en.png'), fullPage: true });
    const before = (await call('GET', '/v1/insights/runs')).json().items.length;
    await page.getByTestId('run-insights').click();
    await page.locator('[data-testid=run-insights]:not([disabled])').waitFor();
    await page.locator('[data-testid=rfm-grid] canvas').first().waitFor();
    const runs = (await call('GET', '/v1/insights/runs')).json().items;
    expect(runs).toHaveLength(before + 1);
    expect(runs[0]).toMatchObject({ trigger: 'api', status: 'succeeded' });
    await page.getByTestId('tab-value').click();
    await page.locator('[data-testid=model-check-chart] canvas').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'analytics-value-en.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('shows an analyst the analytics figures without the owner’s settings', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'analyst@shop.test', PASSWORD, '/analytics/breakdowns');
    await page.locator('[data-testid=provinces-chart] canvas').first().waitFor();
    expect(await page.locator('nav[aria-label=main] a[href="/admin/settings"]').count()).toBe(0);
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('draws a product’s price history with the buy-or-wait signal, in both languages', async () => {
    const history = (await call('GET', `/v1/products/${SKU}/price-history`)).json();
    for (const lang of ['fa', 'en'] as const) {
      const { ctx, page } = await open(lang);
      await signIn(page, owner.email, owner.password, '/prices');
      // The member's price-drop alert leads to the product.
      await page.locator(`[data-testid=price-alerts] a[href="/admin/prices/${SKU}"]`).first().click();
      await page.locator('[data-testid=price-chart] canvas').first().waitFor();
      expect(await page.getAttribute('html', 'dir')).toBe(lang === 'fa' ? 'rtl' : 'ltr');
      const signal = await page.getByTestId('signal').textContent();
      expect(signal).toContain(lang === 'fa' ? history.signal.reasonFa : history.signal.reasonEn);
      const current = await page.getByTestId('current-price').textContent();
      expect(current).toContain(
        lang === 'fa' ? `${fa(150_000)} تومان` : `${(150_000).toLocaleString('en-US')} Toman`,
      );
      await page.screenshot({ path: join(SHOTS, `prices-${lang}.png`), fullPage: true });
      expect(takeErrors()).toEqual([]);
      await ctx.close();
    }
  });
});
