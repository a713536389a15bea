import type { AppContext } from '../../http/types.js';
// The service file, not prices/index.ts: that index pulls in the prices CLI, which imports the module
// registry, and entering the registry through the portal first would read pricesModule before it exists.
import { PricesService } from '../prices/prices.service.js';

/** Demo products the demo member watches, with a year of weekly prices that rise and dip. */
const DEMO_PRODUCTS = [
  {
    sku: 'portal-demo-phone',
    titleFa: 'گوشی موبایل گلکسی A55',
    titleEn: 'Galaxy A55 phone',
    baseRials: 185_000_000,
  },
  {
    sku: 'portal-demo-kettle',
    titleFa: 'کتری برقی پارس خزر',
    titleEn: 'Pars Khazar kettle',
    baseRials: 32_000_000,
  },
  {
    sku: 'portal-demo-tea',
    titleFa: 'چای سیاه ممتاز ۵۰۰ گرمی',
    titleEn: 'Premium black tea 500 g',
    baseRials: 4_800_000,
  },
] as const;

const WEEK_MS = 7 * 86_400_000;

/**
 * The member the portal's demo signs in as: the one with most orders among members with a mobile, so
 * the balance, tier and history have something to show. Null when the club has no member with a mobile.
 */
export async function demoPortalMember(
  ctx: AppContext,
  clubId: string,
): Promise<{ externalId: string; mobile: string; name: string } | null> {
  const { rows } = await ctx.db.query<{ external_id: string; mobile: string; name: string }>(
    `select m.external_id, m.mobile, trim(coalesce(m.first_name, '') || ' ' || coalesce(m.last_name, '')) as name
       from members m
       join (select member_id, count(*) as n from orders where club_id = $1 group by member_id
              order by n desc limit 50) o on o.member_id = m.member_id
      where m.club_id = $1 and m.mobile is not null
      order by o.n desc, m.external_id limit 1`,
    [clubId],
  );
  const r = rows[0];
  return r ? { externalId: r.external_id, mobile: r.mobile, name: r.name } : null;
}

/**
 * Gives the demo member watched products with a year of prices, so the portal's price charts have data.
 * Idempotent: a second run re-records the same observations (unchanged) and keeps the watches.
 */
export async function seedDemo(ctx: AppContext, clubId: string): Promise<void> {
  const member = await demoPortalMember(ctx, clubId);
  if (!member) return;
  const prices = new PricesService(ctx.db, ctx.services.members, ctx.clock);
  const now = ctx.clock().getTime();
  for (const [p, product] of DEMO_PRODUCTS.entries()) {
    await prices.upsertProduct(clubId, product.sku, {
      titleFa: product.titleFa,
      titleEn: product.titleEn,
    });
    const items = [];
    for (let w = 52; w >= 0; w--) {
      // A slow rise (inflation), a seasonal wave and a sale dip in the last month: buy-or-wait has a story.
      const trend = 1 + (52 - w) * 0.006;
      const wave = 1 + 0.05 * Math.sin((w + p * 7) / 5);
      const sale = w <= 3 && p !== 2 ? 0.88 : 1;
      const priceRials = Math.round((product.baseRials * trend * wave * sale) / 10_000) * 10_000;
      items.push({
        index: items.length,
        sku: product.sku,
        priceRials,
        at: new Date(now - w * WEEK_MS - 3600_000).toISOString(),
        inStock: true,
      });
    }
    await prices.ingest(clubId, items, { allOrNothing: false });
    await prices.putWatch(clubId, member.externalId, product.sku, p === 0 ? 150_000_000 : null);
  }
}
