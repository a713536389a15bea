import { z } from 'zod';
import { SEGMENTS } from '../analytics/index.js';

/** Limits of the insights module, in one place (docs/insights.md lists them). */
export const INSIGHTS_LIMITS = {
  /** Orders read per query while building the transaction log (keyset pages by order id). */
  orderPage: 50_000,
  /** Snapshot rows per unnest insert. */
  insertBatch: 5_000,
  /** JSON page of the lapsed-customers list. */
  maxPage: 1_000,
  /** Rows of one CSV export; export more with offset. */
  maxCsvRows: 100_000,
  /** Runs listed by GET /v1/insights/runs. */
  maxRunsListed: 100,
  /** Cohorts (Jalali months) in the retention report. */
  maxCohortMonths: 36,
  /** Rows of the province and category breakdowns. */
  maxBreakdownRows: 500,
  /** Bins of the CLV histogram. */
  maxClvBins: 50,
  /** A category breakdown spans at most this many days. */
  maxRangeDays: 3660,
  /** A run still 'running' after this long was abandoned by a stopped process. */
  abandonAfterMs: 60 * 60_000,
  /** The daily job runs a club again once its last run is this old. */
  dailyEveryMs: 20 * 3600_000,
} as const;

const ZRunId = z
  .string()
  .regex(/^run_[A-Za-z0-9_-]{1,60}$/, 'must be a run id (run_…)')
  .describe('An insights run id (run_…).');

const ZSegment = z.enum(SEGMENTS);
const ZTime = z.iso.datetime({ offset: true }).describe('ISO 8601 time with a zone.');

export const ZInsightSettings = z
  .object({
    monthlyDiscountRate: z.number().describe('CLV discounts month m by (1 + rate)^m. Default 0.01.'),
    margin: z.number().describe('Share of revenue that is profit; CLV is margin, not revenue. Default 0.2.'),
    horizonMonths: z.number().int().describe('Months of future purchases CLV counts. Default 12.'),
    lapsedDays: z
      .number()
      .int()
      .describe('Days without an order after which a buyer is lapsed in the lapsed report. Default 180.'),
    keepRuns: z
      .number()
      .int()
      .describe('Snapshots of older runs are deleted (their run records stay). Default 40.'),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'InsightSettings' });
export type TInsightSettings = z.infer<typeof ZInsightSettings>;

export const ZPatchInsightSettings = z
  .strictObject({
    monthlyDiscountRate: z.number().min(0).max(0.5).optional(),
    margin: z.number().gt(0).max(1).optional(),
    horizonMonths: z.number().int().min(1).max(120).optional(),
    lapsedDays: z.number().int().min(1).max(3650).optional(),
    keepRuns: z.number().int().min(2).max(400).optional(),
  })
  .meta({ id: 'PatchInsightSettings' });
export type TPatchInsightSettings = z.infer<typeof ZPatchInsightSettings>;

export const ZStartRun = z
  .strictObject({
    asOf: ZTime.optional().describe(
      'Compute as of this instant (orders placed up to it); default now. Not in the future.',
    ),
  })
  // A POST without a body is a run as of now.
  .nullish()
  .meta({ id: 'StartInsightsRun' });

const ZModel = z.object({
  model: z.string(),
  params: z.record(z.string(), z.number()),
  standardErrors: z.record(z.string(), z.number().nullable()),
  logLikelihood: z.number(),
  iterations: z.number().int(),
  converged: z.boolean(),
  customers: z.number().int(),
});

const ZHoldoutRow = z.object({
  group: z.string().describe('Repeat purchase days in calibration: "0" … "6", then "7+".'),
  customers: z.number().int(),
  actual: z.number().int().describe('Purchase days they made in the holdout.'),
  predicted: z.number().describe('BG/NBD expected purchase days in the holdout, summed over the group.'),
});

export const ZModelCheck = z
  .discriminatedUnion('status', [
    z.object({
      status: z.literal('checked'),
      holdoutDays: z.number().int(),
      calibrationEndDay: z.string().describe('Last calibration day (Tehran); the holdout follows it.'),
      customers: z.number().int().describe('Buyers whose first purchase was by the calibration end.'),
      repeatBuyers: z.number().int(),
      params: z.record(z.string(), z.number()).describe('BG/NBD fitted on the calibration period.'),
      logLikelihood: z.number(),
      actual: z.number().int(),
      predicted: z.number(),
      byFrequency: z.array(ZHoldoutRow),
    }),
    z.object({
      status: z.literal('skipped'),
      holdoutDays: z.number().int(),
      calibrationEndDay: z.string(),
      reason: z
        .string()
        .describe('Why the check could not be made (too little history, too few repeat buyers).'),
    }),
  ])
  .meta({ id: 'ModelCheck' });

