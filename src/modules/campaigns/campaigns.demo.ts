import type { AppContext } from '../../http/types.js';
import type { TCreateOrder } from '../orders/index.js';
import { referralsOf } from '../referrals/index.js';
import { rewardsOf } from '../rewards/index.js';
import { campaignsOf } from './index.js';

const DAY_MS = 86_400_000;

/**
 * Demo data for rewards, campaigns and referrals on a demo club that already has members and orders:
 * a rewards catalog, a coupon batch, a running win-back campaign with its hold-out, a finished one whose
 * control-group report has numbers, an open and a drawn raffle, referrals (accepted and refused, and the
 * portal's demo member's own friends), and B2B invoices and ratings for the eligibility score.
 */
export async function seedDemo(
  ctx: AppContext,
  clubId: string,
  opts: { portalMemberExternalId?: string | null } = {},
): Promise<void> {
  const rewards = rewardsOf(ctx);
  const referrals = referralsOf(ctx);
  const { campaigns, raffles } = campaignsOf(ctx);
  const now = ctx.clock();
  const at = (days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();

  const raffle = await raffles.create(clubId, {
    name: 'قرعه‌کشی بزرگ یلدا',
    description: 'هر عضو با ۲۰۰ امتیاز یک شانس؛ بذر قرعه‌کشی از پیش منتشر شده است.',
    entryCostPoints: 200,
    maxEntriesPerMember: 3,
    segment: {},
    closesAt: at(10),
    prizes: [
      { nameFa: 'گوشی هوشمند', points: 0 },
      { nameFa: '۵۰٬۰۰۰ امتیاز', points: 50_000 },
      { nameFa: '۲۰٬۰۰۰ امتیاز', points: 20_000 },
    ],
  });
  const catalog = [
    {
      kind: 'fixed_discount' as const,
      nameFa: 'تخفیف ۵۰۰ هزار ریالی (خرید بالای ۲ میلیون ریال)',
      costPoints: 5000,
      config: { amountRials: 500_000, minCartRials: 2_000_000 },
    },
    {
      kind: 'percent_discount' as const,
      nameFa: '۱۰٪ تخفیف کتاب تا سقف ۳۰۰ هزار ریال',
      costPoints: 3000,
      config: { percent: 10, maxDiscountRials: 300_000, categories: ['کتاب و لوازم‌التحریر'] },
    },
    { kind: 'free_shipping' as const, nameFa: 'ارسال رایگان', costPoints: 1500, config: {} },
    {
      kind: 'gift_item' as const,
      nameFa: 'ماگ سرامیکی وفا',
      costPoints: 8000,
      config: { giftSku: 'GIFT-MUG', giftValueRials: 600_000, minCartRials: 3_000_000 },
      stock: 200,
    },
    {
      kind: 'raffle_ticket' as const,
      nameFa: 'بلیت قرعه‌کشی یلدا',
      costPoints: 200,
      config: { raffleId: raffle.id },
    },
    {
      kind: 'donation' as const,
      nameFa: 'کمک به مؤسسهٔ محک',
      costPoints: 1000,
      config: { cause: 'محک', donationRials: 100_000 },
    },
  ];
  for (const r of catalog) {
    await rewards.createReward(
      clubId,
      {
        stock: null,
        limitPerMember: null,
        couponValidDays: 30,
        targetTiers: [],
        isActive: true,
        ...r,
      },
      null,
    );
  }
  const batch = await rewards.createBatch(
    clubId,
    {
      name: 'کد تخفیف یلدا (۱۵٪ تا سقف ۱ میلیون ریال)',
      kind: 'percent',
      percent: 15,
      maxDiscountRials: 1_000_000,
      minCartRials: 1_000_000,
      categories: [],
      prefix: 'YALDA',
      usesPerCode: 1,
      validTo: at(30),
      budgetRials: 500_000_000,
    },
    null,
  );
  for await (const _ of await rewards.generateCodes(clubId, batch.id, 1000)) {
    // Drained: the codes are stored; the CSV is for the shop.
  }

  // A running win-back campaign for lapsed repeat customers, with a 10% hold-out.
  const campaign = await campaigns.createCampaign(
    clubId,
    {
      name: 'بازگرداندن مشتریان غایب',
      description: 'مشتریانی که دست‌کم دو بار خرید کرده‌اند و ۶۰ روز است خرید نکرده‌اند.',
      startsAt: at(-7),
      endsAt: at(23),
      segment: { lastOrderBefore: at(-60), minOrders: 2 },
      grant: {
        kind: 'coupon',
        coupon: {
          kind: 'percent',
          percent: 15,
          maxDiscountRials: 750_000,
          minCartRials: 0,
          categories: [],
          validDays: 14,
        },
      },
      budgetRials: 300 * 750_000,
      capPerMemberGrants: 1,
      controlSharePct: 10,
      seed: 'demo-winback-1403',
    },
    null,
  );
  await campaigns.activate(clubId, campaign.id);
  await campaigns.run(clubId, campaign.id, null);
  // And one of bonus points for the eligible, as seed 004 asks (appreciation, not blanket discounts).
  const eligible = await campaigns.createCampaign(
    clubId,
    {
      name: 'قدردانی از مشتریان شایسته',
      startsAt: at(-1),
      endsAt: at(29),
      segment: { minOrders: 8 },
      grant: { kind: 'points', points: 1000 },
      budgetPoints: 100_000,
      capPerMemberGrants: 1,
      controlSharePct: 10,
      seed: 'demo-appreciation-1403',
    },
    null,
  );
  await campaigns.activate(clubId, eligible.id);

  await seedFinishedCampaign(ctx, clubId);
  if (opts.portalMemberExternalId) await seedPortalReferrals(ctx, clubId, opts.portalMemberExternalId);

  // Members to play with: the first ones by id.
  const { rows } = await ctx.db.query<{ member_id: string; external_id: string }>(
    'select member_id, external_id from members where club_id = $1 order by member_id limit 120',
    [clubId],
  );
  // Raffle entries (qualifying entries straight in; points entries through the ledger for a few).
  const balances = await Promise.all(
    rows.slice(0, 40).map((m) => ctx.services.points.getBalance(clubId, m.external_id)),
  );
  for (const [i, m] of rows.slice(0, 40).entries()) {
    if (balances[i]!.available >= 200) await raffles.enter(clubId, raffle.id, m.external_id);
  }
  const drawn = await raffles.create(clubId, {
    name: 'قرعه‌کشی نوروز (انجام‌شده)',
    entryCostPoints: 0,
    maxEntriesPerMember: 1,
    segment: {},
    closesAt: at(1),
    prizes: [
      { nameFa: '۱۰٬۰۰۰ امتیاز', points: 10_000 },
      { nameFa: 'کارت هدیه', points: 0 },
    ],
  });
  await ctx.db.transaction(async (tx) => {
    for (const m of rows.slice(40, 100))
      await raffles.insertEntry(tx, clubId, drawn.id, m.member_id, 'qualified', null);
  });
  await raffles.draw(clubId, drawn.id, 'demo-public-seed', null);

  // Referrals: twenty new members signed up with codes of existing ones; two refused.
  const referrers = rows.slice(100, 110);
  for (let i = 0; i < 20; i++) {
    const referrer = referrers[i % referrers.length]!;
    const { code } = await referrals.getCode(clubId, referrer.external_id);
    const ext = `REF-${String(i + 1).padStart(3, '0')}`;
    await ctx.db.transaction((tx) =>
      ctx.services.members.upsertIn(tx, clubId, ext, { first_name: 'عضو', last_name: `معرفی‌شده ${i + 1}` }),
    );
    await referrals.refer(clubId, { code, refereeExternalId: ext, deviceId: `device-${i}` }, null);
  }
  const { code } = await referrals.getCode(clubId, referrers[0]!.external_id);
  await referrals
    .refer(clubId, { code, refereeExternalId: referrers[0]!.external_id }, null)
    .catch(() => undefined);
  await referrals
    .refer(clubId, { code, refereeExternalId: rows[0]!.external_id }, null)
    .catch(() => undefined);

  // B2B payment record and cooperation ratings for the eligibility score.
  for (const [i, m] of rows.slice(0, 30).entries()) {
    for (let k = 0; k < 3; k++) {
      const due = now.getTime() - (90 - k * 30) * DAY_MS;
      const ext = `INV-${m.external_id}-${k}`;
      await referrals.upsertInvoice(clubId, {
        externalId: ext,
        memberExternalId: m.external_id,
        amountRials: 20_000_000 + i * 1_000_000,
        dueAt: new Date(due).toISOString(),
      });
      await referrals.payInvoice(clubId, ext, new Date(due + (i % 4) * 7 * DAY_MS).toISOString());
    }
    await referrals.rateCooperation(
      clubId,
      m.external_id,
      1 + (i % 5),
      i % 5 === 4 ? 'همکاری حرفه‌ای و خوش‌قول' : undefined,
      null,
    );
  }
}

/**
 * A campaign that ran from 120 to 90 days ago, made as it would have been then (its services on a clock
 * moved through those days): repeat customers of Isfahan (and of the next provinces too, in a small
 * demo club, until there are enough for a hold-out), a fifth held out, the rest sent a 10% coupon.
 * Two in five of them used it within the window (the coupon redeemed at checkout, then the order through
 * the orders service, so its points go through the ledger), so the report shows the treated group buying
 * more than the hold-out, with the interval around that uplift.
 */
async function seedFinishedCampaign(ctx: AppContext, clubId: string): Promise<void> {
  const start = ctx.clock().getTime() - 120 * DAY_MS;
  const end = start + 30 * DAY_MS;
  let now = start;
  const past = { ...ctx, clock: () => new Date(now) };
  const { campaigns } = campaignsOf(past);
  const rewards = rewardsOf(past);
  const provinces: string[] = [];
  for (const p of ['اصفهان', 'خراسان رضوی', 'فارس', 'البرز', 'آذربایجان شرقی', 'خوزستان', 'قم']) {
    provinces.push(p);
    if ((await campaigns.previewSegment(clubId, { provinces, minOrders: 3 })).members >= 40) break;
  }
  const campaign = await campaigns.createCampaign(
    clubId,
    {
      name: `کوپن بهاری مشتریان وفادار ${provinces.length === 1 ? provinces[0] : 'شهرستان‌ها'} (پایان‌یافته)`,
      description: `مشتریان ${provinces.join('، ')} با دست‌کم سه خرید؛ یک‌پنجم به‌عنوان گروه کنترل کوپن نگرفتند.`,
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(end).toISOString(),
      segment: { provinces, minOrders: 3 },
      grant: {
        kind: 'coupon',
        coupon: {
          kind: 'percent',
          percent: 10,
          maxDiscountRials: 2_000_000,
          minCartRials: 0,
          categories: [],
          validDays: 21,
        },
      },
      budgetRials: 400 * 2_000_000,
      capPerMemberGrants: 1,
      controlSharePct: 20,
      seed: 'demo-spring-1404',
    },
    null,
  );
  await campaigns.activate(clubId, campaign.id);
  now += 3_600_000;
  await campaigns.run(clubId, campaign.id, null);
  const { rows: granted } = await ctx.db.query<{
    member_id: string;
    external_id: string;
    coupon_code: string;
  }>(
    `select g.member_id, m.external_id, g.coupon_code
       from campaign_grants g join members m on m.club_id = g.club_id and m.member_id = g.member_id
      where g.club_id = $1 and g.campaign_id = $2 and g.status = 'granted' and g.coupon_code is not null
      order by g.member_id`,
    [clubId, campaign.id],
  );
  const orders: TCreateOrder[] = [];
  for (const [k, g] of granted.entries()) {
    if (k % 5 >= 2) continue;
    // What they usually buy: the lines of their latest order before the window.
    const { rows: lines } = await ctx.db.query<{
      sku: string;
      category: string | null;
      quantity: number;
      unit_price_rials: string;
    }>(
      `select l.sku, l.category, l.quantity, l.unit_price_rials
         from order_lines l
        where l.club_id = $1 and l.order_id = (
          select order_id from orders where club_id = $1 and member_id = $2 and placed_at < $3
           order by placed_at desc limit 1)`,
      [clubId, g.member_id, new Date(start)],
    );
    if (!lines.length) continue;
    const cart = {
      totalRials: lines.reduce((sum, l) => sum + l.quantity * Number(l.unit_price_rials), 0),
      lines: lines.map((l) => ({
        sku: l.sku,
        ...(l.category ? { category: l.category } : {}),
        quantity: l.quantity,
        unitPriceRials: Number(l.unit_price_rials),
      })),
    };
    // Within the coupon's 21 days (issued on the first day of the window).
    now = start + (2 + ((k * 7) % 18)) * DAY_MS + 11 * 3_600_000;
    const externalId = `DK-SPRING-${String(k + 1).padStart(4, '0')}`;
    const { body: use } = await rewards.redeemCoupon(clubId, {
      code: g.coupon_code,
      memberExternalId: g.external_id,
      orderExternalId: externalId,
      cart,
    });
    orders.push({
      externalId,
      memberExternalId: g.external_id,
      placedAt: new Date(now).toISOString(),
      totalRials: cart.totalRials - use.discountRials,
      status: 'delivered',
      statusAt: new Date(now + 2 * DAY_MS).toISOString(),
      promisedDeliveryAt: new Date(now + 3 * DAY_MS).toISOString(),
      lines: cart.lines.map((l) => ({ ...l, category: l.category ?? 'سایر' })),
    });
  }
  const results = await ctx.services.orders.createOrders(clubId, orders);
  const failed = results.filter((r) => r.status >= 400);
  if (failed.length) throw new Error(`demo campaign orders refused: ${JSON.stringify(failed.slice(0, 3))}`);
  now = end;
  await campaigns.setStatus(clubId, campaign.id, 'ended');
  await ctx.services.points.releaseMatured(clubId);
}

/**
 * The portal's demo member has told three friends: two joined with the link (one has since made a first
 * order that outlived the return window, so the member was rewarded through the ledger), one refused
 * (the friend had bought before).
 */
async function seedPortalReferrals(ctx: AppContext, clubId: string, memberExternalId: string): Promise<void> {
  const start = ctx.clock().getTime() - 45 * DAY_MS;
  let now = start;
  const referrals = referralsOf({ ...ctx, clock: () => new Date(now) });
  const { code } = await referrals.getCode(clubId, memberExternalId);
  const friends = [
    { ext: 'REF-PORTAL-1', first: 'مریم', last: 'کاظمی', orderDaysAgo: 35 },
    { ext: 'REF-PORTAL-2', first: 'حسین', last: 'نادری', orderDaysAgo: null },
  ];
  for (const [i, f] of friends.entries()) {
    now = start + i * 3 * DAY_MS;
    await ctx.db.transaction((tx) =>
      ctx.services.members.upsertIn(tx, clubId, f.ext, { first_name: f.first, last_name: f.last }),
    );
    await referrals.refer(clubId, { code, refereeExternalId: f.ext, deviceId: `portal-friend-${i}` }, null);
  }
  const orderAt = ctx.clock().getTime() - 35 * DAY_MS;
  const results = await ctx.services.orders.createOrders(clubId, [
    {
      externalId: 'DK-REF-PORTAL-1',
      memberExternalId: 'REF-PORTAL-1',
      placedAt: new Date(orderAt).toISOString(),
      totalRials: 18_500_000,
      status: 'delivered',
      statusAt: new Date(orderAt + 2 * DAY_MS).toISOString(),
      promisedDeliveryAt: new Date(orderAt + 3 * DAY_MS).toISOString(),
      lines: [{ sku: 'HOM-0003', category: 'خانه و آشپزخانه', quantity: 1, unitPriceRials: 18_500_000 }],
    },
  ]);
  const failed = results.filter((r) => r.status >= 400);
  if (failed.length) throw new Error(`demo referral order refused: ${JSON.stringify(failed)}`);
  // A friend who had already bought: the club refuses the referral (referee_not_new).
  const { rows } = await ctx.db.query<{ external_id: string }>(
    `select external_id from members where club_id = $1 and external_id <> $2 and external_id like 'C-%'
      order by external_id desc limit 1`,
    [clubId, memberExternalId],
  );
  if (rows[0]) {
    // Refused referrals are recorded (the stats count them by reason) and answered with an error.
    await referrals
      .refer(clubId, { code, refereeExternalId: rows[0].external_id }, null)
      .catch((err: { code?: string }) => {
        if (err.code !== 'referral_refused') throw err;
      });
  }
  now = ctx.clock().getTime();
  await referralsOf(ctx).rewardReferrers(clubId);
}
