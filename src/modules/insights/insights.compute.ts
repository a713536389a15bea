import {
  AnalyticsError,
  type BgNbdFit,
  bgNbdExpectedPurchases,
  bgNbdProbabilityAlive,
  DAYS_PER_MONTH,
  fitBgNbd,
  fitGammaGamma,
  type GammaGammaFit,
  gammaGammaExpectedSpend,
  rfmInputFromSummary,
  SEGMENTS,
  type SegmentName,
  scoreRfm,
  summarise,
  type TransactionLog,
  validateHoldout,
} from '../analytics/index.js';

/** The club's settings a run uses (stored with the run, so its CLV can be explained later). */
export interface RunSettings {
  monthlyDiscountRate: number;
  margin: number;
  horizonMonths: number;
}

/**
 * Below these the purchase model is not fitted: with a handful of repeat buyers BG/NBD's four
 * parameters are not identified and its pAlive would be noise presented as a probability.
 */
export const MODEL_MINIMUMS = { buyers: 20, repeatBuyers: 10 } as const;

/** Gamma-Gamma is fitted in thousands of rials so its scale γ stays far from the optimiser's box. */
const SPEND_UNIT_RIALS = 1000;

/** A member who bought more than once and is less likely alive than not is at risk of churning. */
export const CHURN_P_ALIVE_BELOW = 0.5;
/** Segments whose members bought well once and have gone quiet: the ones to win back. */
export const CHURN_SEGMENTS: ReadonlySet<SegmentName> = new Set([
  'At Risk',
  'Cannot Lose Them',
  'Hibernating',
]);

/** The documented churn-risk rule (docs/insights.md). */
export function isChurnRisk(purchaseDays: number, pAlive: number | null, segment: SegmentName): boolean {
  return (
    (purchaseDays >= 2 && pAlive !== null && pAlive < CHURN_P_ALIVE_BELOW) || CHURN_SEGMENTS.has(segment)
  );
}

export interface ModelSummary<P> {
  params: P;
  logLikelihood: number;
  standardErrors: Record<string, number | null>;
  iterations: number;
  converged: boolean;
  customers: number;
}

/** Per-member results in columns, aligned with `memberIds`, ready for an unnest insert. */
export interface MemberColumns {
  memberIds: string[];
  r: number[];
  f: number[];
  m: number[];
  segment: string[];
  orders: number[];
  purchaseDays: number[];
  revenueRials: number[];
  firstDay: string[];
  lastDay: string[];
  recencyDays: number[];
  pAlive: Array<number | null>;
  expected90: Array<number | null>;
  expected365: Array<number | null>;
  avgSpendRials: Array<number | null>;
  clvRials: Array<number | null>;
  isChurnRisk: boolean[];
}

/**
 * The model check (FHL 2005 fig. 5): BG/NBD fitted on the orders up to `holdoutDays` before the as-of
 * day, its expected purchase days in the following `holdoutDays` against the actual ones, by the number of
 * repeat purchase days in calibration. It says whether pAlive and CLV of the real run can be trusted.
 */
export type ModelCheck =
  | {
      status: 'checked';
      holdoutDays: number;
      /** The last calibration day (Tehran calendar); the holdout is the `holdoutDays` days after it. */
      calibrationEndDay: string;
      /** Buyers whose first purchase was on or before the calibration end. */
      customers: number;
      repeatBuyers: number;
      params: Record<string, number>;
      logLikelihood: number;
      actual: number;
      predicted: number;
      /** Groups "0" … "6", "7+": repeat purchase days in calibration. */
      byFrequency: Array<{ group: string; customers: number; actual: number; predicted: number }>;
    }
  | { status: 'skipped'; holdoutDays: number; calibrationEndDay: string; reason: string };

/** The holdout of the model check: a quarter, long enough for repeat buyers to show up again. */
export const MODEL_CHECK_HOLDOUT_DAYS = 90;

