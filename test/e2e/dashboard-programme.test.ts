import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/registry.js';
import { staffModule, staffOf, WEB_DIST } from '../../src/modules/staff/index.js';
import { setupEnv, type TestClub, type TestEnv } from '../helpers.js';
import { CHROMIUM, hasChromium, launchChromium } from './browser.js';

const SHOTS = join(process.cwd(), 'test-results', 'screenshots');
const PASSWORD = 'browser-test-password';
const DAY = 86_400_000;
/** A number as the page prints it in Persian (۱۲٬۳۴۵), read back. */
const faNumber = (s: string) =>
  Number(
    (s.match(/[-+]?[۰-۹٬]+/)?.[0] ?? 'NaN')
      .replace(/٬/g, '')
      .replace(/[۰-۹]/g, (d) => String('۰۱۲۳۴۵۶۷۸۹'.indexOf(d))),
  );

if (!hasChromium) console.warn(`e2e: ${CHROMIUM} not found; the programme browser tests are skipped`);

/** Every programme page, the element that says it rendered, and its screenshot name. */
const PAGES = [
  ['/programme/tiers', 'tiers-table', 'tiers'],
  ['/programme/rewards', 'rewards-table', 'rewards'],
  ['/programme/coupons', 'batches-table', 'coupons'],
  ['/programme/campaigns', 'campaigns-table', 'campaigns'],
  ['/programme/raffles', 'raffles-list', 'raffles'],
  ['/programme/referrals', 'referrals-table', 'referrals'],
  ['/programme/eligibility', 'eligibility-weights', 'eligibility'],
] as const;

