import { AnalyticsError } from './errors.js';

/**
 * RFM scoring. Each of recency, frequency and monetary value gets a score 1..5 by this tie rule:
 *   1. every customer gets the minimum rank of their value (1-based; equal values share the lowest
 *      rank, so equal values always get equal scores);
 *   2. the range [1, largest rank] is cut into 5 equal-width bins, closed on the right;
 *   3. the score is the bin number, reversed for recency (the most recent customers score 5).
 * This is pandas' `rank(method="min")` followed by `cut(rank, 5)`, so scores match the usual notebooks
 * exactly; with heavy ties (most customers buy once) a score may be empty, which is the honest result:
 * quantiles cannot split equal values. When every value ties, everyone scores 3.
 */
export function scoreByRank(values: Float64Array, reverse: boolean, bins = 5): Uint8Array {
  const n = values.length;
  const scores = new Uint8Array(n);
  if (n === 0) return scores;
  const sorted = Float64Array.from(values).sort();
  const minRank = (v: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const top = minRank(sorted[n - 1]!);
  if (top === 1) return scores.fill(Math.ceil(bins / 2));
  // Edges as numpy's linspace computes them (i · step + start), so boundary ranks fall the same way.
  const step = (top - 1) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = i * step + 1;
  edges[bins] = top;
  for (let i = 0; i < n; i++) {
    const rank = minRank(values[i]!);
    let bin = 1;
    while (bin < bins && rank > edges[bin]!) bin++;
    scores[i] = reverse ? bins + 1 - bin : bin;
  }
  return scores;
}

export const SEGMENTS = [
  'Champions',
  'Loyal',
  'Potential Loyalists',
  'New Customers',
  'Promising',
  'Need Attention',
  'About to Sleep',
  'Cannot Lose Them',
  'At Risk',
  'Hibernating',
  'Lost',
] as const;

export type SegmentName = (typeof SEGMENTS)[number];

/**
 * The segment of an (R, F, M) cell. Recency decides the broad group, because a customer who has not
 * bought for a long time needs a different message whatever she spent; within it, the sum S = F + M
 * (how much the customer was worth) and, for recent customers, F alone (whether she has come back):
 *   R 4–5: F ≥ 4 and M ≥ 4 → Champions; S ≥ 7 → Loyal; F ≥ 2 → Potential Loyalists;
 *          F = 1 and M ≥ 3 → Promising; F = 1 and M ≤ 2 → New Customers.
 *   R 3:   S ≥ 8 → Loyal; S ≥ 6 → Need Attention; else About to Sleep.
 *   R 2:   S ≥ 9 → Cannot Lose Them; S ≥ 6 → At Risk; else Hibernating.
 *   R 1:   S ≥ 8 → Cannot Lose Them; S ≥ 6 → At Risk; S ≥ 4 → Hibernating; else Lost.
 * Every one of the 125 cells maps to exactly one of the 11 segments (docs/analytics.md has the grid).
 */
export function segmentOf(r: number, f: number, m: number): SegmentName {
  const s = f + m;
  if (r >= 4) {
    if (f >= 4 && m >= 4) return 'Champions';
    if (s >= 7) return 'Loyal';
    if (f >= 2) return 'Potential Loyalists';
    return m >= 3 ? 'Promising' : 'New Customers';
  }
  if (r === 3) return s >= 8 ? 'Loyal' : s >= 6 ? 'Need Attention' : 'About to Sleep';
  if (r === 2) return s >= 9 ? 'Cannot Lose Them' : s >= 6 ? 'At Risk' : 'Hibernating';
  return s >= 8 ? 'Cannot Lose Them' : s >= 6 ? 'At Risk' : s >= 4 ? 'Hibernating' : 'Lost';
}

/** RFM inputs per customer. */
export interface RfmInput {
  /** Days from the last purchase to the reference day (smaller is more recent). */
  recencyDays: Float64Array;
  /** Number of orders (or purchase-days). */
  frequency: Float64Array;
  /** Total spend. */
  monetary: Float64Array;
}

export interface RfmScores {
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  /** Index into `SEGMENTS` per customer. */
  segment: Uint8Array;
}

export function scoreRfm(input: RfmInput): RfmScores {
  const n = input.recencyDays.length;
  if (input.frequency.length !== n || input.monetary.length !== n) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_INPUT',
      'RFM: recency, frequency and monetary must have the same length',
    );
  }
  for (let i = 0; i < n; i++) {
    if (
      !Number.isFinite(input.recencyDays[i]!) ||
      !Number.isFinite(input.frequency[i]!) ||
      !Number.isFinite(input.monetary[i]!)
    ) {
      throw new AnalyticsError(
        'ANALYTICS_INVALID_INPUT',
        `RFM: customer ${i} has a non-finite recency, frequency or monetary value`,
      );
    }
  }
  const r = scoreByRank(input.recencyDays, true);
  const f = scoreByRank(input.frequency, false);
  const m = scoreByRank(input.monetary, false);
  const segment = new Uint8Array(n);
  // 125 cells: look the segment index up once per cell instead of once per customer.
  const table = new Uint8Array(216);
  for (let a = 1; a <= 5; a++) {
    for (let b = 1; b <= 5; b++) {
      for (let c = 1; c <= 5; c++) table[a * 36 + b * 6 + c] = SEGMENTS.indexOf(segmentOf(a, b, c));
    }
  }
  for (let i = 0; i < n; i++) segment[i] = table[r[i]! * 36 + f[i]! * 6 + m[i]!]!;
  return { r, f, m, segment };
}

/** The summary columns RFM needs (a `CustomerSummary` fits). */
export interface RfmSummaryInput {
  calibrationEndDay: number;
  lastDay: Int32Array;
  orders: Float64Array;
  x: Float64Array;
  revenue: Float64Array;
}

/**
 * RFM inputs from a customer summary: recency in days to the calibration end, frequency as orders
 * (default; same-day orders count separately, as in most RFM reports) or purchase-days, monetary as
 * total calibration spend.
 */
export function rfmInputFromSummary(
  summary: RfmSummaryInput,
  frequencyBasis: 'orders' | 'purchaseDays' = 'orders',
): RfmInput {
  const n = summary.lastDay.length;
  const recencyDays = new Float64Array(n);
  for (let i = 0; i < n; i++) recencyDays[i] = summary.calibrationEndDay - summary.lastDay[i]!;
  const frequency = frequencyBasis === 'orders' ? summary.orders : Float64Array.from(summary.x, (x) => x + 1);
  return { recencyDays, frequency, monetary: summary.revenue };
}

export interface SegmentRow {
  segment: SegmentName;
  customers: number;
  customerShare: number;
  revenue: number;
  revenueShare: number;
}

/** Size and revenue share of each segment, in the order of `SEGMENTS`; empty segments are listed with 0. */
export function summariseSegments(scores: RfmScores, revenue: Float64Array): SegmentRow[] {
  const counts = new Float64Array(SEGMENTS.length);
  const sums = new Float64Array(SEGMENTS.length);
  let total = 0;
  for (let i = 0; i < scores.segment.length; i++) {
    counts[scores.segment[i]!]!++;
    sums[scores.segment[i]!]! += revenue[i]!;
    total += revenue[i]!;
  }
  const n = scores.segment.length;
  return SEGMENTS.map((segment, k) => ({
    segment,
    customers: counts[k]!,
    customerShare: n === 0 ? 0 : counts[k]! / n,
    revenue: sums[k]!,
    revenueShare: total === 0 ? 0 : sums[k]! / total,
  }));
}
