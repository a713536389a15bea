import { AnalyticsError } from './errors.js';
import { type TransactionLog, toDay } from './transactions.js';

export type TimeUnit = 'day' | 'week';

export interface SummaryOptions {
  /** Last day (inclusive) of the calibration period; defaults to the last day in the log. */
  calibrationEnd?: Date | string | number;
  /** Last day (inclusive) of the holdout period that starts the day after `calibrationEnd`. */
  holdoutEnd?: Date | string | number;
  /** Unit of `tx`, `T` and the holdout length; weeks are days / 7. Default `week`, as in the papers. */
  timeUnit?: TimeUnit;
}

/**
 * Per-customer recency/frequency/monetary summary in columns (index i is customer `customerIds[i]`).
 * Only customers whose first purchase falls on or before the calibration end are included: the models
 * describe a cohort that was acquired during calibration.
 */
export interface CustomerSummary {
  timeUnit: TimeUnit;
  calibrationEndDay: number;
  holdoutEndDay: number | null;
  /** Length of the holdout period in `timeUnit`, or null without a holdout. */
  holdoutLength: number | null;
  customerIds: string[];
  /** Repeat purchase-days in calibration: distinct purchase days minus the first. */
  x: Float64Array;
  /** Time from the first to the last calibration purchase-day. */
  tx: Float64Array;
  /** Time from the first purchase-day to the calibration end. */
  T: Float64Array;
  /** Mean spend of the repeat purchase-days (the first day left out); 0 when x = 0. */
  monetary: Float64Array;
  /** Distinct purchase-days in the holdout period, or null without a holdout. */
  holdoutX: Float64Array | null;
  /** Number of calibration transactions (orders), same-day orders counted separately; RFM's frequency. */
  orders: Float64Array;
  /** Total calibration spend including the first purchase-day; RFM's monetary value. */
  revenue: Float64Array;
  /** Day numbers of the first and last calibration purchase-days. */
  firstDay: Int32Array;
  lastDay: Int32Array;
  /** Transactions that fell after the holdout (or calibration) end and were ignored. */
  ignoredTransactions: number;
  /** Customers whose first purchase came after the calibration end, left out of the cohort. */
  lateCustomers: number;
  size: number;
}

/** Sorts a short run of day numbers in place; per-customer runs are ~10 long, so this beats sort(). */
function sortDays(days: Int32Array, start: number, end: number): void {
  if (end - start > 48) {
    days.subarray(start, end).sort();
    return;
  }
  for (let i = start + 1; i < end; i++) {
    const v = days[i]!;
    let j = i - 1;
    while (j >= start && days[j]! > v) {
      days[j + 1] = days[j]!;
      j--;
    }
    days[j + 1] = v;
  }
}

/**
 * Turns a transaction log into the (x, t_x, T, monetary) summary the models take. Purchases on the same
 * calendar day are one purchase-day with the amounts summed, as in Fader, Hardie & Lee (2005): counting
 * them separately changes x for 80 of the 2,357 CDNOW customers. Runs in O(n) passes over typed arrays
 * plus a per-customer sort of day numbers (a counting sort by customer first).
 */