export const ZInsightsRun = z
  .object({
    id: z.string(),
    trigger: z.enum(['schedule', 'api', 'demo']),
    status: z.enum(['running', 'succeeded', 'failed']),
    asOf: z.string().describe('Orders placed up to this instant were read.'),
    asOfDay: z.string().describe('Its Tehran calendar day (YYYY-MM-DD): recency and the models count to it.'),
    asOfDayJalali: z.string().describe('The same day in the Jalali calendar, Persian digits.'),
    settings: z.record(z.string(), z.number()).describe('The club settings the run used.'),
    orders: z.number().int().nullable().describe('Qualifying orders read.'),
    buyers: z.number().int().nullable().describe('Members with at least one qualifying order.'),
    repeatBuyers: z.number().int().nullable().describe('Buyers with purchases on two or more days.'),
    purchaseModel: ZModel.nullable().describe('BG/NBD, time in days; null when not fitted (see warnings).'),
    spendModel: ZModel.nullable().describe(
      'Gamma-Gamma; v in rials, log-likelihood of spend in thousands of rials; null when not fitted.',
    ),
    modelCheck: ZModelCheck.nullable().describe(
      'BG/NBD fitted without the last 90 days, predicted against actual purchases in them; null for older runs.',
    ),
    warnings: z.array(z.string()),
    timings: z.record(z.string(), z.number()).describe('Milliseconds per stage.'),
    error: z.string().nullable(),
    isPurged: z.boolean().describe('The member rows were deleted to keep the table bounded.'),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().int().nullable(),
  })
  .meta({ id: 'InsightsRun' });
export type TInsightsRun = z.infer<typeof ZInsightsRun>;

export const ZInsightsRunList = z.object({ items: z.array(ZInsightsRun) }).meta({ id: 'InsightsRunList' });
export const ZRunPath = z.strictObject({ runId: ZRunId });

export const ZMemberInsights = z
  .object({
    memberExternalId: z.string(),
    runId: z.string(),
    asOf: z.string(),
    asOfDay: z.string(),
    asOfDayJalali: z.string(),
    rfm: z.object({
      r: z.number().int().describe('Recency score 1-5 (5: most recent).'),
      f: z.number().int().describe('Frequency score 1-5 (orders).'),
      m: z.number().int().describe('Monetary score 1-5 (net spend).'),
      cell: z.string().describe('The three scores as one code, e.g. "545".'),
    }),
    segment: ZSegment,
    orders: z.number().int(),
    purchaseDays: z.number().int().describe('Distinct Tehran days with a qualifying order.'),
    revenueRials: z.number().int().describe('Net spend (total − returned) of qualifying orders.'),
    firstPurchaseDay: z.string(),
    lastPurchaseDay: z.string(),
    recencyDays: z.number().int().describe('Days from the last purchase day to the as-of day.'),
    pAlive: z.number().nullable().describe('BG/NBD probability the member is still a customer.'),
    expectedPurchases90d: z.number().nullable().describe('Expected purchase days in the next 90 days.'),
    expectedPurchases365d: z.number().nullable().describe('Expected purchase days in the next 365 days.'),
    expectedAvgSpendRials: z.number().int().nullable().describe('Expected spend per purchase day.'),
    clvRials: z.number().int().nullable().describe('Discounted margin over the club’s horizon.'),
    isChurnRisk: z.boolean().describe('The churn-risk rule of docs/insights.md.'),
  })
  .meta({ id: 'MemberInsights' });
export type TMemberInsights = z.infer<typeof ZMemberInsights>;

export const ZMemberPath = z.strictObject({ externalId: z.string().min(1).max(128) });

export const ZRunQuery = z.strictObject({
  runId: ZRunId.optional().describe('Report on this run’s snapshot; default the latest.'),
});

const ZReportBase = {
  runId: z.string(),
  asOf: z.string(),
  asOfDay: z.string(),
};

