/**
 * A seeded, pure generator of a realistic demo club: Persian members, a product catalogue priced in
 * rials, and orders whose repeat-purchase pattern follows Fader's BG/NBD story (each member buys at
 * their own Poisson rate, drawn from a gamma distribution, and after every purchase may leave for
 * good with their own beta-distributed probability). It touches no database and does no I/O, so the
 * CLI, the benchmarks and the tests can share one source of demo data, and the same seed and `endAt`
 * always give the same club.
 */

export interface DemoMember {
  /** The shop's id for the member, `C-00001` onwards, numbered in the order members joined. */
  externalId: string;
  firstName: string;
  lastName: string;
  /** E.164 Iranian mobile, `+989` and nine digits; unique within the club. */
  mobile: string;
  /** Only on example domains (RFC 2606), so a demo can never email a real person; unique. */
  email: string | null;
  city: string;
  province: string;
  /** Gregorian `YYYY-MM-DD`; null when the member did not give it. */
  birthDate: string | null;
  /** Null when the member did not declare it. */
  gender: 'female' | 'male' | null;
  consentSms: boolean;
  /** Never true without an email. */
  consentEmail: boolean;
  /** ISO time of sign-up: a few minutes before the member's first order, as at checkout. */
  createdAt: string;
}

export interface DemoOrderLine {
  /** ASCII SKU such as `MOB-0001`; the prefix names the category. */
  sku: string;
  /** Persian category name. */
  category: string;
  quantity: number;
  /** Integer rials (1 toman = 10 rials), the price on the day of the order. */
  unitPriceRials: number;
}

export interface DemoOrder {
  /** `DK-1000001` onwards, numbered in the order the orders were placed. */
  externalId: string;
  memberExternalId: string;
  placedAt: string;
  /** The status as of `endAt`. */
  status: 'placed' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
  /** Integer rials, the sum of quantity × unit price over the lines. */
  totalRials: number;
  /** Two to five days after `placedAt`. */
  promisedDeliveryAt: string;
  /** Set only when the status is `delivered`; after `promisedDeliveryAt` when the shop was late. */
  deliveredAt: string | null;
  lines: DemoOrderLine[];
  /** A return of part (or all) of the order within 14 days of delivery, if one happened before `endAt`. */
  returned?: { externalId: string; amountRials: number; at: string };
}

export interface DemoProduct {
  sku: string;
  category: string;
  /** Integer rials at `endAt`; earlier orders paid less, as prices rise with inflation. */
  basePriceRials: number;
}

/**
 * The parameters the purchases were drawn from, so that a model fitted to the demo data can be
 * checked against the truth. The process is MBG/NBD (BG/NBD in which a member may also leave right
 * after the first purchase): purchase rate per day λ ~ Gamma(shape r, rate alphaDays), dropout
 * probability after each purchase p ~ Beta(a, b). Cancelled orders and the evening-heavy hour of day
 * bend the data slightly away from the pure model.
 */
export interface DemoModel {
  r: number;
  /** Infinity when there are no repeat purchases to scale. */
  alphaDays: number;
  a: number;
  b: number;
}

export interface DemoClub {
  members: DemoMember[];
  /** Sorted by `placedAt`. */
  orders: DemoOrder[];
  products: DemoProduct[];
  model: DemoModel;
  /** The period the orders fall in: `[startAt, endAt)`. */
  startAt: string;
  endAt: string;
}

export interface GenerateDemoClubOptions {
  seed?: number;
  /** Default 5,000; at most 1,000,000. */
  members?: number;
  /** The number of orders to generate (default 50,000); at least one per member, at most 5,000,000. */
  orders?: number;
  /** Length of the period in months (default 18, at most 120). */
  months?: number;
  /** End of the period, exclusive. Default: now, truncated to the UTC day; pass it for repeatable output. */
  endAt?: Date;
}

const DEFAULT_SEED = 1403;
const MEMBERS_MAX = 1_000_000;
const ORDERS_MAX = 5_000_000;
const MONTHS_MAX = 120;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Iran has kept UTC+03:30 all year since it dropped daylight saving in 2022. */
const TEHRAN_OFFSET_MS = 3.5 * HOUR_MS;

/*
 * The purchase process is the MBG/NBD variant of Fader's BG/NBD: a member buys at rate λ ~ Gamma(r, α)
 * while alive and, after any purchase (the first included), leaves for good with probability
 * p ~ Beta(a, b). The values below were tuned for the default 10 orders per member over 18 months:
 * a U-shaped dropout distribution makes about half the members one-off buyers and the rest steady
 * customers, and rates varied enough to give a few heavy buyers, so that 50–55% of members buy again
 * and the top fifth of members bring about 70% of revenue. A plain BG/NBD with a small r gets the
 * repeat share only by making rates so unequal that the top fifth take 80–90% of revenue.
 * The rate scale α is not a constant: it is solved so that the order count meets the target.
 */
const RATE_SHAPE = 6;
const DROPOUT_A = 0.1;
const DROPOUT_B = 0.12;
/** Sign-ups grow through the period: the last day sees (1 + growth) times as many as the first. */
const JOIN_GROWTH = 0.3;
/**
 * Many members join to buy one dear thing (a phone, a laptop, a fridge), so the first order draws
 * big-ticket categories this many times more often than later orders do.
 */
