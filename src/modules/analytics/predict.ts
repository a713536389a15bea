import { type BgNbdFit, bgNbdExpectedPurchases, bgNbdProbabilityAlive } from './bg-nbd.js';
import { compressTriples } from './compress.js';
import { AnalyticsError } from './errors.js';
import { type GammaGammaFit, gammaGammaExpectedSpend } from './gamma-gamma.js';
import { type ParetoNbdFit, paretoNbdExpectedPurchases, paretoNbdProbabilityAlive } from './pareto-nbd.js';
import type { TimeUnit } from './summary.js';

export type PurchaseModelFit = BgNbdFit | ParetoNbdFit;

/** Days in the average Gregorian month; CLV discounts once per such month. */
export const DAYS_PER_MONTH = 365.25 / 12;

/** The summary columns predictions need (a `CustomerSummary` fits). */
export interface PredictionInput {
  timeUnit: TimeUnit;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  monetary: Float64Array;
}

export interface PredictionOptions {
  /** Months ahead for expected purchases and CLV. Default 12. */
  horizonMonths?: number;
  /** Discount rate per month, e.g. 0.01 for about 12.7 % a year. Default 0.01. */
  monthlyDiscountRate?: number;
  /** Share of revenue that is profit, in (0, 1]. Default 1 (CLV in revenue). */
  margin?: number;
  /** Spend model; without it expected spend and CLV are 0 (the input may have no amounts). */
  spendFit?: GammaGammaFit | null;
}

/** Per-customer predictions in columns aligned with the input. */
export interface CustomerPredictions {
  horizonMonths: number;
  /** Probability the customer is still active at the calibration end. */
  pAlive: Float64Array;
  /** Expected purchase-days in the next `horizonMonths` months. */
  expectedPurchases: Float64Array;
  /** Expected spend per purchase-day (Gamma-Gamma conditional mean). */
  expectedAvgValue: Float64Array;
  /** Discounted margin over `horizonMonths` months; see `docs/analytics.md` for the formula. */
  clv: Float64Array;
}

/** Months as a length in the summary's time unit. */
export function monthsToUnits(months: number, unit: TimeUnit): number {
  return (months * DAYS_PER_MONTH) / (unit === 'week' ? 7 : 1);
}

function expectedFor(fit: PurchaseModelFit): (x: number, tx: number, T: number, t: number) => number {
  if (fit.model === 'bgnbd') {
    const params = fit.params;
    return (x, tx, T, t) => bgNbdExpectedPurchases(params, x, tx, T, t);
  }
  const params = fit.params;
  return (x, tx, T, t) => paretoNbdExpectedPurchases(params, x, tx, T, t);
}

function aliveFor(fit: PurchaseModelFit): (x: number, tx: number, T: number) => number {
  if (fit.model === 'bgnbd') {
    const params = fit.params;
    return (x, tx, T) => bgNbdProbabilityAlive(params, x, tx, T);
  }
  const params = fit.params;
  return (x, tx, T) => paretoNbdProbabilityAlive(params, x, tx, T);
}

/**
 * Predictions for every customer. CLV is the discounted sum over months m = 1..M of the purchases
 * expected in month m times the expected spend per purchase and the margin:
 *   CLV = margin · E[spend] · Σ_m (E[Y(m)] − E[Y(m−1)]) / (1 + d)^m,
 * with E[Y(m)] the conditional expected purchases in the first m months after the calibration end.
 * Everything that depends on (x, t_x, T) only is computed once per distinct triple.
 */
