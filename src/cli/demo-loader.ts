import { createServices } from '../app.js';
import type { Db } from '../db/db.js';
import { campaignsOf, seedDemo as seedCampaignsDemo } from '../modules/campaigns/index.js';
import { type DemoPricedProduct, generateDemoClub, generateDemoPrices } from '../modules/demo/index.js';
import { seedDemo as seedInsightsDemo } from '../modules/insights/index.js';
// Demo seeders their module's index.ts does not export (prices/index.ts also pulls in the prices CLI,
// which imports the module registry) are imported from their files.
import { seedDemo as seedNotificationsDemo } from '../modules/notifications/notifications.demo.js';
import type { TCreateOrder } from '../modules/orders/index.js';
import { demoPortalMember } from '../modules/portal/index.js';
import { seedDemo as seedPricesDemo } from '../modules/prices/prices.demo.js';
import type { TRuleInput } from '../modules/rules/index.js';
import { createDemoStaff } from '../modules/staff/index.js';
import { DEMO_TIERS } from '../modules/tiers/index.js';
import { seedDemo as seedVocDemo } from '../modules/voc/index.js';

/**
 * The demo programme: a base rate, double points on books (a category the shop wants to grow), a
 * welcome bonus, a birthday gift, rewarded reviews, and the tier multiplier that makes tiers pay.
 */
const DEMO_RULES: Array<Omit<TRuleInput, 'targetSegments'>> = [
  {
    kind: 'rate',
    name: 'هر ۱۰٬۰۰۰ ریال یک امتیاز (base rate)',
    priority: 10,
    config: { rialsPerPoint: 10_000, rounding: 'floor', minOrderRials: 0 },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'multiplier',
    name: 'امتیاز دوبرابر کتاب (books ×2)',
    priority: 20,
    config: { factor: 2, categories: ['کتاب و لوازم‌التحریر'], skus: [] },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'first_order',
    name: 'هدیهٔ اولین خرید (welcome)',
    priority: 30,
    config: { points: 500, minOrderRials: 0 },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'birthday',
    name: 'هدیهٔ تولد (birthday)',
    priority: 40,
    config: { points: 1000 },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'event',
    name: 'نظر تأییدشده (approved review)',
    priority: 50,
    config: { eventType: 'review_approved', points: 50, limit: { count: 5, period: 'month' } },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'event',
    name: 'ثبت شکایت (complaint submitted)',
    priority: 60,
    config: { eventType: 'complaint_submitted', points: 100, limit: { count: 2, period: 'month' } },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'event',
    name: 'پاسخ به نظرسنجی (survey answered)',
    priority: 70,
    config: { eventType: 'survey_answered', points: 20 },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'event',
    name: 'عذرخواهی تأخیر ارسال (late delivery apology)',
    priority: 80,
    config: { eventType: 'delivery_late', points: 200 },
    targetTiers: [],
    stop: false,
    enabled: true,
  },
  {
    kind: 'tier_multiplier',
    name: 'ضریب سطح عضویت (tier multiplier)',
    priority: 90,
    config: {},
    targetTiers: [],
    stop: false,
    enabled: true,
  },
];

export interface DemoLoadResult {
  clubId: string;
  apiKey: string;
  /** An owner account for the dashboard; the password is random and shown once. */
  staff: { email: string; password: string };
  /** A member to try the portal with (sign-in by a code sent to this mobile). */
  portalMember: { name: string; mobile: string } | null;
  members: number;
  orders: number;
  returns: number;
  seconds: number;
  /** What to try on the demo, one line each: a path under the server's URL and what it shows. */
  tryThis: string[];
}

/**
 * Loads a realistic demo club through the same services the API uses (so its ledger is as exact as
 * any club's): members, orders with their final statuses, returns, then releases matured points.
 */