const FIRST_ORDER_BIG_TICKET_BOOST = 15;
/**
 * Members who order often do their regular shopping here: consumable categories weigh more in their
 * baskets as their order count grows, up to (1 + this) times their usual share from 21 orders on.
 * This also keeps revenue from concentrating as steeply as order counts do.
 */
const CONSUMABLE_HABIT_MAX = 10;

const CANCEL_PROBABILITY = 0.03;
const RETURN_PROBABILITY = 0.052;
const RETURN_WINDOW_MS = 14 * DAY_MS;
const LATE_DELIVERY_PROBABILITY = 0.12;
/** Most members pay online at checkout; the rest pay the courier. */
const PAY_ON_DELIVERY_PROBABILITY = 0.08;
/** Yearly price inflation, applied in monthly steps back from `endAt`. */
const PRICE_INFLATION_YEARLY = 0.35;
const DISCOUNT_PROBABILITY = 0.1;

// ---------------------------------------------------------------------------------------------
// Randomness

/** A uniform draw in [0, 1). */
export type Rng = () => number;

/** splitmix32 finaliser: spreads a seed and a stream number over 32 well-mixed bits. */
function mix32(x: number): number {
  let z = x | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator). Each stream number gives an
 * independent sequence, so a member's purchases do not shift when another part of the generator
 * draws more or fewer numbers.
 */
export function createRng(seed: number, stream: number): Rng {
  let a = mix32(seed ^ 0x9e3779b9);
  let b = mix32(a ^ Math.imul(stream + 1, 0x85ebca6b));
  let c = mix32(b ^ 0x27d4eb2f);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

function uniform(rng: Rng, min: number, max: number): number {
  return min + (max - min) * rng();
}

function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function normal(rng: Rng): number {
  // Box–Muller; 1 - u keeps the logarithm finite.
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function exponential(rng: Rng): number {
  return -Math.log(1 - rng());
}

/** Gamma(shape, 1) by Marsaglia and Tsang, boosted for shapes below one. */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * (1 - rng()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x + y > 0 ? x / (x + y) : 0.5;
}

/** Cumulative weights for `pickWeighted`. */
function cumulate(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i]!;
    out[i] = sum;
  }
  return out;
}

/** Index drawn in proportion to the weights behind `cumulative`, by binary search. */
function pickWeighted(rng: Rng, cumulative: Float64Array, from = 0, length = cumulative.length): number {
  const target = rng() * cumulative[from + length - 1]!;
  let lo = from;
  let hi = from + length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo - from;
}

// ---------------------------------------------------------------------------------------------
// Reference data

type NameEntry = readonly [persian: string, latin: string];

/** Common Iranian given names, most frequent first. */
const FEMALE_NAMES: readonly NameEntry[] = [
  ['زهرا', 'zahra'],
  ['فاطمه', 'fatemeh'],
  ['مریم', 'maryam'],
  ['معصومه', 'masoumeh'],
  ['زینب', 'zeinab'],
  ['سارا', 'sara'],
  ['نرگس', 'narges'],
  ['الهام', 'elham'],
  ['مهسا', 'mahsa'],
  ['نازنین', 'nazanin'],
  ['فرزانه', 'farzaneh'],
  ['سمیه', 'somayeh'],
  ['لیلا', 'leila'],
  ['مینا', 'mina'],
  ['ریحانه', 'reyhaneh'],
  ['هانیه', 'hanieh'],
  ['نیلوفر', 'niloufar'],
  ['پریسا', 'parisa'],
  ['آزاده', 'azadeh'],
  ['کوثر', 'kowsar'],
  ['سحر', 'sahar'],
  ['مهناز', 'mahnaz'],
  ['رویا', 'roya'],
  ['الناز', 'elnaz'],
  ['یگانه', 'yeganeh'],
  ['فرشته', 'fereshteh'],
  ['ملیکا', 'melika'],
  ['آیدا', 'aida'],
  ['بهاره', 'bahareh'],
  ['طاهره', 'tahereh'],
  ['نگار', 'negar'],
  ['هستی', 'hasti'],
  ['محدثه', 'mohadeseh'],
  ['شیوا', 'shiva'],
];

const MALE_NAMES: readonly NameEntry[] = [
  ['محمد', 'mohammad'],
  ['علی', 'ali'],
  ['حسین', 'hossein'],
  ['رضا', 'reza'],
  ['مهدی', 'mahdi'],
  ['امیرحسین', 'amirhossein'],
  ['ابوالفضل', 'abolfazl'],
  ['محمدرضا', 'mohammadreza'],
  ['علیرضا', 'alireza'],
  ['امیر', 'amir'],
  ['حسن', 'hasan'],
  ['سعید', 'saeed'],
  ['مصطفی', 'mostafa'],
  ['جواد', 'javad'],
  ['مجید', 'majid'],
  ['حمید', 'hamid'],
  ['احمد', 'ahmad'],
  ['محسن', 'mohsen'],
  ['میلاد', 'milad'],
  ['سجاد', 'sajjad'],
  ['وحید', 'vahid'],
  ['هادی', 'hadi'],
  ['امین', 'amin'],
  ['بهزاد', 'behzad'],
  ['پویا', 'pouya'],
  ['آرش', 'arash'],
  ['کامران', 'kamran'],
  ['فرهاد', 'farhad'],
  ['یاسر', 'yaser'],
  ['پارسا', 'parsa'],
  ['سینا', 'sina'],
  ['بهنام', 'behnam'],
  ['ایمان', 'iman'],
  ['داوود', 'davoud'],
];