export const ZRepeatRate = z
  .object({
    ...ZReportBase,
    buyers: z.number().int(),
    repeatBuyers: z.number().int(),
    repeatRate: z.number().describe('repeatBuyers / buyers; 0 without buyers.'),
  })
  .meta({ id: 'RepeatRateReport' });

export const ZTopCustomers = z
  .object({
    ...ZReportBase,
    buyers: z.number().int(),
    revenueRials: z.number().int(),
    top: z.array(
      z.object({
        percent: z.number().int(),
        customers: z.number().int().describe('ceil(percent% of buyers).'),
        revenueRials: z.number().int(),
        revenueShare: z.number(),
      }),
    ),
  })
  .meta({ id: 'TopCustomersReport' });

export const ZSegmentReport = z
  .object({
    ...ZReportBase,
    segments: z.array(
      z.object({
        segment: ZSegment,
        members: z.number().int(),
        memberShare: z.number(),
        revenueRials: z.number().int(),
        revenueShare: z.number(),
        clvRials: z.number().int().nullable(),
        churnRisk: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'SegmentReport' });

export const ZLapsedQuery = z.strictObject({
  runId: ZRunId.optional(),
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .optional()
    .describe('Lapsed after this many days without an order; default the club’s lapsedDays.'),
  pAliveBelow: z.coerce
    .number()
    .min(0)
    .max(1)
    .default(0.3)
    .describe('Also lapsed: BG/NBD pAlive below this (0 turns the rule off).'),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(INSIGHTS_LIMITS.maxCsvRows)
    .optional()
    .describe(
      `Page size: JSON default 100, at most ${INSIGHTS_LIMITS.maxPage}; CSV default and at most ${INSIGHTS_LIMITS.maxCsvRows}.`,
    ),
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
});
export type TLapsedQuery = z.infer<typeof ZLapsedQuery>;

export const ZLapsedMember = z.object({
  memberExternalId: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  mobile: z.string().nullable(),
  email: z.string().nullable(),
  province: z.string().nullable(),
  consentSms: z.boolean(),
  consentEmail: z.boolean(),
  segment: ZSegment,
  purchaseDays: z.number().int(),
  revenueRials: z.number().int(),
  lastPurchaseDay: z.string(),
  recencyDays: z.number().int(),
  pAlive: z.number().nullable(),
  clvRials: z.number().int().nullable(),
});
export type TLapsedMember = z.infer<typeof ZLapsedMember>;

export const ZLapsedPage = z
  .object({
    ...ZReportBase,
    days: z.number().int(),
    pAliveBelow: z.number(),
    total: z.number().int(),
    offset: z.number().int(),
    nextOffset: z.number().int().nullable(),
    items: z.array(ZLapsedMember),
  })
  .meta({ id: 'LapsedPage' });

export const ZCohortQuery = z.strictObject({
  months: z.coerce
    .number()
    .int()
    .min(1)
    .max(INSIGHTS_LIMITS.maxCohortMonths)
    .default(12)
    .describe('Cohorts of this many Jalali months, the current one last.'),
});

export const ZCohortReport = z
  .object({
    asOf: z.string(),
    cohorts: z.array(
      z.object({
        month: z.string().describe('Jalali year and month of the first order, e.g. 1404-03.'),
        label: z.string().describe('In Persian, e.g. خرداد ۱۴۰۴.'),
        size: z.number().int().describe('Members whose first qualifying order was in this month.'),
        retention: z
          .array(z.object({ k: z.number().int(), buyers: z.number().int(), share: z.number() }))
          .describe('For k = 1 … months since: cohort members with an order in month cohort + k.'),
      }),
    ),
  })
  .meta({ id: 'CohortReport' });

export const ZMovementQuery = z.strictObject({
  from: ZRunId.optional().describe('Default: the run before `to`.'),
  to: ZRunId.optional().describe('Default: the latest run.'),
});

export const ZMovementReport = z
  .object({
    from: z.object({ runId: z.string(), asOfDay: z.string() }),
    to: z.object({ runId: z.string(), asOfDay: z.string() }),
    segments: z.array(ZSegment).describe('Row and column order of the matrix.'),
    matrix: z
      .array(z.array(z.number().int()))
      .describe('matrix[i][j]: members in segments[i] in `from` and segments[j] in `to`.'),
    entered: z.array(z.number().int()).describe('Per `to` segment: members who were not buyers in `from`.'),
    left: z
      .array(z.number().int())
      .describe('Per `from` segment: members not in `to` (orders cancelled since).'),
    moved: z.number().int().describe('Members in both snapshots whose segment changed.'),
    stayed: z.number().int(),
  })
  .meta({ id: 'SegmentMovementReport' });

export const ZProvinceReport = z
  .object({
    ...ZReportBase,
    items: z.array(
      z.object({
        province: z.string().nullable().describe('null: members without a province.'),
        buyers: z.number().int(),
        repeatBuyers: z.number().int(),
        repeatRate: z.number(),
        revenueRials: z.number().int(),
        revenueShare: z.number(),
        clvRials: z.number().int().nullable(),
        churnRisk: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'ProvinceReport' });

export const ZCategoryQuery = z.strictObject({
  from: ZTime.optional().describe('Default: 365 days before `to`.'),
  to: ZTime.optional().describe('Default: now. Exclusive.'),
});

export const ZCategoryReport = z
  .object({
    from: z.string(),
    to: z.string(),
    items: z.array(
      z.object({
        category: z.string().nullable().describe('null: lines without a category.'),
        orders: z.number().int(),
        buyers: z.number().int(),
        units: z.number().int(),
        revenueRials: z.number().int(),
        revenueShare: z.number(),
      }),
    ),
  })
  .meta({ id: 'CategoryReport' });

export const ZPointsLiability = z
  .object({
    asOf: z.string(),
    availablePoints: z.number().int(),
    pendingPoints: z.number().int(),
    reservedPoints: z.number().int().describe('Held by pending redemptions; not in the outstanding total.'),
    pointsOutstanding: z.number().int().describe('available + pending.'),
    pointValueRials: z.number().int(),
    liabilityRials: z.number().int().describe('pointsOutstanding × pointValueRials.'),
  })
  .meta({ id: 'PointsLiability' });

export const ZRfmGrid = z
  .object({
    ...ZReportBase,
    buyers: z.number().int(),
    cells: z
      .array(
        z.object({
          r: z.number().int().describe('Recency score 1-5 (5: most recent).'),
          f: z.number().int().describe('Frequency score 1-5.'),
          members: z.number().int(),
          memberShare: z.number(),
          revenueRials: z.number().int(),
          meanRevenueRials: z
            .number()
            .int()
            .nullable()
            .describe('Mean net spend (M) per member; null when empty.'),
          meanMonetaryScore: z.number().nullable().describe('Mean M score 1-5; null when empty.'),
          clvRials: z.number().int().nullable(),
          churnRisk: z.number().int(),
        }),
      )
      .describe('All 25 cells, r = 5 … 1 then f = 1 … 5; empty cells have 0 members.'),
  })
  .meta({ id: 'RfmGridReport' });

export const ZClvQuery = z.strictObject({
  runId: ZRunId.optional().describe('Report on this run’s snapshot; default the latest.'),
  bins: z.coerce
    .number()
    .int()
    .min(5)
    .max(INSIGHTS_LIMITS.maxClvBins)
    .default(20)
    .describe('Equal bins from 0 to about the 99th percentile; larger values go to one last open bin.'),
});

export const ZClvDistribution = z
  .object({
    ...ZReportBase,
    buyers: z.number().int(),
    withClv: z.number().int().describe('Buyers with a CLV (all of them when the purchase model was fitted).'),
    totalRials: z.number().int().nullable(),
    meanRials: z.number().int().nullable(),
    medianRials: z.number().int().nullable(),
    p90Rials: z.number().int().nullable(),
    p99Rials: z.number().int().nullable(),
    maxRials: z.number().int().nullable(),
    binWidthRials: z.number().int().nullable().describe('null when no buyer has a CLV.'),
    bins: z.array(
      z.object({
        fromRials: z.number().int(),
        toRials: z.number().int().nullable().describe('Exclusive; null for the last, open bin.'),
        members: z.number().int(),
        clvRials: z.number().int().describe('Summed CLV of the bin.'),
      }),
    ),
  })
  .meta({ id: 'ClvDistributionReport' });

export const ZModelCheckReport = z
  .object({
    ...ZReportBase,
    modelCheck: ZModelCheck.nullable().describe('null: the run was made before model checks existed.'),
  })
  .meta({ id: 'ModelCheckReport' });