/** Fits BG/NBD on the log up to asOfDay − holdoutDays and compares its predictions with what happened after. */
export function checkPurchaseModel(
  log: TransactionLog,
  asOfDay: number,
  holdoutDays = MODEL_CHECK_HOLDOUT_DAYS,
): ModelCheck {
  const calibrationEnd = asOfDay - holdoutDays;
  const base = { holdoutDays, calibrationEndDay: isoDay(calibrationEnd) };
  let first = Number.POSITIVE_INFINITY;
  for (let i = 0; i < log.length; i++) first = Math.min(first, log.day[i]!);
  if (!(first <= calibrationEnd)) {
    return {
      status: 'skipped',
      ...base,
      reason: `The club's first order is less than ${holdoutDays} days old: nothing to calibrate on yet.`,
    };
  }
  const s = summarise(log, { calibrationEnd, holdoutEnd: asOfDay, timeUnit: 'day' });
  let repeatBuyers = 0;
  for (let i = 0; i < s.size; i++) if (s.x[i]! > 0) repeatBuyers++;
  if (s.size < MODEL_MINIMUMS.buyers || repeatBuyers < MODEL_MINIMUMS.repeatBuyers) {
    return {
      status: 'skipped',
      ...base,
      reason:
        `${s.size} buyers of whom ${repeatBuyers} repeated by ${base.calibrationEndDay}; the check needs at least ` +
        `${MODEL_MINIMUMS.buyers} buyers and ${MODEL_MINIMUMS.repeatBuyers} repeat buyers before the holdout.`,
    };
  }
  let fit: BgNbdFit;
  try {
    fit = fitBgNbd(s);
  } catch (err) {
    if (!(err instanceof AnalyticsError)) throw err;
    return { status: 'skipped', ...base, reason: `BG/NBD could not be fitted (${err.code}): ${err.message}` };
  }
  const v = validateHoldout(s, fit);
  return {
    status: 'checked',
    ...base,
    customers: s.size,
    repeatBuyers,
    params: { ...fit.params },
    logLikelihood: fit.logLikelihood,
    actual: v.actual,
    predicted: v.predicted,
    byFrequency: v.byFrequency.map((r) => ({ ...r })),
  };
}

export interface InsightsComputation {
  buyers: number;
  repeatBuyers: number;
  purchaseModel: ModelSummary<BgNbdFit['params']> | null;
  /** Spend parameters in rials (γ scaled back from the fitting unit). */
  spendModel: ModelSummary<GammaGammaFit['params']> | null;
  warnings: string[];
  timings: Record<string, number>;
  members: MemberColumns;
}

function isoDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function summariseFit<P extends Record<string, number>>(fit: {
  params: P;
  logLikelihood: number;
  standardErrors: { [K in keyof P]: number | null };
  iterations: number;
  converged: boolean;
  customers: number;
}): ModelSummary<P> {
  return {
    params: fit.params,
    logLikelihood: fit.logLikelihood,
    standardErrors: fit.standardErrors as Record<string, number | null>,
    iterations: fit.iterations,
    converged: fit.converged,
    customers: fit.customers,
  };
}

/**
 * Everything a run computes, as pure arithmetic over the transaction log (one row per qualifying order,
 * day numbers in Tehran calendar days, net rials): the customer summary in days, RFM scores and
 * segments, BG/NBD and Gamma-Gamma fits, and per member pAlive, expected purchases in 90 and 365 days,
 * expected spend per purchase day, CLV and the churn-risk flag. A model that cannot be fitted leaves
 * its columns null and says why in `warnings`; RFM is always computed.
 */