/** Common Iranian family names, most frequent first. */
const LAST_NAMES: readonly NameEntry[] = [
  ['محمدی', 'mohammadi'],
  ['حسینی', 'hosseini'],
  ['احمدی', 'ahmadi'],
  ['رضایی', 'rezaei'],
  ['موسوی', 'mousavi'],
  ['کریمی', 'karimi'],
  ['جعفری', 'jafari'],
  ['صادقی', 'sadeghi'],
  ['رحیمی', 'rahimi'],
  ['هاشمی', 'hashemi'],
  ['کاظمی', 'kazemi'],
  ['قاسمی', 'ghasemi'],
  ['حیدری', 'heidari'],
  ['ابراهیمی', 'ebrahimi'],
  ['نوری', 'nouri'],
  ['عباسی', 'abbasi'],
  ['اکبری', 'akbari'],
  ['مرادی', 'moradi'],
  ['سلطانی', 'soltani'],
  ['طاهری', 'taheri'],
  ['زارعی', 'zarei'],
  ['یوسفی', 'yousefi'],
  ['نجفی', 'najafi'],
  ['امیری', 'amiri'],
  ['باقری', 'bagheri'],
  ['اسماعیلی', 'esmaeili'],
  ['میرزایی', 'mirzaei'],
  ['قربانی', 'ghorbani'],
  ['محمودی', 'mahmoudi'],
  ['اسدی', 'asadi'],
  ['رستمی', 'rostami'],
  ['نظری', 'nazari'],
  ['شریفی', 'sharifi'],
  ['صالحی', 'salehi'],
  ['منصوری', 'mansouri'],
  ['خسروی', 'khosravi'],
  ['بهرامی', 'bahrami'],
  ['ملکی', 'maleki'],
  ['کیانی', 'kiani'],
  ['علوی', 'alavi'],
  ['فرهادی', 'farhadi'],
  ['جلالی', 'jalali'],
  ['صفری', 'safari'],
  ['یزدانی', 'yazdani'],
  ['فتحی', 'fathi'],
  ['رنجبر', 'ranjbar'],
  ['توکلی', 'tavakoli'],
  ['قنبری', 'ghanbari'],
  ['دهقان', 'dehghan'],
  ['فرجی', 'faraji'],
  ['جمالی', 'jamali'],
  ['شجاعی', 'shojaei'],
  ['حسن‌زاده', 'hasanzadeh'],
  ['علی‌پور', 'alipour'],
  ['کرمانی', 'kermani'],
  ['شیرازی', 'shirazi'],
  ['تهرانی', 'tehrani'],
  ['اصفهانی', 'esfahani'],
  ['افشار', 'afshar'],
  ['نیک‌نام', 'niknam'],
  ['سبحانی', 'sobhani'],
  ['پورمحمدی', 'pourmohammadi'],
];

/** City, province, and population in thousands (approximate), which weights where members live. */
const CITIES: readonly (readonly [city: string, province: string, populationThousands: number])[] = [
  ['تهران', 'تهران', 8700],
  ['مشهد', 'خراسان رضوی', 3000],
  ['اصفهان', 'اصفهان', 2000],
  ['کرج', 'البرز', 1600],
  ['شیراز', 'فارس', 1600],
  ['تبریز', 'آذربایجان شرقی', 1560],
  ['قم', 'قم', 1200],
  ['اهواز', 'خوزستان', 1180],
  ['کرمانشاه', 'کرمانشاه', 950],
  ['ارومیه', 'آذربایجان غربی', 740],
  ['رشت', 'گیلان', 680],
  ['زاهدان', 'سیستان و بلوچستان', 590],
  ['همدان', 'همدان', 550],
  ['کرمان', 'کرمان', 540],
  ['یزد', 'یزد', 530],
  ['اردبیل', 'اردبیل', 530],
  ['بندرعباس', 'هرمزگان', 530],
  ['اراک', 'مرکزی', 520],
  ['اسلامشهر', 'تهران', 450],
  ['زنجان', 'زنجان', 430],
  ['سنندج', 'کردستان', 410],
  ['قزوین', 'قزوین', 400],
  ['خرم‌آباد', 'لرستان', 375],
  ['گرگان', 'گلستان', 350],
  ['ساری', 'مازندران', 310],
  ['کاشان', 'اصفهان', 300],
  ['دزفول', 'خوزستان', 265],
  ['نیشابور', 'خراسان رضوی', 265],
  ['بابل', 'مازندران', 250],
  ['آمل', 'مازندران', 240],
  ['سبزوار', 'خراسان رضوی', 245],
  ['بجنورد', 'خراسان شمالی', 230],
  ['بوشهر', 'بوشهر', 225],
  ['بیرجند', 'خراسان جنوبی', 200],
  ['ایلام', 'ایلام', 195],
  ['شهرکرد', 'چهارمحال و بختیاری', 190],
  ['سمنان', 'سمنان', 185],
  ['یاسوج', 'کهگیلویه و بویراحمد', 135],
];

