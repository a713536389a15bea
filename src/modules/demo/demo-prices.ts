import { createRng, type DemoProduct, type Rng, roundPriceRials } from './demo-data.js';

/**
 * Price histories for the demo catalogue: what the shop's price feed would have sent, one observation a
 * day at 09:00 Tehran time. Pure and seeded, like the rest of the demo data, so a test can know which
 * product tells which story. The prices follow the orders' own rule (the base price deflated in monthly
 * steps at 35% a year back from now) and add what a shop's prices do: short sales, the odd stock-out,
 * and, near today, one of four endings chosen so the buy-or-wait signal has something to say.
 */

/**
 * How a product's history ends:
 * - `drop`: a sale began three days ago, 15% off: at its 90-day low, so "buy"; members watching it get
 *   a price-drop alert when the demo feeds the last days after their watches exist.
 * - `spike`: a pre-holiday hike of 15% began three days ago, and the three earlier hikes of the year all
 *   fell back within a fortnight: "wait".
 * - `rising`: only the monthly inflation steps lately: "rising steadily, buy sooner".
 * - `usual`: a sale six weeks ago has ended and the price is its usual one: neutral.
 */
export type DemoPriceStory = 'drop' | 'spike' | 'rising' | 'usual';

export interface DemoPriceObservation {
  at: string;
  priceRials: number;
  inStock: boolean;
}

export interface DemoPricedProduct {
  sku: string;
  category: string;
  titleFa: string;
  titleEn: string;
  story: DemoPriceStory;
  /** Oldest first, one a day. */
  observations: DemoPriceObservation[];
}

export interface GenerateDemoPricesOptions {
  /** The instant the feed has reached; observations are at 09:00 Tehran of each day up to it. */
  now: Date;
  /** Days of history; default 548 (18 months, as the orders). */
  days?: number;
  seed?: number;
}

const DAY_MS = 86_400_000;
/** 09:00 in Tehran (UTC+03:30) is 05:30 UTC. */
const FEED_HOUR_UTC_MS = 5.5 * 3_600_000;
const INFLATION_YEARLY = 0.35;
const STORIES: readonly DemoPriceStory[] = [
  'drop',
  'spike',
  'rising',
  'drop',
  'usual',
  'rising',
  'drop',
  'spike',
  'rising',
  'usual',
];

/** Kinds of goods per category prefix (Persian, English), and brand-like names shared by all. */
const NOUNS: Record<string, Array<[string, string]>> = {
  MOB: [['گوشی موبایل', 'smartphone']],
  LAP: [['لپ‌تاپ', 'laptop']],
  ACC: [
    ['هدفون بی‌سیم', 'wireless headphones'],
    ['پاوربانک', 'power bank'],
    ['ساعت هوشمند', 'smartwatch'],
    ['کابل شارژ', 'charging cable'],
  ],
  APP: [
    ['یخچال', 'refrigerator'],
    ['ماشین لباسشویی', 'washing machine'],
    ['جاروبرقی', 'vacuum cleaner'],
    ['تلویزیون', 'television'],
  ],
  FAS: [
    ['کفش ورزشی', 'sneakers'],
    ['پیراهن مردانه', "men's shirt"],
    ['مانتو', 'manteau'],
    ['کیف دستی', 'handbag'],
  ],
  BEA: [
    ['کرم ضدآفتاب', 'sunscreen'],
    ['شامپو', 'shampoo'],
    ['عطر', 'perfume'],
  ],
  GRO: [
    ['چای', 'tea'],
    ['برنج ایرانی', 'Iranian rice'],
    ['روغن زیتون', 'olive oil'],
    ['قهوه', 'coffee'],
    ['زعفران', 'saffron'],
  ],
  BOK: [
    ['رمان', 'novel'],
    ['دفتر', 'notebook'],
    ['کتاب کودک', "children's book"],
  ],
  TOY: [
    ['لگو', 'building blocks'],
    ['کالسکه', 'stroller'],
    ['عروسک', 'doll'],
  ],
  SPO: [
    ['کوله‌پشتی', 'backpack'],
    ['دوچرخه', 'bicycle'],
    ['تردمیل', 'treadmill'],
  ],
  HOM: [
    ['قابلمه', 'pot set'],
    ['سرویس چای‌خوری', 'tea set'],
    ['چای‌ساز', 'tea maker'],
  ],
};
const BRANDS: Array<[string, string]> = [
  ['آریا', 'Aria'],
  ['البرز', 'Alborz'],
  ['پارسیان', 'Parsian'],
  ['نوین', 'Novin'],
  ['سپهر', 'Sepehr'],
  ['دماوند', 'Damavand'],
  ['کاوه', 'Kaveh'],
  ['مهرگان', 'Mehregan'],
];
const faDigits = new Intl.NumberFormat('fa-IR', { useGrouping: false });

