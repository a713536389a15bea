import { z } from 'zod';
import { ZExternalId } from '../members/index.js';

/** Largest price accepted: 10^15 rials, as for orders, keeps sums exact in JS numbers. */
export const MAX_PRICE_RIALS = 1_000_000_000_000_000;

/** Limits of the prices module, in one place (docs/prices.md lists them). */
export const PRICE_LIMITS = {
  /** Observations in one POST /v1/prices/batch. */
  maxBatch: 10_000,
  /** How far past the server's clock an observation may be (clock skew between servers). */
  futureSkewMs: 10 * 60_000,
  /** No observation before this instant. */
  earliestAt: Date.UTC(2000, 0, 1),
  /** A history request spans at most this many days... */
  maxRangeDays: 3660,
  /** ...and at day resolution at most this many. */
  maxDayBuckets: 1100,
  /** Watches per member. */
  maxWatchesPerMember: 200,
  /** Page size of alert listings. */
  maxPage: 100,
} as const;

/** The shop's product id: printable, no slashes, so it is safe in a URL path. */
export const ZSku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^\s/?#]+$/, 'must be 1-64 characters without spaces, slashes, ? or #');

const ZPriceRials = z
  .number()
  .int()
  .min(1)
  .max(MAX_PRICE_RIALS)
  .describe('Price in rials; a positive integer.');
const ZTime = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 time with a zone, e.g. 2026-03-01T10:00:00+03:30.');

export const ZProductPath = z.strictObject({ sku: ZSku });

export const ZUpsertProduct = z
  .strictObject({
    titleFa: z.string().trim().min(1).max(300).describe('Title in Persian.'),
    titleEn: z.string().trim().max(300).nullable().optional().describe('Title in English.'),
    category: z.string().trim().max(100).nullable().optional(),
    url: z.url().max(2048).nullable().optional().describe('The product page.'),
    imageUrl: z.url().max(2048).nullable().optional(),
    isActive: z.boolean().optional().describe('Default true. Inactive products keep their history.'),
  })
  .meta({ id: 'UpsertProduct' });
export type TUpsertProduct = z.infer<typeof ZUpsertProduct>;

export const ZCurrentPrice = z.object({
  priceRials: z.number().int(),
  inStock: z.boolean(),
  since: z.string().describe('When this price began (the first observation of it since the last change).'),
  lastSeenAt: z.string().describe('The latest observation.'),
});

export const ZProduct = z
  .object({
    id: z.string().describe('Vafa id (`prd_…`).'),
    sku: z.string(),
    titleFa: z.string(),
    titleEn: z.string().nullable(),
    category: z.string().nullable(),
    url: z.string().nullable(),
    imageUrl: z.string().nullable(),
    isActive: z.boolean(),
    currentPrice: ZCurrentPrice.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Product' });
export type TProduct = z.infer<typeof ZProduct>;

export const ZProductQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .describe(
      'A sku (exact matches first, then skus starting with it) or a fragment of a title; none: every product.',
    ),
  cursor: z.string().max(200).optional().describe('From the previous page’s nextCursor.'),
  limit: z.coerce.number().int().min(1).max(PRICE_LIMITS.maxPage).default(20),
});
export type TProductQuery = z.infer<typeof ZProductQuery>;

export const ZProductPage = z
  .object({ items: z.array(ZProduct), nextCursor: z.string().nullable() })
  .meta({ id: 'ProductPage' });

export const ZObservation = z
  .strictObject({
    sku: ZSku,
    priceRials: ZPriceRials,
    at: ZTime.describe('When the price was observed. Not before 2000, not more than 10 minutes ahead.'),
    inStock: z.boolean().default(true),
  })
  .meta({ id: 'PriceObservation' });
export type TObservation = z.infer<typeof ZObservation>;

export const ZObservationResult = z.object({
  sku: z.string(),
  at: z.string(),
  result: z
    .enum(['created', 'extended', 'unchanged'])
    .describe(
      'created: a new price run began; extended: the same price as a neighbouring run, which now reaches it; ' +
        'unchanged: already recorded (a retry).',
    ),
});

export const ZBatchPrices = z.strictObject({
  observations: z.array(ZObservation).min(1).max(PRICE_LIMITS.maxBatch),
});

export const ZBatchPricesResult = z
  .object({
    received: z.number().int(),
    created: z.number().int(),
    extended: z.number().int(),
    unchanged: z.number().int(),
  })
  .meta({ id: 'PriceBatchResult' });
export type TBatchPricesResult = z.infer<typeof ZBatchPricesResult>;

export const ZHistoryQuery = z.strictObject({
  from: ZTime.optional().describe('Default: one year before `to`.'),
  to: ZTime.optional().describe('Default: now.'),
  resolution: z.enum(['day', 'week', 'month']).default('day'),
  calendar: z
    .enum(['persian', 'gregory'])
    .default('persian')
    .describe('Month buckets: Jalali (default) or Gregorian months. Days and weeks are the same in both.'),
});
export type THistoryQuery = z.infer<typeof ZHistoryQuery>;