/**
 * Mobile operator codes (the digits after `09`) with their rough market share: Hamrah-e Aval (MCI)
 * 0910–0919 and 0990–0994, Irancell 0901–0905, 0930, 0933, 0935–0939 and 0941, Rightel 0920–0922.
 */
const MOBILE_CODES: readonly (readonly [code: string, weight: number])[] = [
  ...['10', '11', '12', '13', '14', '15', '16', '17', '18', '19'].map((c) => [c, 4.5] as const),
  ...['90', '91', '92', '93', '94'].map((c) => [c, 1.5] as const),
  ...['01', '02', '03', '04', '05', '41'].map((c) => [c, 1.5] as const),
  ...['30', '33', '35', '36', '37', '38', '39'].map((c) => [c, 3.5] as const),
  ...['20', '21', '22'].map((c) => [c, 1.5] as const),
];

const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;

interface Category {
  prefix: string;
  name: string;
  /** How many SKUs of the catalogue's 150 fall in this category. */
  skus: number;
  priceMinRials: number;
  priceMaxRials: number;
  /** Relative share of order lines. */
  popularity: number;
  quantityMax: number;
  /** Bulky goods take a day longer to promise. */
  isBulky: boolean;
  /** Everyday goods: members who order often fill their baskets with these. */
  isConsumable: boolean;
  /** Dear goods that often bring a member in: see FIRST_ORDER_BIG_TICKET_BOOST. */
  isBigTicket: boolean;
}

const CATEGORIES: readonly Category[] = [
  {
    prefix: 'MOB',
    name: 'موبایل',
    skus: 14,
    priceMinRials: 150e6,
    priceMaxRials: 900e6,
    popularity: 0.3,
    quantityMax: 1,
    isBulky: false,
    isConsumable: false,
    isBigTicket: true,
  },
  {
    prefix: 'LAP',
    name: 'لپ‌تاپ',
    skus: 10,
    priceMinRials: 300e6,
    priceMaxRials: 1_800e6,
    popularity: 0.1,
    quantityMax: 1,
    isBulky: false,
    isConsumable: false,
    isBigTicket: true,
  },
  {
    prefix: 'ACC',
    name: 'لوازم جانبی دیجیتال',
    skus: 18,
    priceMinRials: 1e6,
    priceMaxRials: 40e6,
    popularity: 12,
    quantityMax: 2,
    isBulky: false,
    isConsumable: false,
    isBigTicket: false,
  },
  {
    prefix: 'APP',
    name: 'لوازم خانگی برقی',
    skus: 14,
    priceMinRials: 40e6,
    priceMaxRials: 700e6,
    popularity: 0.3,
    quantityMax: 1,
    isBulky: true,
    isConsumable: false,
    isBigTicket: true,
  },
  {
    prefix: 'FAS',
    name: 'مد و پوشاک',
    skus: 18,
    priceMinRials: 3e6,
    priceMaxRials: 40e6,
    popularity: 14,
    quantityMax: 3,
    isBulky: false,
    isConsumable: false,
    isBigTicket: false,
  },
  {
    prefix: 'BEA',
    name: 'آرایشی و بهداشتی',
    skus: 16,
    priceMinRials: 1e6,
    priceMaxRials: 20e6,
    popularity: 14,
    quantityMax: 4,
    isBulky: false,
    isConsumable: true,
    isBigTicket: false,
  },
  {
    prefix: 'GRO',
    name: 'کالای سوپرمارکتی',
    skus: 20,
    priceMinRials: 0.3e6,
    priceMaxRials: 8e6,
    popularity: 24,
    quantityMax: 6,
    isBulky: false,
    isConsumable: true,
    isBigTicket: false,
  },
  {
    prefix: 'BOK',
    name: 'کتاب و لوازم‌التحریر',
    skus: 14,
    priceMinRials: 1e6,
    priceMaxRials: 5e6,
    popularity: 9,
    quantityMax: 3,
    isBulky: false,
    isConsumable: false,
    isBigTicket: false,
  },
  {
    prefix: 'TOY',
    name: 'اسباب‌بازی، کودک و نوزاد',
    skus: 10,
    priceMinRials: 2e6,
    priceMaxRials: 30e6,
    popularity: 7,
    quantityMax: 2,
    isBulky: false,
    isConsumable: false,
    isBigTicket: false,
  },
  {
    prefix: 'SPO',
    name: 'ورزش و سفر',
    skus: 8,
    priceMinRials: 5e6,
    priceMaxRials: 60e6,
    popularity: 3,
    quantityMax: 2,
    isBulky: true,
    isConsumable: false,
    isBigTicket: false,
  },
  {
    prefix: 'HOM',
    name: 'خانه و آشپزخانه',
    skus: 8,
    priceMinRials: 3e6,
    priceMaxRials: 40e6,
    popularity: 9,
    quantityMax: 2,
    isBulky: false,
    isConsumable: false,
    isBigTicket: false,
  },
];