export async function loadDemoClub(
  db: Db,
  opts: { members?: number; orders?: number; seed?: number; onProgress?: (msg: string) => void } = {},
): Promise<DemoLoadResult> {
  const started = Date.now();
  const say = opts.onProgress ?? (() => {});
  const services = createServices(db, () => new Date());
  const demo = generateDemoClub({
    members: opts.members ?? 5000,
    orders: opts.orders ?? 50_000,
    seed: opts.seed ?? 1403,
  });
  const { club, apiKey } = await services.clubs.createClub('فروشگاه نمونه وفا (Vafa demo shop)');
  const clubId = club.id;
  for (const rule of DEMO_RULES)
    await services.rules.createRule(clubId, { ...rule, targetSegments: [] } as TRuleInput);
  await services.clubs.updateClub(clubId, { expiryMode: 'months', expiryMonths: 12, pointValueRials: 100 });

  say(`members: 0/${demo.members.length}`);
  for (let i = 0; i < demo.members.length; i += 1000) {
    const slice = demo.members.slice(i, i + 1000);
    await db.transaction((tx) =>
      services.members.createMembersBulk(
        tx,
        clubId,
        slice.map((m) => ({
          externalId: m.externalId,
          firstName: m.firstName,
          lastName: m.lastName,
          mobile: m.mobile,
          email: m.email,
          city: m.city,
          province: m.province,
          birthDate: m.birthDate,
          gender: m.gender,
          consentSms: m.consentSms,
          consentEmail: m.consentEmail,
        })),
      ),
    );
    say(`members: ${Math.min(i + 1000, demo.members.length)}/${demo.members.length}`);
  }

  for (let i = 0; i < demo.orders.length; i += 1000) {
    const batch: TCreateOrder[] = demo.orders.slice(i, i + 1000).map((o) => ({
      externalId: o.externalId,
      memberExternalId: o.memberExternalId,
      placedAt: o.placedAt,
      totalRials: o.totalRials,
      status: o.status,
      statusAt: o.deliveredAt ?? o.placedAt,
      promisedDeliveryAt: o.promisedDeliveryAt,
      lines: o.lines.map((l) => ({
        sku: l.sku,
        category: l.category,
        quantity: l.quantity,
        unitPriceRials: l.unitPriceRials,
      })),
    }));
    const results = await services.orders.createOrders(clubId, batch);
    const failed = results.filter((r) => r.status >= 400);
    if (failed.length) throw new Error(`demo orders refused: ${JSON.stringify(failed.slice(0, 3))}`);
    say(`orders: ${Math.min(i + 1000, demo.orders.length)}/${demo.orders.length}`);
  }

  let returns = 0;
  for (const o of demo.orders) {
    if (!o.returned) continue;
    await services.orders.createReturn(clubId, o.externalId, {
      externalId: o.returned.externalId,
      amountRials: o.returned.amountRials,
      at: o.returned.at,
    });
    returns++;
  }
  say(`returns: ${returns}`);
  // Fresh statistics after the bulk load, for PGlite, which never analyses by itself.
  if (db.kind === 'pglite') await db.exec('analyze');
  await services.points.releaseMatured(clubId);
  // Tiers are defined after the history is in, then every member qualifies once: cheaper than
  // re-evaluating members after each of 50,000 orders, and the same result for a demo.
  await services.tiers.replaceTiers(clubId, DEMO_TIERS);
  const { rows } = await db.query<{ member_id: string }>(
    'select member_id from members where club_id = $1 order by member_id',
    [clubId],
  );
  for (let i = 0; i < rows.length; i += 500) {
    const ids = rows.slice(i, i + 500).map((r) => r.member_id);
    await db.transaction((tx) => services.tiers.evaluateMembers(tx, clubId, ids));
  }
  say('tiers: evaluated');
  // One context for every module's demo data: the modules keep their services per context.
  const ctx = { db, services, clock: () => new Date() };
  const staff = await createDemoStaff(ctx, clubId);
  const portalMember = await demoPortalMember(ctx, clubId);
  const priced = generateDemoPrices(demo.products, { now: ctx.clock(), seed: opts.seed ?? 1403 });
  const watchers = demoWatchers(demo.orders, priced, portalMember?.externalId ?? null);
  const pricesDemo = await seedPricesDemo(ctx, clubId, priced, watchers);
  say(
    `prices: ${pricesDemo.products} products, ${pricesDemo.observations} daily prices, ${pricesDemo.watches} watches`,
  );
  await seedVocDemo(ctx, clubId, { portalMemberExternalId: portalMember?.externalId ?? null });
  say('surveys, complaints and reviews: seeded');
  await seedCampaignsDemo(ctx, clubId, { portalMemberExternalId: portalMember?.externalId ?? null });
  say('rewards, campaigns, raffles and referrals: seeded');
  await seedInsightsDemo(ctx, clubId);
  say('insights: computed');
  await seedNotificationsDemo(ctx, clubId);
  const ended = (await campaignsOf(ctx).campaigns.listCampaigns(clubId)).find((c) => c.status === 'ended');
  const portalWatch = watchers.find((w) => w.externalId === portalMember?.externalId)?.skus ?? [];
  const tryThis = [
    ...(portalWatch[0] ? [`/admin/prices/${portalWatch[0]}  a sale this week: the signal says buy`] : []),
    ...(portalWatch[1]
      ? [`/admin/prices/${portalWatch[1]}  a price hike like those that fell back: wait`]
      : []),
    '/admin/voc  the complaint queue: open complaints, two past their SLA',
    ...(ended
      ? [`/admin/programme/campaigns/${ended.id}  a finished campaign against its control group`]
      : []),
    '/admin/analytics  RFM grid, cohorts, lifetime value',
    ...(portalMember
      ? [
          `/portal/  as ${portalMember.externalId}: three watched products with an alert, a pending survey, ` +
            'a complaint waiting on the member, an open raffle, referred friends',
        ]
      : []),
  ];
  return {
    clubId,
    apiKey,
    staff,
    portalMember: portalMember ? { name: portalMember.name, mobile: portalMember.mobile } : null,
    members: demo.members.length,
    orders: demo.orders.length,
    returns,
    seconds: (Date.now() - started) / 1000,
    tryThis,
  };
}