/** A price change over a span of days back from now: a sale (factor < 1), a hike (> 1) or a stock-out. */
interface Episode {
  /** Days before now the episode starts (inclusive) and ends (exclusive), counted back from today. */
  fromDaysAgo: number;
  toDaysAgo: number;
  factor: number;
  inStock: boolean;
}

export function generateDemoPrices(
  products: readonly DemoProduct[],
  opts: GenerateDemoPricesOptions,
): DemoPricedProduct[] {
  const days = opts.days ?? 548;
  const rng = createRng(opts.seed ?? 1403, 11);
  // Today's feed time; if it is still ahead of `now`, today's observation is not in yet.
  const todayFeed = Math.floor(opts.now.getTime() / DAY_MS) * DAY_MS + FEED_HOUR_UTC_MS;
  const lastFeed = todayFeed <= opts.now.getTime() ? todayFeed : todayFeed - DAY_MS;
  const perPrefix = new Map<string, number>();
  return products.map((product, i) => {
    const prefix = product.sku.split('-')[0] ?? '';
    const k = perPrefix.get(prefix) ?? 0;
    perPrefix.set(prefix, k + 1);
    const nouns = NOUNS[prefix] ?? [['کالا', 'item']];
    const [nounFa, nounEn] = nouns[k % nouns.length]!;
    const [brandFa, brandEn] = BRANDS[(k * 3 + i) % BRANDS.length]!;
    const model = 100 + ((i * 37) % 900);
    const story = STORIES[i % STORIES.length]!;
    const episodes = episodesOf(rng, story, days, i);
    const observations: DemoPriceObservation[] = [];
    for (let back = days - 1; back >= 0; back--) {
      const at = lastFeed - back * DAY_MS;
      // The orders' rule: prices step up monthly with inflation, so older days are cheaper.
      const months = Math.floor(back / 30);
      const base = product.basePriceRials * (1 + INFLATION_YEARLY) ** (-(months * 30) / 365);
      let factor = 1;
      let inStock = true;
      for (const e of episodes) {
        if (back > e.fromDaysAgo || back <= e.toDaysAgo) continue;
        factor *= e.factor;
        inStock &&= e.inStock;
      }
      observations.push({
        at: new Date(at).toISOString(),
        priceRials: roundPriceRials(base * factor),
        inStock,
      });
    }
    return {
      sku: product.sku,
      category: product.category,
      titleFa: `${nounFa} ${brandFa} مدل ${faDigits.format(model)}`,
      titleEn: `${brandEn} ${nounEn}, model ${model}`,
      story,
      observations,
    };
  });
}

function episodesOf(rng: Rng, story: DemoPriceStory, days: number, i: number): Episode[] {
  const out: Episode[] = [];
  const between = (a: number, b: number) => a + Math.floor(rng() * (b - a + 1));
  // One or two sales more than 100 days back, 8–20% off for 5–10 days: the discounts every shop runs.
  const sales = 1 + Math.floor(rng() * 2);
  for (let s = 0; s < sales; s++) {
    const start = between(110, days - 20);
    out.push({
      fromDaysAgo: start,
      toDaysAgo: start - between(5, 10),
      factor: 1 - between(8, 20) / 100,
      inStock: true,
    });
  }
  // Now and then a stock-out of a few days, long ago.
  if (i % 13 === 0) {
    const start = between(200, days - 10);
    out.push({ fromDaysAgo: start, toDaysAgo: start - between(3, 6), factor: 1, inStock: false });
  }
  if (story === 'drop') out.push({ fromDaysAgo: 2, toDaysAgo: -1, factor: 0.85, inStock: true });
  if (story === 'spike') {
    // Three hikes in the year, each falling back after about ten days, and a new one three days ago.
    for (const start of [250, 160, 70])
      out.push({ fromDaysAgo: start, toDaysAgo: start - between(8, 12), factor: 1.15, inStock: true });
    out.push({ fromDaysAgo: 2, toDaysAgo: -1, factor: 1.15, inStock: true });
  }
  if (story === 'usual') out.push({ fromDaysAgo: 45, toDaysAgo: 35, factor: 0.88, inStock: true });
  return out;
}