export function summarise(log: TransactionLog, options: SummaryOptions = {}): CustomerSummary {
  const timeUnit = options.timeUnit ?? 'week';
  if (timeUnit !== 'day' && timeUnit !== 'week') {
    throw new AnalyticsError('ANALYTICS_INVALID_OPTION', `time unit must be day or week, not ${timeUnit}`);
  }
  if (log.length === 0)
    throw new AnalyticsError('ANALYTICS_INSUFFICIENT_DATA', 'the transaction log is empty');
  const scale = timeUnit === 'week' ? 1 / 7 : 1;
  const { customer, day, amount } = log;
  const n = log.length;
  const customerCount = log.customerIds.length;

  let maxDay = -Infinity;
  for (let i = 0; i < n; i++) if (day[i]! > maxDay) maxDay = day[i]!;
  if (options.holdoutEnd !== undefined && options.calibrationEnd === undefined) {
    throw new AnalyticsError('ANALYTICS_INVALID_OPTION', 'a holdout end needs a calibration end');
  }
  const calEnd =
    options.calibrationEnd === undefined ? maxDay : toDay(options.calibrationEnd, 'calibration end');
  const holdEnd = options.holdoutEnd === undefined ? null : toDay(options.holdoutEnd, 'holdout end');
  if (holdEnd !== null && holdEnd <= calEnd) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_OPTION',
      'the holdout end must come after the calibration end',
    );
  }
  const lastCounted = holdEnd ?? calEnd;

  // Pass 1: first calibration day, calibration orders and revenue, and how many days each customer keeps.
  const first = new Int32Array(customerCount).fill(2147483647);
  const counts = new Int32Array(customerCount + 1);
  const orders = new Float64Array(customerCount);
  const revenue = new Float64Array(customerCount);
  let ignored = 0;
  for (let i = 0; i < n; i++) {
    const d = day[i]!;
    if (d > lastCounted) {
      ignored++;
      continue;
    }
    const c = customer[i]!;
    counts[c + 1]!++;
    if (d <= calEnd) {
      if (d < first[c]!) first[c] = d;
      orders[c]!++;
      revenue[c]! += amount[i]!;
    }
  }
  for (let c = 0; c < customerCount; c++) counts[c + 1]! += counts[c]!;

  // Counting sort of the kept days by customer, then each customer's run is sorted on its own.
  const kept = counts[customerCount]!;
  const days = new Int32Array(kept);
  const cursor = counts.slice(0, customerCount);
  const firstAmount = new Float64Array(customerCount);
  for (let i = 0; i < n; i++) {
    const d = day[i]!;
    if (d > lastCounted) continue;
    const c = customer[i]!;
    days[cursor[c]!++] = d;
    if (d === first[c]) firstAmount[c]! += amount[i]!;
  }

  let size = 0;
  for (let c = 0; c < customerCount; c++) if (first[c]! <= calEnd) size++;
  const out = {
    customerIds: new Array<string>(size),
    x: new Float64Array(size),
    tx: new Float64Array(size),
    T: new Float64Array(size),
    monetary: new Float64Array(size),
    holdoutX: holdEnd === null ? null : new Float64Array(size),
    orders: new Float64Array(size),
    revenue: new Float64Array(size),
    firstDay: new Int32Array(size),
    lastDay: new Int32Array(size),
  };
  let k = 0;
  let late = 0;
  for (let c = 0; c < customerCount; c++) {
    const start = counts[c]!;
    const end = counts[c + 1]!;
    if (first[c]! > calEnd) {
      if (end > start) late++;
      continue;
    }
    sortDays(days, start, end);
    let calDays = 0;
    let holdDays = 0;
    let previous = -2147483648;
    let last = first[c]!;
    for (let i = start; i < end; i++) {
      const d = days[i]!;
      if (d === previous) continue;
      previous = d;
      if (d <= calEnd) {
        calDays++;
        last = d;
      } else {
        holdDays++;
      }
    }
    const x = calDays - 1;
    out.customerIds[k] = log.customerIds[c]!;
    out.x[k] = x;
    out.tx[k] = (last - first[c]!) * scale;
    out.T[k] = (calEnd - first[c]!) * scale;
    out.monetary[k] = x > 0 ? (revenue[c]! - firstAmount[c]!) / x : 0;
    if (out.holdoutX !== null) out.holdoutX[k] = holdDays;
    out.orders[k] = orders[c]!;
    out.revenue[k] = revenue[c]!;
    out.firstDay[k] = first[c]!;
    out.lastDay[k] = last;
    k++;
  }

  return {
    timeUnit,
    calibrationEndDay: calEnd,
    holdoutEndDay: holdEnd,
    holdoutLength: holdEnd === null ? null : (holdEnd - calEnd) * scale,
    ...out,
    ignoredTransactions: ignored,
    lateCustomers: late,
    size,
  };
}
