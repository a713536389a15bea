import type { AppContext } from '../../http/types.js';
import { referralsOf } from '../referrals/index.js';
import { rewardsOf } from '../rewards/index.js';
import { campaignsOf } from './index.js';

const DAY_MS = 86_400_000;

/**
 * Demo data for rewards, campaigns and referrals on a demo club that already has members and orders:
 * a rewards catalog, a coupon batch, a running win-back campaign with its hold-out, an open and a drawn
 * raffle, referrals (accepted and refused), and B2B invoices and ratings for the eligibility score.
 */
export async function seedDemo(ctx: AppContext, clubId: string): Promise<void> {
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
