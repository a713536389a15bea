import type { AppContext } from '../../http/types.js';
import type { DemoPricedProduct } from '../demo/index.js';
import { PricesService } from './prices.service.js';

const DAY_MS = 86_400_000;
/** Observations per ingest call: the API's batch limit. */
const BATCH = 10_000;
/** The last days of the feed arrive after the watches exist, so their drops alert as a live feed would. */
const LIVE_DAYS = 5;

export interface PricesDemoResult {
  products: number;
  observations: number;
  watches: number;
}

/**
 * The demo catalogue's products and their price histories, fed through the same ingest path as
 * `POST /v1/prices/batch`: all but the last few days first, then the watches (`watchers`: member
 * external id → skus), then the last days, so a sale that began this week raises real price-drop alerts
 * (rows and `price.alert` outbox events) for the members who watch it.
 */
export async function seedDemo(
  ctx: AppContext,
  clubId: string,
  products: readonly DemoPricedProduct[],
  watchers: ReadonlyArray<{ externalId: string; skus: string[]; targetPriceRials?: number | null }>,
): Promise<PricesDemoResult> {
  const prices = new PricesService(ctx.db, ctx.services.members, ctx.clock);
  for (const p of products) {
    await prices.upsertProduct(clubId, p.sku, {
      titleFa: p.titleFa,
      titleEn: p.titleEn,
      category: p.category,
    });
  }
  const liveFrom = ctx.clock().getTime() - LIVE_DAYS * DAY_MS;
  const all = products.flatMap((p) =>
    p.observations.map((o) => ({ sku: p.sku, at: o.at, priceRials: o.priceRials, inStock: o.inStock })),
  );
  const history = all.filter((o) => Date.parse(o.at) < liveFrom);
  const live = all.filter((o) => Date.parse(o.at) >= liveFrom);
  const ingest = async (items: typeof all) => {
    for (let i = 0; i < items.length; i += BATCH) {
      const part = items.slice(i, i + BATCH).map((o, index) => ({ ...o, index }));
      await prices.ingest(clubId, part, { allOrNothing: true });
    }
  };
  await ingest(history);
  let watches = 0;
  for (const w of watchers) {
    for (const [k, sku] of w.skus.entries()) {
      await prices.putWatch(clubId, w.externalId, sku, k === 0 ? (w.targetPriceRials ?? null) : null);
      watches++;
    }
  }
  await ingest(live);
  return { products: products.length, observations: all.length, watches };
}
