import { type CompressedTriples, compressTriples, subsampleTriples } from './compress.js';
import { AnalyticsError } from './errors.js';

/** The input of the purchase models: per customer x, t_x, T in one time unit (a `CustomerSummary` fits). */
export interface PurchaseData {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
}

/**
 * Above this many unique triples the multi-start search runs on a random subsample of this size and
 * only the winner is polished on the full data; the subsample's optimum is within a few standard
 * errors of the full one, so the polish takes a handful of iterations instead of dozens per start.
 */
export const SEARCH_SAMPLE_SIZE = 20_000;

/** Validates the summary columns and compresses them; throws a clear error for unusable data. */
export function preparePurchaseData(data: PurchaseData, model: string): CompressedTriples {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n) {
    throw new AnalyticsError('ANALYTICS_INVALID_INPUT', `${model}: x, tx and T must have the same length`);
  }
  if (n < 2) {
    throw new AnalyticsError(
      'ANALYTICS_INSUFFICIENT_DATA',
      `${model} needs at least 2 customers to estimate how customers differ; got ${n}`,
    );
  }
  let repeaters = 0;
  let totalT = 0;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const tx = data.tx[i]!;
    const T = data.T[i]!;
    if (!(Number.isInteger(x) && x >= 0 && tx >= 0 && T >= tx && Number.isFinite(T) && (x > 0 || tx === 0))) {
      throw new AnalyticsError(
        'ANALYTICS_INVALID_INPUT',
        `${model}: customer ${i} has x = ${x}, tx = ${tx}, T = ${T}; need a whole x ≥ 0 and 0 ≤ tx ≤ T (tx = 0 when x = 0)`,
      );
    }
    if (x > 0) repeaters++;
    totalT += T;
  }
  if (repeaters === 0) {
    throw new AnalyticsError(
      'ANALYTICS_INSUFFICIENT_DATA',
      `${model}: none of the ${n} customers made a repeat purchase in the calibration period, so purchase rates cannot be estimated; use a longer calibration period`,
    );
  }
  if (totalT === 0) {
    throw new AnalyticsError(
      'ANALYTICS_INSUFFICIENT_DATA',
      `${model}: every customer's observation time T is 0; the calibration end must come after first purchases`,
    );
  }
  return compressTriples(data.x, data.tx, data.T);
}

/** Subsample for the multi-start search, or undefined when the data is small enough to search whole. */
export function searchSample(
  data: CompressedTriples,
  size = SEARCH_SAMPLE_SIZE,
): CompressedTriples | undefined {
  return data.size > size ? subsampleTriples(data, size, 0x5eed) : undefined;
}

/** Weighted mean purchase rate Σx / ΣT, the scale for data-driven starting points of r/α. */
export function meanPurchaseRate(data: CompressedTriples): number {
  let sx = 0;
  let sT = 0;
  for (let i = 0; i < data.size; i++) {
    sx += data.weight[i]! * data.x[i]!;
    sT += data.weight[i]! * data.T[i]!;
  }
  return sx / sT;
}