export function predictCustomers(
  input: PredictionInput,
  purchaseFit: PurchaseModelFit,
  options: PredictionOptions = {},
): CustomerPredictions {
  const months = options.horizonMonths ?? 12;
  const rate = options.monthlyDiscountRate ?? 0.01;
  const margin = options.margin ?? 1;
  if (!(Number.isInteger(months) && months >= 1 && months <= 1200)) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_OPTION',
      `horizon must be a whole number of months in 1..1200, not ${months}`,
    );
  }
  if (!(rate >= 0 && rate < 1)) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_OPTION',
      `monthly discount rate must be in [0, 1), not ${rate}`,
    );
  }
  if (!(margin > 0 && margin <= 1)) {
    throw new AnalyticsError('ANALYTICS_INVALID_OPTION', `margin must be in (0, 1], not ${margin}`);
  }
  const n = input.x.length;
  const triples = compressTriples(input.x, input.tx, input.T);
  const expected = expectedFor(purchaseFit);
  const alive = aliveFor(purchaseFit);
  const month = monthsToUnits(1, input.timeUnit);

  const tripleAlive = new Float64Array(triples.size);
  const tripleExpected = new Float64Array(triples.size);
  const tripleDiscounted = new Float64Array(triples.size);
  for (let k = 0; k < triples.size; k++) {
    const x = triples.x[k]!;
    const tx = triples.tx[k]!;
    const T = triples.T[k]!;
    tripleAlive[k] = alive(x, tx, T);
    let previous = 0;
    let discounted = 0;
    let factor = 1;
    for (let m = 1; m <= months; m++) {
      const cumulative = expected(x, tx, T, m * month);
      factor /= 1 + rate;
      discounted += (cumulative - previous) * factor;
      previous = cumulative;
    }
    tripleExpected[k] = previous;
    tripleDiscounted[k] = discounted;
  }

  const out: CustomerPredictions = {
    horizonMonths: months,
    pAlive: new Float64Array(n),
    expectedPurchases: new Float64Array(n),
    expectedAvgValue: new Float64Array(n),
    clv: new Float64Array(n),
  };
  const spend = options.spendFit ?? null;
  for (let i = 0; i < n; i++) {
    const k = triples.customerToTriple[i]!;
    out.pAlive[i] = tripleAlive[k]!;
    out.expectedPurchases[i] = tripleExpected[k]!;
    const value = spend === null ? 0 : gammaGammaExpectedSpend(spend.params, input.x[i]!, input.monetary[i]!);
    out.expectedAvgValue[i] = value;
    out.clv[i] = margin * value * tripleDiscounted[k]!;
  }
  return out;
}

/** One row of the validation table: customers grouped by calibration repeat purchases. */
export interface HoldoutRow {
  /** "0" … "6", then "7+". */
  group: string;
  customers: number;
  actual: number;
  predicted: number;
}

export interface HoldoutValidation {
  /** Holdout length in the summary's time unit. */
  length: number;
  actual: number;
  predicted: number;
  byFrequency: HoldoutRow[];
}

/**
 * Predicted against actual purchase-days in the holdout, overall and by calibration frequency 0..7+,
 * as in FHL 2005 figure 5: the test of whether the model's conditional expectations can be trusted.
 */
export function validateHoldout(
  input: PredictionInput & { holdoutX: Float64Array | null; holdoutLength: number | null },
  purchaseFit: PurchaseModelFit,
): HoldoutValidation {
  if (input.holdoutX === null || input.holdoutLength === null) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_OPTION',
      'holdout validation needs a summary made with a holdout end',
    );
  }
  const expected = expectedFor(purchaseFit);
  const triples = compressTriples(input.x, input.tx, input.T);
  const perTriple = new Float64Array(triples.size);
  for (let k = 0; k < triples.size; k++) {
    perTriple[k] = expected(triples.x[k]!, triples.tx[k]!, triples.T[k]!, input.holdoutLength);
  }
  const rows: HoldoutRow[] = Array.from({ length: 8 }, (_, g) => ({
    group: g === 7 ? '7+' : String(g),
    customers: 0,
    actual: 0,
    predicted: 0,
  }));
  let actual = 0;
  let predicted = 0;
  for (let i = 0; i < input.x.length; i++) {
    const row = rows[Math.min(7, input.x[i]!)]!;
    const p = perTriple[triples.customerToTriple[i]!]!;
    row.customers++;
    row.actual += input.holdoutX[i]!;
    row.predicted += p;
    actual += input.holdoutX[i]!;
    predicted += p;
  }
  return { length: input.holdoutLength, actual, predicted, byFrequency: rows };
}