describe.skipIf(!hasChromium)('programme pages of the staff dashboard in a real browser', () => {
  let env: TestEnv;
  let club: TestClub;
  let base: string;
  let browser: Browser;
  let campaignId: string;
  const consoleErrors: string[] = [];
  const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
  const ok = async (p: Promise<{ status: number; body: unknown }>) => {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body as any;
  };

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) execSync('npm run build:web', { stdio: 'inherit' });
    mkdirSync(SHOTS, { recursive: true });
    env = await setupEnv(undefined, { modules: [...MODULES, staffModule] });
    club = await env.newClub('فروشگاه برنامهٔ وفاداری');
    await ok(
      club.call('PUT', '/v1/tiers', {
        tiers: [
          { key: 'bronze', name: { fa: 'برنزی', en: 'Bronze' }, threshold: 0 },
          {
            key: 'silver',
            name: { fa: 'نقره‌ای', en: 'Silver' },
            threshold: 50_000_000,
            benefits: { warrantyExtensionMonths: 3 },
          },
          {
            key: 'gold',
            name: { fa: 'طلایی', en: 'Gold' },
            threshold: 200_000_000,
            benefits: { shippingClass: 'express', earningMultiplier: 1.5 },
          },
        ],
      }),
    );
    const ids = Array.from({ length: 16 }, (_, i) => `m-${i + 1}`);
    for (const [i, id] of ids.entries())
      await ok(
        club.call('PUT', `/v1/members/${id}`, { firstName: 'عضو', lastName: `${i + 1}`, city: 'تهران' }),
      );

    // A running campaign with a half hold-out; treated members then buy more than the control group.
    const c = await ok(
      club.call('POST', '/v1/campaigns', {
        name: 'قدردانی پاییزی',
        startsAt: at(-10),
        endsAt: at(20),
        grant: { kind: 'points', points: 200 },
        budgetPoints: 100_000,
        controlSharePct: 50,
        seed: 'e2e-programme',
      }),
    );
    campaignId = c.id;
    await ok(club.call('POST', `/v1/campaigns/${campaignId}/activate`));
    let n = 0;
    const inGroup = { treated: 0, control: 0 };
    for (const id of ids) {
      const g = await ok(club.call('POST', `/v1/campaigns/${campaignId}/grants`, { memberExternalId: id }));
      const k = inGroup[g.group as 'treated' | 'control']++;
      const amount = (g.group === 'treated' ? 3_000_000 : 2_000_000) + (k % 3) * 100_000;
      await ok(
        club.call('POST', '/v1/orders', {
          externalId: `o-${++n}`,
          memberExternalId: id,
          placedAt: at(-3),
          totalRials: amount,
          status: 'delivered',
          lines: [{ sku: 'tea-1', category: 'چای', quantity: 1, unitPriceRials: amount }],
        }),
      );
    }
    await ok(
      club.call('POST', '/v1/rewards', {
        kind: 'free_shipping',
        nameFa: 'ارسال رایگان',
        nameEn: 'Free shipping',
        costPoints: 1500,
      }),
    );
    await ok(
      club.call('POST', '/v1/coupon-batches', {
        name: 'کد یلدا',
        kind: 'percent',
        percent: 10,
        maxDiscountRials: 500_000,
        prefix: 'YALDA',
        budgetRials: 50_000_000,
      }),
    );
    const raffle = await ok(
      club.call('POST', '/v1/raffles', {
        name: 'قرعه‌کشی نوروز',
        entryCostPoints: 0,
        closesAt: at(5),
        prizes: [{ nameFa: 'کارت هدیه', points: 500 }],
      }),
    );
    for (const id of ids.slice(0, 5))
      await ok(club.call('POST', `/v1/raffles/${raffle.id}/entries`, { memberExternalId: id }));
    await ok(club.call('POST', `/v1/raffles/${raffle.id}/draw`, { publicSeed: 'e2e' }));
    const { code } = await ok(club.call('GET', '/v1/members/m-1/referral'));
    await ok(club.call('PUT', '/v1/members/new-1', { firstName: 'تازه' }));
    await ok(club.call('POST', '/v1/referrals', { code, refereeExternalId: 'new-1' }));
    expect((await club.call('POST', '/v1/referrals', { code, refereeExternalId: 'm-1' })).status).toBe(422);

    for (const role of ['owner', 'analyst'] as const)
      await staffOf(env.ctx).createUser({
        clubId: club.clubId,
        email: `${role}@shop.test`,
        role,
        password: PASSWORD,
      });
    base = await env.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

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

  /** Moves between programme pages by their tabs, as staff do (no reload of the bundle each time). */
  async function visit(page: Page, path: string) {
    const tab = page.locator(`nav.tabs a[href="/admin${path}"]`);
    if ((await tab.count()) === 0) await page.goto(`${base}/admin${path}`);
    else await tab.click();
  }

  /** The console errors so far, minus the HTTP statuses a step provoked on purpose. */
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

  it('shows a new campaign’s validation errors next to their fields, then saves and starts it', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.click('nav a[href="/admin/programme/campaigns"]');
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.getByRole('button', { name: 'کمپین جدید' }).click();
    await page.fill('input[name=startsAt]', at(1).slice(0, 10));
    await page.fill('input[name=endsAt]', at(30).slice(0, 10));
    await page.fill('input[name=controlSharePct]', '95');
    await page.fill('input[name="segment.minOrders"]', '3');
    await page.fill('input[name="segment.maxOrders"]', '1');
    await page.click('[data-testid=campaign-form] button[type=submit]');
    // Each message in place, in Persian: the name and points are missing, the hold-out too large.
    await page.getByTestId('error-name').waitFor();
    expect(await page.getByTestId('error-name').innerText()).toBe('لازم است');
    expect(await page.getByTestId('error-grant.points').innerText()).toBe('لازم است');
    expect(await page.getByTestId('error-controlSharePct').innerText()).toContain('حداکثر');
    expect(await page.locator('[data-field=controlSharePct].has-error').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'campaign-validation-fa.png'), fullPage: true });

    await page.fill('input[name=name]', 'بازگرداندن مشتریان غایب');
    await page.fill('input[name="grant.points"]', '300');
    await page.fill('input[name=controlSharePct]', '20');
    await page.click('[data-testid=campaign-form] button[type=submit]');
    await page.getByTestId('error-name').waitFor({ state: 'detached' });
    // The segment's own rule (max below min) is still refused, next to its box.
    expect(await page.getByTestId('error-segment.maxOrders').innerText()).toContain('حداقل');
    await page.fill('input[name="segment.maxOrders"]', '');
    await page.fill('input[name="segment.minOrders"]', '1');
    await page.getByTestId('segment-preview').click();
    await expect.poll(() => page.getByTestId('segment-count').innerText()).toContain('۱۶');
    await page.click('[data-testid=campaign-form] button[type=submit]');
    await expect
      .poll(() => page.getByTestId('campaign-name').innerText())
      .toContain('بازگرداندن مشتریان غایب');
    expect(await page.getByTestId('campaign-status').innerText()).toBe('پیش‌نویس');
    await page.getByRole('button', { name: 'فعال‌سازی' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').innerText()).toBe('در حال اجرا');
    expect(faNumber(await page.getByTestId('target-treated').locator('strong').innerText())).toBeGreaterThan(
      0,
    );
    expect(takeErrors([400])).toEqual([]);
    await ctx.close();
  });

  it('renders the control-group report as a chart with its numbers', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.goto(`${base}/admin/programme/campaigns`);
    await page.getByRole('link', { name: 'قدردانی پاییزی' }).click();
    await page.locator('[data-testid=chart-uplift] canvas').waitFor();
    await page.locator('[data-testid=chart-cost] canvas').waitFor();
    const table = await page.getByTestId('report-table').innerText();
    expect(table).toContain('تومان');
    // Treated members bought about 100,000 Toman more each, and the uplift says so, significantly.
    const uplift = await page.getByTestId('uplift-window').innerText();
    expect(uplift.startsWith('+')).toBe(true);
    expect(faNumber(uplift)).toBeGreaterThan(80_000);
    expect(faNumber(uplift)).toBeLessThan(120_000);
    expect(uplift).toContain('معنادار');
    expect(uplift).not.toContain('معنادار نیست');
    // The campaign is still running: the period after it is not measured yet, and says so.
    expect(await page.getByTestId('uplift-after').innerText()).toBe('پس از پایان کمپین سنجیده می‌شود.');
    // Spend against budget: 12 or so grants of 200 points against 100,000.
    expect(await page.getByTestId('campaign-budget').innerText()).toContain('۱۰۰٬۰۰۰ امتیاز');
    expect(await page.getByTestId('report-cost').innerText()).toContain('امتیاز');
    await page.screenshot({ path: join(SHOTS, 'campaign-report-fa.png'), fullPage: true });
    expect(takeErrors()).toEqual([]);
    await ctx.close();
  });

  it('edits a tier with the error in place, creates a reward and generates coupon codes', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'owner');
    await page.goto(`${base}/admin/programme/tiers`);
    await page.getByTestId('edit-tiers').click();
    // Gold below silver: refused, with the message at gold's threshold.
    await page.fill('input[name="tiers.2.threshold"]', '1');
    await page.fill('textarea[name="tiers.1.benefits.perks"]', 'بسته‌بندی هدیه | Gift wrapping');
    await page.click('[data-testid=tiers-form] button[type=submit]');
    await page.getByTestId('error-tiers.2.threshold').waitFor();
    expect(await page.getByTestId('error-tiers.2.threshold').innerText()).toContain('سطح پایین‌تر');
    await page.screenshot({ path: join(SHOTS, 'tier-validation-fa.png'), fullPage: true });
    await page.fill('input[name="tiers.2.threshold"]', '۳۰٬۰۰۰٬۰۰۰');
    await page.click('[data-testid=tiers-form] button[type=submit]');
    await page.getByTestId('tiers-table').getByText('بسته‌بندی هدیه').waitFor();
    // Typed in Toman with Persian digits, stored in rials.
    const tiers = (await ok(club.call('GET', '/v1/tiers'))).tiers;
    expect(tiers[2].threshold).toBe(300_000_000);
    expect(tiers[1].benefits.perks).toEqual([{ fa: 'بسته‌بندی هدیه', en: 'Gift wrapping' }]);
    expect(await page.getByTestId('tiers-table').innerText()).toContain('۳۰٬۰۰۰٬۰۰۰ تومان');

    await page.goto(`${base}/admin/programme/rewards`);
    await page.getByRole('button', { name: 'جایزهٔ جدید' }).click();
    await page.selectOption('select[name=kind]', 'fixed_discount');
    await page.fill('input[name=nameFa]', 'تخفیف ۵۰ هزار تومانی');
    await page.fill('input[name=costPoints]', '۲۰۰۰');
    await page.check('input[name=targetTiers][value=gold]');
    await page.click('[data-testid=reward-form] button[type=submit]');
    await page.getByTestId('error-config.amountRials').waitFor();
    expect(await page.getByTestId('error-config.amountRials').innerText()).toBe('برای این نوع لازم است');
    await page.fill('input[name="config.amountRials"]', '50000');
    await page.fill('input[name="config.minCartRials"]', '500000');
    await page.click('[data-testid=reward-form] button[type=submit]');
    await page.getByTestId('rewards-table').getByText('تخفیف ۵۰ هزار تومانی').waitFor();
    const reward = (await ok(club.call('GET', '/v1/rewards'))).items.find(
      (r: any) => r.nameFa === 'تخفیف ۵۰ هزار تومانی',
    );
    expect(reward).toMatchObject({
      costPoints: 2000,
      targetTiers: ['gold'],
      config: { amountRials: 500_000 },
    });
    await page.screenshot({ path: join(SHOTS, 'rewards-fa.png'), fullPage: true });

    // Codes for a batch: generated by the server, downloaded as CSV at once, counted in the list.
    await visit(page, '/programme/coupons');
    const yalda = page.getByTestId('batches-table').locator('tr', { hasText: 'کد یلدا' });
    await yalda.getByRole('button', { name: 'کد بسازید یا وارد کنید' }).click();
    await page.fill('input[name=count]', '۵');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'ساخت و دریافت CSV' }).click();
    const csv = await (await download).path();
    expect(readFileSync(csv, 'utf8').match(/YALDA[0-9A-Z]+/g)).toHaveLength(5);
    await expect.poll(() => yalda.locator('td').nth(3).innerText()).toContain('۵');
    expect(takeErrors([400])).toEqual([]);
    await ctx.close();
  });

  it('shows every programme page right to left in Persian and left to right in English', async () => {
    for (const lang of ['fa', 'en'] as const) {
      const { ctx, page } = await open(lang);
      await signIn(page, 'owner');
      for (const [path, testId, name] of PAGES) {
        await visit(page, path);
        await page.getByTestId(testId).waitFor();
        expect(await page.getAttribute('html', 'dir')).toBe(lang === 'fa' ? 'rtl' : 'ltr');
        if (path === '/programme/referrals')
          await page.locator('[data-testid=chart-referrals] canvas').waitFor();
        await page.screenshot({ path: join(SHOTS, `programme-${name}-${lang}.png`), fullPage: true });
      }
      await page.goto(`${base}/admin/programme/campaigns/${campaignId}`);
      await page.locator('[data-testid=chart-uplift] canvas').waitFor();
      await page.screenshot({ path: join(SHOTS, `programme-campaign-report-${lang}.png`), fullPage: true });
      expect(await page.locator('nav .nav-group').innerText()).toBe(
        lang === 'fa' ? 'برنامهٔ وفاداری' : 'Programme',
      );
      expect(takeErrors()).toEqual([]);
      await ctx.close();
    }
  });

  it('lets an analyst read the programme but offers no control to change it', async () => {
    const { ctx, page } = await open('fa');
    await signIn(page, 'analyst');
    expect(await page.locator('nav a[href="/admin/programme/campaigns"]').count()).toBe(1);
    for (const [path, testId] of PAGES) {
      await visit(page, path);
      await page.getByTestId(testId).waitFor();
      // No create, edit, save, activate or draw: only reading controls are left.
      expect(
        await page.locator('main button', { hasText: /جدید|ویرایش|ذخیره|ایجاد|فعال‌سازی|رونوشت/ }).count(),
        path,
      ).toBe(0);
      expect(await page.getByRole('button', { name: 'قرعه‌کشی', exact: true }).count(), path).toBe(0);
      expect(
        await page.locator('main input[name=welcomePoints], main input[name="weights.loyalty"]').count(),
      ).toBe(0);
    }
    expect(await page.getByTestId('edit-tiers').count()).toBe(0);
    await page.goto(`${base}/admin/programme/campaigns/${campaignId}`);
    await page.getByTestId('report-body').waitFor();
    expect(await page.getByTestId('campaign-actions').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'programme-analyst-fa.png'), fullPage: true });
    // The server refuses the write whatever the page shows.
    const status = await page.evaluate(async () => {
      const s = (await (await fetch('/admin/api/session')).json()) as { csrfToken: string };
      const r = await fetch('/v1/rewards', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify({ kind: 'free_shipping', nameFa: 'x', costPoints: 1 }),
      });
      return `${r.status} ${((await r.json()) as { code: string }).code}`;
    });
    expect(status).toBe('403 forbidden');
    expect(takeErrors([403])).toEqual([]);
    await ctx.close();
  });
});