export function computeInsights(
  log: TransactionLog,
  asOfDay: number,
  settings: RunSettings,
): InsightsComputation {
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  let t0 = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t0);
    t0 = now;
  };

  const s = summarise(log, { calibrationEnd: asOfDay, timeUnit: 'day' });
  const n = s.size;
  let repeatBuyers = 0;
  for (let i = 0; i < n; i++) if (s.x[i]! > 0) repeatBuyers++;
  lap('summariseMs');

  const rfm = scoreRfm(rfmInputFromSummary(s));
  lap('rfmMs');

  let purchaseFit: BgNbdFit | null = null;
  if (n < MODEL_MINIMUMS.buyers || repeatBuyers < MODEL_MINIMUMS.repeatBuyers) {
    warnings.push(
      `BG/NBD was not fitted: ${n} buyers of whom ${repeatBuyers} bought on more than one day; it needs at least ` +
        `${MODEL_MINIMUMS.buyers} buyers and ${MODEL_MINIMUMS.repeatBuyers} repeat buyers. pAlive, expected purchases ` +
        'and CLV are empty for this run; RFM scores and segments are complete.',
    );
  } else {
    try {
      purchaseFit = fitBgNbd(s);
      warnings.push(...purchaseFit.warnings);
      const { r, alpha, a, b } = purchaseFit.params;
      if (![r, alpha, a, b, purchaseFit.logLikelihood].every(Number.isFinite)) {
        warnings.push('BG/NBD gave non-finite parameters; its predictions are left empty for this run.');
        purchaseFit = null;
      }
    } catch (err) {
      if (!(err instanceof AnalyticsError)) throw err;
      warnings.push(`BG/NBD could not be fitted (${err.code}): ${err.message}`);
    }
  }
  lap('purchaseFitMs');

  let spendFit: GammaGammaFit | null = null;
  if (purchaseFit !== null) {
    try {
      const monetary = Float64Array.from(s.monetary, (v) => v / SPEND_UNIT_RIALS);
      spendFit = fitGammaGamma({ x: s.x, monetary });
      warnings.push(...spendFit.warnings);
    } catch (err) {
      if (!(err instanceof AnalyticsError)) throw err;
      warnings.push(`Gamma-Gamma could not be fitted (${err.code}): ${err.message}`);
    }
    if (spendFit === null || spendFit.params.q <= 1) {
      warnings.push(
        "Expected spend falls back to each member's own average spend per purchase day (the spend model is unusable).",
      );
    }
  }
  lap('spendFitMs');

  const members: MemberColumns = {
    memberIds: s.customerIds,
    r: Array.from(rfm.r),
    f: Array.from(rfm.f),
    m: Array.from(rfm.m),
    segment: new Array<string>(n),
    orders: Array.from(s.orders),
    purchaseDays: new Array<number>(n),
    revenueRials: new Array<number>(n),
    firstDay: new Array<string>(n),
    lastDay: new Array<string>(n),
    recencyDays: new Array<number>(n),
    pAlive: new Array<number | null>(n).fill(null),
    expected90: new Array<number | null>(n).fill(null),
    expected365: new Array<number | null>(n).fill(null),
    avgSpendRials: new Array<number | null>(n).fill(null),
    clvRials: new Array<number | null>(n).fill(null),
    isChurnRisk: new Array<boolean>(n),
  };

  // Everything the purchase model says depends on (x, t_x, T) only: computed once per distinct triple.
  const perTriple = new Map<string, { alive: number; e90: number; e365: number; discounted: number }>();
  const month = DAYS_PER_MONTH;
  const useSpendModel = spendFit !== null && spendFit.params.q > 1;
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const x = s.x[i]!;
    const purchaseDays = x + 1;
    const revenue = Math.round(s.revenue[i]!);
    members.segment[i] = SEGMENTS[rfm.segment[i]!]!;
    members.purchaseDays[i] = purchaseDays;
    members.revenueRials[i] = revenue;
    members.firstDay[i] = isoDay(s.firstDay[i]!);
    members.lastDay[i] = isoDay(s.lastDay[i]!);
    members.recencyDays[i] = asOfDay - s.lastDay[i]!;
    let pAlive: number | null = null;
    if (purchaseFit !== null) {
      const tx = s.tx[i]!;
      const T = s.T[i]!;
      const key = `${x}|${tx}|${T}`;
      let t = perTriple.get(key);
      if (t === undefined) {
        const p = purchaseFit.params;
        // CLV = margin · E[spend] · Σ_m (E[Y(m)] − E[Y(m−1)]) / (1 + d)^m, as predictCustomers in
        // docs/analytics.md; the per-month sum is kept here so the spend fallback can use it too.
        let previous = 0;
        let discounted = 0;
        let factor = 1;
        for (let mo = 1; mo <= settings.horizonMonths; mo++) {
          const cumulative = bgNbdExpectedPurchases(p, x, tx, T, mo * month);
          factor /= 1 + settings.monthlyDiscountRate;
          discounted += (cumulative - previous) * factor;
          previous = cumulative;
        }
        t = {
          alive: bgNbdProbabilityAlive(p, x, tx, T),
          e90: bgNbdExpectedPurchases(p, x, tx, T, 90),
          e365: bgNbdExpectedPurchases(p, x, tx, T, 365),
          discounted,
        };
        perTriple.set(key, t);
      }
      const avgSpend = useSpendModel
        ? gammaGammaExpectedSpend(spendFit!.params, x, s.monetary[i]! / SPEND_UNIT_RIALS) * SPEND_UNIT_RIALS
        : s.revenue[i]! / purchaseDays;
      pAlive = finiteOrNull(Math.min(1, Math.max(0, t.alive)));
      members.pAlive[i] = pAlive;
      members.expected90[i] = finiteOrNull(Math.max(0, t.e90));
      members.expected365[i] = finiteOrNull(Math.max(0, t.e365));
      members.avgSpendRials[i] = finiteOrNull(Math.max(0, avgSpend));
      members.clvRials[i] = finiteOrNull(Math.max(0, settings.margin * avgSpend * t.discounted));
      if (pAlive === null || members.clvRials[i] === null || members.expected365[i] === null) nonFinite++;
    }
    members.isChurnRisk[i] = isChurnRisk(purchaseDays, pAlive, members.segment[i] as SegmentName);
  }
  if (nonFinite > 0) warnings.push(`${nonFinite} members got a non-finite prediction, stored as empty.`);
  lap('predictMs');

  return {
    buyers: n,
    repeatBuyers,
    purchaseModel: purchaseFit === null ? null : summariseFit(purchaseFit),
    spendModel:
      spendFit === null
        ? null
        : {
            ...summariseFit(spendFit),
            params: { ...spendFit.params, v: spendFit.params.v * SPEND_UNIT_RIALS },
            standardErrors: {
              ...spendFit.standardErrors,
              v: spendFit.standardErrors.v === null ? null : spendFit.standardErrors.v * SPEND_UNIT_RIALS,
            },
          },
    warnings,
    timings,
    members,
  };
}