/**
 * Who watches which product: the portal's demo member watches three products they bought (one whose sale
 * began this week, with a target price it reaches; one on a hike; one rising), and the first members who
 * bought a product now on sale watch it too, so the week's drops alert a few dozen members.
 */
function demoWatchers(
  orders: ReadonlyArray<{ memberExternalId: string; lines: ReadonlyArray<{ sku: string }> }>,
  priced: readonly DemoPricedProduct[],
  portalExternalId: string | null,
): Array<{ externalId: string; skus: string[]; targetPriceRials?: number | null }> {
  const bySku = new Map(priced.map((p) => [p.sku, p]));
  const bought = new Map<string, Set<string>>();
  for (const o of orders) {
    const set = bought.get(o.memberExternalId) ?? new Set<string>();
    bought.set(o.memberExternalId, set);
    for (const l of o.lines) set.add(l.sku);
  }
  const out: Array<{ externalId: string; skus: string[]; targetPriceRials?: number | null }> = [];
  if (portalExternalId) {
    const mine = [...(bought.get(portalExternalId) ?? [])].sort();
    const skus: string[] = [];
    for (const story of ['drop', 'spike', 'rising'] as const) {
      // Prefer what the member bought; any product of the story otherwise.
      const sku =
        mine.find((s) => bySku.get(s)?.story === story && !skus.includes(s)) ??
        priced.find((p) => p.story === story && !skus.includes(p.sku))?.sku;
      if (sku) skus.push(sku);
    }
    const first = bySku.get(skus[0] ?? '');
    // A target a little under the price before the sale: the sale reaches it, so the alert says "target".
    const before = first?.observations[first.observations.length - 8]?.priceRials;
    out.push({
      externalId: portalExternalId,
      skus,
      targetPriceRials: before ? Math.round((before * 0.9) / 10_000) * 10_000 : null,
    });
  }
  for (const [externalId, skus] of bought) {
    if (out.length > 60) break;
    if (externalId === portalExternalId) continue;
    const onSale = [...skus].sort().filter((s) => bySku.get(s)?.story === 'drop');
    if (onSale.length) out.push({ externalId, skus: onSale.slice(0, 2) });
  }
  return out;
}