const ZWindow = z.object({
  days: z.number().int(),
  minRials: z.number().int().nullable(),
  avgRials: z.number().int().nullable().describe('Time-weighted average.'),
  maxRials: z.number().int().nullable(),
});

export const ZSignal = z
  .object({
    action: z.enum(['buy', 'wait', 'neutral']),
    code: z
      .enum([
        'no_data',
        'insufficient_history',
        'out_of_stock',
        'at_all_time_low',
        'at_90_day_low',
        'near_90_day_low',
        'rising_steadily',
        'above_average_falls_back',
        'above_average',
        'usual_price',
      ])
      .describe('Which rule decided; see docs/prices.md.'),
    reasonFa: z.string(),
    reasonEn: z.string(),
    vsAverage30Percent: z.number().nullable(),
  })
  .meta({ id: 'PriceSignal' });

export const ZPriceStats = z.object({
  current: ZCurrentPrice.nullable(),
  previousPriceRials: z.number().int().nullable().describe('The price before the last change of price.'),
  changeRials: z.number().int().nullable(),
  changePercent: z.number().nullable(),
  windows: z.array(ZWindow).describe('30, 90 and 365 days up to now.'),
  allTimeLow: z
    .object({
      priceRials: z.number().int(),
      lastAt: z.string().describe('The last time the price was at its low (now, when it still is).'),
      daysSince: z.number().int(),
    })
    .nullable(),
  allTimeHighRials: z.number().int().nullable(),
  firstSeenAt: z.string().nullable(),
});

export const ZHistory = z
  .object({
    sku: z.string(),
    from: z.string(),
    to: z.string(),
    resolution: z.enum(['day', 'week', 'month']),
    calendar: z.enum(['persian', 'gregory']),
    timeZone: z.literal('Asia/Tehran'),
    series: z
      .array(
        z.object({
          start: z.string(),
          end: z.string(),
          date: z.string().describe('Tehran civil date the bucket starts on (Gregorian).'),
          jalaliDate: z.string().describe('The same date in the Jalali calendar.'),
          openRials: z.number().int(),
          minRials: z.number().int(),
          maxRials: z.number().int(),
          closeRials: z.number().int(),
        }),
      )
      .describe('One item per bucket with a price; buckets before the first observation are left out.'),
    stats: ZPriceStats,
    signal: ZSignal,
  })
  .meta({ id: 'PriceHistory' });
export type THistory = z.infer<typeof ZHistory>;

export const ZPriceSettings = z
  .object({ dropThresholdPercent: z.number().describe('Default 10.') })
  .meta({ id: 'PriceSettings' });
export const ZPatchPriceSettings = z.strictObject({
  dropThresholdPercent: z
    .number()
    .min(1)
    .max(90)
    .multipleOf(0.01)
    .describe('A watched price that falls this many percent from its peak raises an alert.'),
});

export const ZWatchPath = z.strictObject({ externalId: ZExternalId, sku: ZSku });
export const ZMemberPath = z.strictObject({ externalId: ZExternalId });

export const ZPutWatch = z
  .strictObject({
    targetPriceRials: ZPriceRials.nullable()
      .optional()
      .describe('Alert when the price reaches this; without it only the club’s drop threshold alerts.'),
  })
  .meta({ id: 'PutWatch' });

export const ZWatch = z
  .object({
    sku: z.string(),
    titleFa: z.string(),
    titleEn: z.string().nullable(),
    targetPriceRials: z.number().int().nullable(),
    referencePriceRials: z
      .number()
      .int()
      .nullable()
      .describe(
        'The highest price since the watch began or since its last alert: drops are measured from it.',
      ),
    currentPriceRials: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Watch' });
export type TWatch = z.infer<typeof ZWatch>;

export const ZAlert = z
  .object({
    id: z.string().describe('Vafa id (`pal_…`).'),
    memberId: z.string(),
    sku: z.string(),
    reason: z.enum(['target', 'drop']),
    oldPriceRials: z.number().int().nullable().describe('The price before this change.'),
    newPriceRials: z.number().int(),
    referencePriceRials: z.number().int().nullable(),
    targetPriceRials: z.number().int().nullable(),
    observedAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'PriceAlert' });
export type TAlert = z.infer<typeof ZAlert>;

export const ZAlertQuery = z.strictObject({
  sku: ZSku.optional(),
  cursor: z.string().max(40).regex(/^\d+$/).optional().describe('From the previous page’s nextCursor.'),
  limit: z.coerce.number().int().min(1).max(PRICE_LIMITS.maxPage).default(20),
});

export const ZAlertPage = z.object({ items: z.array(ZAlert), nextCursor: z.string().nullable() });
export const ZWatchList = z.object({ items: z.array(ZWatch) });
