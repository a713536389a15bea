import { DAY_MS, percentChange, priceStats, windowStats } from './history.js';
import type { PriceRun } from './intervals.js';

/**
 * The buy-or-wait signal: a rule simple enough to explain to a customer in one sentence, checked in
 * this order (the first that matches decides). docs/prices.md states the same rule.
 *
 * 1. No price, less than 30 days of history, or out of stock: `neutral` (no_data,
 *    insufficient_history, out_of_stock).
 * 2. At or below its 90-day low: `buy` (at_all_time_low when it is also the lowest price ever seen,
 *    else at_90_day_low). Within 5% of the 90-day low: `buy` (near_90_day_low), CamelCamelCamel's
 *    "good deal".
 * 3. Rising steadily: the last 3 or more price changes in 90 days were all rises, and none was a fall:
 *    `buy` (rising_steadily), since waiting has only made it dearer.
 * 4. At least 10% above its 30-day average: look back (2 years) for similar rises (a change to a price
 *    at least 10% above the 30-day average before it, with 30 days after it to judge). If at least half
 *    of them fell back by 5% or more within 30 days: `wait` (above_average_falls_back); otherwise
 *    `neutral` (above_average).
 * 5. Otherwise `neutral` (usual_price).
 */
export type TSignalAction = 'buy' | 'wait' | 'neutral';
export type TSignalCode =
  | 'no_data'
  | 'insufficient_history'
  | 'out_of_stock'
  | 'at_all_time_low'
  | 'at_90_day_low'
  | 'near_90_day_low'
  | 'rising_steadily'
  | 'above_average_falls_back'
  | 'above_average'
  | 'usual_price';

export interface Signal {
  action: TSignalAction;
  code: TSignalCode;
  reasonFa: string;
  reasonEn: string;
  /** Current price against the 30-day time-weighted average, in percent (one decimal). */
  vsAverage30Percent: number | null;
}

export const SIGNAL_RULE = {
  minHistoryDays: 30,
  nearLowPercent: 5,
  risingChanges: 3,
  spikePercent: 10,
  fallBackPercent: 5,
  followUpDays: 30,
  lookBackDays: 730,
} as const;

const faNumber = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 1 });
const enNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function signal(action: TSignalAction, code: TSignalCode, fa: string, en: string, vs: number | null): Signal {
  return { action, code, reasonFa: fa, reasonEn: en, vsAverage30Percent: vs };
}

/** Price changes (index of the run where the price changed) with the price before and after. */
function priceChanges(runs: PriceRun[]): Array<{ at: number; from: number; to: number }> {
  const out: Array<{ at: number; from: number; to: number }> = [];
  for (let i = 1; i < runs.length; i++) {
    const a = runs[i - 1]!.priceRials;
    const b = runs[i]!.priceRials;
    if (a !== b) out.push({ at: runs[i]!.validFrom, from: a, to: b });
  }
  return out;
}

export function buyOrWait(runs: PriceRun[], now: number): Signal {
  const R = SIGNAL_RULE;
  const stats = priceStats(runs, now);
  const current = stats.current;
  if (!current)
    return signal('neutral', 'no_data', 'هنوز قیمتی ثبت نشده است.', 'No price has been recorded yet.', null);
  const avg30 = stats.windows[0]!.avgRials;
  const vs = avg30 ? percentChange(avg30, current.priceRials) : null;
  if (stats.firstSeenAt! > now - R.minHistoryDays * DAY_MS)
    return signal(
      'neutral',
      'insufficient_history',
      'سابقه قیمت کمتر از ۳۰ روز است: هنوز نمی‌توان قضاوت کرد.',
      'Less than 30 days of price history: too early to tell.',
      vs,
    );
  if (!current.inStock) return signal('neutral', 'out_of_stock', 'ناموجود است.', 'Out of stock.', vs);

  const price = current.priceRials;
  const low90 = stats.windows[1]!.minRials!;
  if (price <= low90) {
    if (price <= stats.allTimeLow!.priceRials)
      return signal(
        'buy',
        'at_all_time_low',
        'در کمترین قیمت تاریخ خود است: بخرید.',
        'At its lowest price ever seen: buy.',
        vs,
      );
    return signal(
      'buy',
      'at_90_day_low',
      'در کمترین قیمت ۹۰ روز اخیر است: بخرید.',
      'At its 90-day low: buy.',
      vs,
    );
  }
  const aboveLow = percentChange(low90, price);
  if (aboveLow <= R.nearLowPercent)
    return signal(
      'buy',
      'near_90_day_low',
      `تنها ${faNumber.format(aboveLow)}٪ بالاتر از کمترین قیمت ۹۰ روز اخیر است: قیمت خوبی است، بخرید.`,
      `Only ${enNumber.format(aboveLow)}% above its 90-day low: a good price, buy.`,
      vs,
    );

  const changes = priceChanges(runs);
  const recent = changes.filter((c) => c.at > now - 90 * DAY_MS);
  const tail = changes.slice(-R.risingChanges);
  if (
    tail.length === R.risingChanges &&
    tail.every((c) => c.to > c.from && c.at > now - 90 * DAY_MS) &&
    recent.every((c) => c.to > c.from)
  )
    return signal(
      'buy',
      'rising_steadily',
      'قیمت پیوسته در حال افزایش است: زودتر خریدن ارزان‌تر است.',
      'Rising steadily: buying sooner is cheaper.',
      vs,
    );

  if (vs !== null && vs >= R.spikePercent) {
    // Similar rises in the past: a change to a price well above the 30-day average before it, old
    // enough (and before the current price) to see what followed.
    let similar = 0;
    let fellBack = 0;
    for (const c of changes) {
      if (c.at < now - R.lookBackDays * DAY_MS || c.at + R.followUpDays * DAY_MS > stats.current!.since)
        continue;
      const before = windowStats(priceRunsBefore(runs, c.at), c.at, 30).avgRials;
      if (!before || percentChange(before, c.to) < R.spikePercent) continue;
      similar++;
      const threshold = c.to * (1 - R.fallBackPercent / 100);
      if (
        runs.some(
          (r) =>
            r.validFrom > c.at && r.validFrom <= c.at + R.followUpDays * DAY_MS && r.priceRials <= threshold,
        )
      )
        fellBack++;
    }
    if (similar > 0 && fellBack * 2 >= similar)
      return signal(
        'wait',
        'above_average_falls_back',
        `${faNumber.format(vs)}٪ بالاتر از میانگین ۳۰ روزه است و قیمت این کالا پس از افزایش‌های مشابه پایین آمده است: صبر کنید.`,
        `${enNumber.format(vs)}% above its 30-day average, and prices of this product have fallen after similar rises: wait.`,
        vs,
      );
    return signal(
      'neutral',
      'above_average',
      `${faNumber.format(vs)}٪ بالاتر از میانگین ۳۰ روزه است، اما افزایش‌های قبلی برنگشته‌اند: نشانه روشنی نیست.`,
      `${enNumber.format(vs)}% above its 30-day average, but past rises did not fall back: no clear signal.`,
      vs,
    );
  }
  return signal(
    'neutral',
    'usual_price',
    'نزدیک قیمت معمول خود است: نشانه روشنی برای صبر یا خرید نیست.',
    'Close to its usual price: no clear reason to wait or to hurry.',
    vs,
  );
}

/** The runs as they stood just before `at` (the run starting at `at` and later ones left out). */
function priceRunsBefore(runs: PriceRun[], at: number): PriceRun[] {
  let n = 0;
  while (n < runs.length && runs[n]!.validFrom < at) n++;
  return runs.slice(0, n);
}
