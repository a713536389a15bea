import { createServices } from '../app.js';
import type { Db } from '../db/db.js';
import { seedDemo as seedCampaignsDemo } from '../modules/campaigns/index.js';
import { generateDemoClub } from '../modules/demo/index.js';
import { seedDemo as seedInsightsDemo } from '../modules/insights/index.js';
import type { TCreateOrder } from '../modules/orders/index.js';
import { demoPortalMember, seedDemo as seedPortalDemo } from '../modules/portal/index.js';
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
  await seedVocDemo(ctx, clubId);
  say('surveys, complaints and reviews: seeded');
  await seedCampaignsDemo(ctx, clubId);
  say('rewards, campaigns, raffles and referrals: seeded');
  await seedInsightsDemo(ctx, clubId);
  say('insights: computed');
  await seedPortalDemo(ctx, clubId);
  const portalMember = await demoPortalMember(ctx, clubId);
  return {
    clubId,
    apiKey,
    staff,
    portalMember: portalMember ? { name: portalMember.name, mobile: portalMember.mobile } : null,
    members: demo.members.length,
    orders: demo.orders.length,
    returns,
    seconds: (Date.now() - started) / 1000,
  };
}