/** Share of orders by Tehran hour of day: quiet at dawn, busy late morning and late evening. */
const HOUR_WEIGHTS = [
  3, 2, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3.5, 5, 5.5, 5.5, 5, 4.5, 4.5, 4.5, 5, 5.5, 6, 6.5, 7, 7, 5,
];
/** Share of orders with one, two, three and four lines. */
const LINE_COUNT_WEIGHTS = [0.55, 0.27, 0.12, 0.06];

// ---------------------------------------------------------------------------------------------
// Helpers

export function roundPriceRials(rials: number): number {
  // Shops price in round tomans: thousands for cheap goods, hundred-thousands for dear ones.
  const step = rials < 10e6 ? 10_000 : rials < 100e6 ? 100_000 : 1_000_000;
  return Math.max(step, Math.round(rials / step) * step);
}

function tehranDayStart(ms: number): number {
  return Math.floor((ms + TEHRAN_OFFSET_MS) / DAY_MS) * DAY_MS - TEHRAN_OFFSET_MS;
}

/** Moves a time to a given Tehran hour (fractional) of the same Tehran day. */
function atTehranHour(ms: number, hour: number): number {
  return tehranDayStart(ms) + hour * HOUR_MS;
}

function padNumber(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`generateDemoClub: ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// The generator

interface Product extends DemoProduct {
  categoryIndex: number;
}

/** The catalogue: each category's SKUs sorted by price, so an index doubles as a budget band. */
function generateProducts(rng: Rng): Product[] {
  const products: Product[] = [];
  CATEGORIES.forEach((category, categoryIndex) => {
    const prices: number[] = [];
    for (let i = 0; i < category.skus; i++) {
      // Log-uniform: a category has many cheap items and a few dear ones.
      const logMin = Math.log(category.priceMinRials);
      const logMax = Math.log(category.priceMaxRials);
      prices.push(roundPriceRials(Math.exp(uniform(rng, logMin, logMax))));
    }
    prices.sort((x, y) => x - y);
    prices.forEach((basePriceRials, i) => {
      products.push({
        sku: `${category.prefix}-${padNumber(i + 1, 4)}`,
        category: category.name,
        basePriceRials,
        categoryIndex,
      });
    });
  });
  return products;
}

interface MemberDraft {
  member: Omit<DemoMember, 'externalId' | 'createdAt'>;
  /** Time of the first order. */
  firstOrderMs: number;
  createdMs: number;
  /** Purchase rate before scaling, Gamma(RATE_SHAPE, 1). */
  rateUnit: number;
  dropout: number;
  /** 0..1: where in each category's price range the member usually buys. */
  budget: number;
}

/** Picks an hour of day by HOUR_WEIGHTS and moves the time to it, unless that leaves [min, max). */
function shapeHourOfDay(
  rng: Rng,
  hourCumulative: Float64Array,
  ms: number,
  min: number,
  max: number,
): number {
  const hour = pickWeighted(rng, hourCumulative) + rng();
  const shaped = atTehranHour(ms, hour);
  return shaped >= min && shaped < max ? shaped : ms;
}

function generateMembers(
  rng: Rng,
  count: number,
  startMs: number,
  endMs: number,
  hourCumulative: Float64Array,
): MemberDraft[] {
  const femaleCumulative = cumulate(FEMALE_NAMES.map((_, i) => 1 / (i + 1) ** 0.6));
  const maleCumulative = cumulate(MALE_NAMES.map((_, i) => 1 / (i + 1) ** 0.6));
  const lastCumulative = cumulate(LAST_NAMES.map((_, i) => 1 / (i + 1) ** 0.5));
  // Online shopping leans to the capital more than its population does.
  const cityCumulative = cumulate(
    CITIES.map(([city, , people]) => (city === 'تهران' ? people * 1.3 : people)),
  );
  const mobileCumulative = cumulate(MOBILE_CODES.map(([, weight]) => weight));
  const mobiles = new Set<string>();
  const emails = new Set<string>();
  const periodMs = endMs - startMs;
  const drafts: MemberDraft[] = [];

  for (let i = 0; i < count; i++) {
    const isFemale = rng() < 0.48;
    const [firstName, firstLatin] = isFemale
      ? FEMALE_NAMES[pickWeighted(rng, femaleCumulative)]!
      : MALE_NAMES[pickWeighted(rng, maleCumulative)]!;
    const [lastName, lastLatin] = LAST_NAMES[pickWeighted(rng, lastCumulative)]!;
    const [city, province] = CITIES[pickWeighted(rng, cityCumulative)]!;

    let mobile: string;
    do {
      const code = MOBILE_CODES[pickWeighted(rng, mobileCumulative)]![0];
      mobile = `+989${code}${padNumber(Math.floor(rng() * 10_000_000), 7)}`;
    } while (mobiles.has(mobile));
    mobiles.add(mobile);

    // Ages cluster in the late twenties and thirties with a long tail of older shoppers.
    const ageYears = Math.min(75, 18 + gamma(rng, 3) * 5);
    const birthDate =
      rng() < 0.7 ? new Date(endMs - ageYears * 365.25 * DAY_MS).toISOString().slice(0, 10) : null;

    let email: string | null = null;
    if (rng() < 0.6) {
      const birthYear = birthDate ? birthDate.slice(2, 4) : String(randomInt(rng, 60, 99));
      const patterns = [
        `${firstLatin}.${lastLatin}`,
        `${firstLatin}${lastLatin}${birthYear}`,
        `${firstLatin[0]}.${lastLatin}`,
        `${lastLatin}.${firstLatin}`,
        `${firstLatin}_${randomInt(rng, 100, 9999)}`,
      ];
      const handle = pick(rng, patterns);
      const domain = pick(rng, EMAIL_DOMAINS);
      email = `${handle}@${domain}`;
      for (let n = 2; emails.has(email); n++) email = `${handle}${n}@${domain}`;
      emails.add(email);
    }

    // Inverse CDF of a sign-up density rising linearly through the period.
    const u = rng();
    const joinFraction =
      JOIN_GROWTH > 0 ? (-1 + Math.sqrt(1 + JOIN_GROWTH * (2 + JOIN_GROWTH) * u)) / JOIN_GROWTH : u;
    const rawFirstMs = startMs + joinFraction * periodMs;
    const firstOrderMs = shapeHourOfDay(rng, hourCumulative, rawFirstMs, startMs + 30 * MINUTE_MS, endMs);
    const createdMs = Math.max(startMs, firstOrderMs - uniform(rng, 2, 30) * MINUTE_MS);

    drafts.push({
      member: {
        firstName,
        lastName,
        mobile,
        email,
        city,
        province,
        birthDate,
        gender: rng() < 0.85 ? (isFemale ? 'female' : 'male') : null,
        consentSms: rng() < 0.85,
        consentEmail: email !== null && rng() < 0.55,
      },
      firstOrderMs,
      createdMs,
      // A gamma draw can underflow to zero for small shapes; a zero rate would divide by zero below.
      rateUnit: Math.max(gamma(rng, RATE_SHAPE), 1e-12),
      dropout: Math.min(Math.max(beta(rng, DROPOUT_A, DROPOUT_B), 1e-4), 1),
      budget: beta(rng, 4, 4),
    });
  }
  return drafts;
}

/**
 * Solves the rate scale c (rates per day are c × rateUnit) at which the expected number of repeat
 * purchases equals `repeats`, using the MBG/NBD mean E[X(w) | λ, p] = (1 − p)(1 − e^(−λpw)) / p.
 */
function solveRateScale(drafts: readonly MemberDraft[], windowsDays: Float64Array, repeats: number): number {
  const expected = (scale: number): number => {
    let sum = 0;
    for (let i = 0; i < drafts.length; i++) {
      const { rateUnit, dropout } = drafts[i]!;
      sum += (-Math.expm1(-scale * rateUnit * dropout * windowsDays[i]!) * (1 - dropout)) / dropout;
    }
    return sum;
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && expected(hi) < repeats; i++) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) < repeats) lo = mid;
    else hi = mid;
  }
  return hi;
}

interface RepeatPool {
  member: Int32Array;
  /** The rate scale at which the purchase would just fit in the member's window. */
  threshold: Float64Array;
  length: number;
}

/**
 * Every repeat purchase a member would make under rate scale `scaleMax`. Repeat j happens
 * S_j / (c λ) days after the first order, where S_j is a sum of j unit exponentials, so it fits in
 * the member's window w exactly when c ≥ S_j / (λ w): its threshold. Picking c as the n-th smallest
 * threshold then yields exactly n repeat purchases. Each member draws from their own stream, so a
 * larger `scaleMax` only extends the same sequences.
 */
function collectRepeats(
  seed: number,
  drafts: readonly MemberDraft[],
  windowsDays: Float64Array,
  scaleMax: number,
): RepeatPool {
  let member = new Int32Array(1024);
  let threshold = new Float64Array(1024);
  let length = 0;
  for (let i = 0; i < drafts.length; i++) {
    const { rateUnit, dropout } = drafts[i]!;
    const rng = createRng(seed, 1_000 + i);
    const capacity = rateUnit * windowsDays[i]!;
    let sum = 0;
    for (;;) {
      // The member may leave after any purchase, the first included (the MBG/NBD variant).
      if (rng() < dropout) break;
      sum += exponential(rng);
      const t = sum / capacity;
      if (t > scaleMax) break;
      if (length === member.length) {
        const grownMember = new Int32Array(length * 2);
        grownMember.set(member);
        member = grownMember;
        const grownThreshold = new Float64Array(length * 2);
        grownThreshold.set(threshold);
        threshold = grownThreshold;
      }
      member[length] = i;
      threshold[length] = t;
      length++;
    }
  }
  return { member, threshold, length };
}

function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Generates a demo club: members, a product catalogue, and orders over `months` months up to
 * `endAt`. Every member has at least one order (members join at their first checkout), and the order
 * count equals `orders` exactly (short of it only in a tiny club whose few members all leave early):
 * the rate scale of the purchase process is chosen so that it does, which leaves the shape of the
 * behaviour (who repeats, who spends) to the model. The figures the model was tuned for (half the
 * members repeat, the top fifth bring ~70% of revenue) hold near the default 10 orders per member;
 * fewer orders per member give fewer repeat buyers. Throws RangeError on out-of-range options.
 */
export function generateDemoClub(opts: GenerateDemoClubOptions = {}): DemoClub {
  const seed = Math.floor(opts.seed ?? DEFAULT_SEED) >>> 0;
  const memberCount = requireInteger('members', opts.members ?? 5_000, 1, MEMBERS_MAX);
  const orderCount = requireInteger('orders', opts.orders ?? 50_000, memberCount, ORDERS_MAX);
  const months = requireInteger('months', opts.months ?? 18, 1, MONTHS_MAX);
  const end = opts.endAt ? new Date(opts.endAt.getTime()) : new Date();
  if (Number.isNaN(end.getTime())) throw new RangeError('generateDemoClub: endAt is not a valid date');
  if (!opts.endAt) end.setUTCHours(0, 0, 0, 0);
  const endMs = end.getTime();
  const start = new Date(endMs);
  start.setUTCMonth(start.getUTCMonth() - months);
  const startMs = start.getTime();

  const hourCumulative = cumulate(HOUR_WEIGHTS);
  const products = generateProducts(createRng(seed, 1));
  const drafts = generateMembers(createRng(seed, 2), memberCount, startMs, endMs, hourCumulative);

  // Repeat purchases: find the rate scale at which exactly the wanted number fits in the period.
  const windowsDays = new Float64Array(memberCount);
  for (let i = 0; i < memberCount; i++) windowsDays[i] = (endMs - drafts[i]!.firstOrderMs) / DAY_MS;
  const repeatsWanted = orderCount - memberCount;
  let scale = 0;
  let pool: RepeatPool = { member: new Int32Array(0), threshold: new Float64Array(0), length: 0 };
  if (repeatsWanted > 0) {
    let scaleMax = 2 * solveRateScale(drafts, windowsDays, repeatsWanted);
    pool = collectRepeats(seed, drafts, windowsDays, scaleMax);
    // The expected count is a good guess but not a bound; widen until enough purchases qualify.
    for (let i = 0; i < 20 && pool.length < repeatsWanted; i++) {
      scaleMax *= 4;
      pool = collectRepeats(seed, drafts, windowsDays, scaleMax);
    }
    // Members who all left early (possible only in tiny clubs) can leave the pool short of the target.
    const sorted = pool.threshold.slice(0, pool.length).sort();
    const taken = Math.min(repeatsWanted, pool.length);
    if (taken > 0) {
      // Between the last threshold taken and the next, so the last purchase is not pinned to endAt.
      const last = sorted[taken - 1]!;
      scale = taken < pool.length ? (last + sorted[taken]!) / 2 : last * 1.1;
    }
  }

  // Every order as (time, member); the first order of each member, then the repeats that fit.
  const eventMs: number[] = [];
  const eventMember: number[] = [];
  for (let i = 0; i < memberCount; i++) {
    eventMs.push(drafts[i]!.firstOrderMs);
    eventMember.push(i);
  }
  const timeRng = createRng(seed, 3);
  for (let k = 0; k < pool.length && eventMs.length < orderCount; k++) {
    const t = pool.threshold[k]!;
    if (t > scale) continue;
    const i = pool.member[k]!;
    const first = drafts[i]!.firstOrderMs;
    const raw = first + (t / scale) * windowsDays[i]! * DAY_MS;
    // A repeat on the first order's day must not move before it.
    eventMs.push(shapeHourOfDay(timeRng, hourCumulative, raw, first + MINUTE_MS, endMs));
    eventMember.push(i);
  }
  const eventOrder = Array.from(eventMs.keys()).sort((x, y) => eventMs[x]! - eventMs[y]! || x - y);

  // Members are numbered in the order they joined.
  const memberOrder = Array.from(drafts.keys()).sort(
    (x, y) => drafts[x]!.createdMs - drafts[y]!.createdMs || x - y,
  );
  const idWidth = Math.max(5, String(memberCount).length);
  const memberIds: string[] = new Array(memberCount);
  const members: DemoMember[] = memberOrder.map((i, rank) => {
    const draft = drafts[i]!;
    const externalId = `C-${padNumber(rank + 1, idWidth)}`;
    memberIds[i] = externalId;
    return { externalId, ...draft.member, createdAt: toIso(draft.createdMs) };
  });

  // Member tastes: the catalogue's popularity bent by a personal weight per category.
  const tasteRng = createRng(seed, 4);
  const categoryCount = CATEGORIES.length;
  const tastes = new Float64Array(memberCount * categoryCount);
  const orderCounts = new Int32Array(memberCount);
  for (const i of eventMember) orderCounts[i]!++;
  const firstTastes = new Float64Array(memberCount * categoryCount);
  for (let i = 0; i < memberCount; i++) {
    const habit = 1 + CONSUMABLE_HABIT_MAX * Math.min(1, (orderCounts[i]! - 1) / 20);
    let sum = 0;
    let firstSum = 0;
    for (let c = 0; c < categoryCount; c++) {
      const category = CATEGORIES[c]!;
      const taste = category.popularity * gamma(tasteRng, 0.6);
      sum += taste * (category.isConsumable ? habit : 1);
      tastes[i * categoryCount + c] = sum;
      firstSum += taste * (category.isBigTicket ? FIRST_ORDER_BIG_TICKET_BOOST : 1);
      firstTastes[i * categoryCount + c] = firstSum;
    }
  }
  const productsByCategory = CATEGORIES.map((_, c) => products.filter((p) => p.categoryIndex === c));
  const lineCountCumulative = cumulate(LINE_COUNT_WEIGHTS);

  const orderRng = createRng(seed, 5);
  const orders: DemoOrder[] = new Array(eventOrder.length);
  let returnNumber = 0;
  const seen = new Uint8Array(memberCount);
  for (let n = 0; n < eventOrder.length; n++) {
    const e = eventOrder[n]!;
    const i = eventMember[e]!;
    const placedMs = eventMs[e]!;
    const draft = drafts[i]!;
    const isFirst = !seen[i];
    seen[i] = 1;

    // Prices rise in monthly steps with inflation; a few lines carry a discount.
    const monthsBeforeEnd = Math.floor((endMs - placedMs) / (30 * DAY_MS));
    const inflation = (1 + PRICE_INFLATION_YEARLY) ** (-(monthsBeforeEnd * 30) / 365);
    const lineCount = pickWeighted(orderRng, lineCountCumulative) + 1;
    const lines: DemoOrderLine[] = [];
    let isBulky = false;
    for (let l = 0; l < lineCount; l++) {
      const c = pickWeighted(orderRng, isFirst ? firstTastes : tastes, i * categoryCount, categoryCount);
      const category = CATEGORIES[c]!;
      const choices = productsByCategory[c]!;
      const band = Math.min(1, Math.max(0, draft.budget + 0.2 * normal(orderRng)));
      const product = choices[Math.round(band * (choices.length - 1))]!;
      const quantity = orderRng() < 0.75 ? 1 : randomInt(orderRng, 1, category.quantityMax);
      const existing = lines.find((line) => line.sku === product.sku);
      if (existing) {
        existing.quantity = Math.min(category.quantityMax, existing.quantity + quantity);
        continue;
      }
      const discount = orderRng() < DISCOUNT_PROBABILITY ? uniform(orderRng, 0.05, 0.25) : 0;
      lines.push({
        sku: product.sku,
        category: category.name,
        quantity,
        unitPriceRials: roundPriceRials(product.basePriceRials * inflation * (1 - discount)),
      });
      isBulky ||= category.isBulky;
    }
    const totalRials = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceRials, 0);

    // Delivery: a promise of 2–4 days (a day more for bulky goods), usually kept.
    const promisedMs = placedMs + (randomInt(orderRng, 2, 4) + (isBulky ? 1 : 0)) * DAY_MS;
    let deliveryMs: number;
    if (orderRng() < LATE_DELIVERY_PROBABILITY) {
      deliveryMs = atTehranHour(
        promisedMs + (0.5 + exponential(orderRng) * 1.5) * DAY_MS,
        uniform(orderRng, 9, 21),
      );
      if (deliveryMs <= promisedMs) deliveryMs += DAY_MS;
    } else {
      deliveryMs = atTehranHour(uniform(orderRng, placedMs + DAY_MS, promisedMs), uniform(orderRng, 9, 21));
      if (deliveryMs > promisedMs) deliveryMs = promisedMs - uniform(orderRng, 0, 2) * HOUR_MS;
      if (deliveryMs < placedMs + 12 * HOUR_MS) deliveryMs = placedMs + 12 * HOUR_MS;
    }
    const shippedMs = placedMs + uniform(orderRng, 0.2, 0.6) * (deliveryMs - placedMs);
    const paidMs =
      orderRng() < PAY_ON_DELIVERY_PROBABILITY ? deliveryMs : placedMs + uniform(orderRng, 1, 15) * MINUTE_MS;

    let status: DemoOrder['status'];
    if (orderRng() < CANCEL_PROBABILITY) status = 'cancelled';
    else if (deliveryMs < endMs) status = 'delivered';
    else if (shippedMs < endMs) status = 'shipped';
    else if (paidMs < endMs) status = 'paid';
    else status = 'placed';

    const order: DemoOrder = {
      externalId: `DK-${1_000_001 + n}`,
      memberExternalId: memberIds[i]!,
      placedAt: toIso(placedMs),
      status,
      totalRials,
      promisedDeliveryAt: toIso(promisedMs),
      deliveredAt: status === 'delivered' ? toIso(deliveryMs) : null,
      lines,
    };

    if (status === 'delivered' && orderRng() < RETURN_PROBABILITY) {
      const returnMs = deliveryMs + uniform(orderRng, 2 * HOUR_MS, RETURN_WINDOW_MS);
      // A return that would fall after endAt has not happened yet.
      if (returnMs < endMs) {
        const line = pick(orderRng, lines);
        const quantity =
          line.quantity > 1 && orderRng() < 0.5 ? randomInt(orderRng, 1, line.quantity - 1) : line.quantity;
        returnNumber++;
        order.returned = {
          externalId: `RT-${1_000_000 + returnNumber}`,
          amountRials: quantity * line.unitPriceRials,
          at: toIso(returnMs),
        };
      }
    }
    orders[n] = order;
  }

  return {
    members,
    orders,
    products: products.map(({ sku, category, basePriceRials }) => ({ sku, category, basePriceRials })),
    model: {
      r: RATE_SHAPE,
      alphaDays: scale > 0 ? 1 / scale : Number.POSITIVE_INFINITY,
      a: DROPOUT_A,
      b: DROPOUT_B,
    },
    startAt: toIso(startMs),
    endAt: toIso(endMs),
  };
}
