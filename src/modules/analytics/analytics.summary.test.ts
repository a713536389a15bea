import { describe, expect, it } from 'vitest';
import { AnalyticsError } from './errors.js';
import { summarise } from './summary.js';
import { readCdnowSample, readCsvRows } from './test-data.js';
import { transactionLogFromRecords } from './transactions.js';

describe('summarise', () => {
  it('rebuilds the published CDNOW calibration summary for all 2,357 customers', () => {
    const summary = summarise(readCdnowSample(), { calibrationEnd: '1997-09-30', timeUnit: 'week' });
    const reference = readCsvRows('cdnow', 'cdnow_customers_summary_with_transactions.csv');
    expect(summary.size).toBe(2357);
    expect(reference).toHaveLength(2357);
    const index = new Map(summary.customerIds.map((id, i) => [id, i]));
    let repeaters = 0;
    for (const row of reference) {
      const i = index.get(row.ID!);
      expect(i, `customer ${row.ID}`).toBeDefined();
      // The file rounds weeks and spend to 2 dp; x is exact.
      expect(summary.x[i!]).toBe(Number(row.x));
      expect(Math.abs(summary.tx[i!]! - Number(row.t_x))).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(summary.T[i!]! - Number(row.T))).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(summary.monetary[i!]! - Number(row.zbar))).toBeLessThanOrEqual(0.005 + 1e-9);
      if (summary.x[i!]! > 0) repeaters++;
    }
    expect(repeaters).toBe(946);
  });

  it('counts CDNOW holdout purchase-days: 1,882 in all, 334 by customers without repeats', () => {
    const summary = summarise(readCdnowSample(), {
      calibrationEnd: '1997-09-30',
      holdoutEnd: '1998-06-30',
      timeUnit: 'week',
    });
    expect(summary.holdoutLength).toBe(39);
    let total = 0;
    let zeros = 0;
    for (let i = 0; i < summary.size; i++) {
      total += summary.holdoutX![i]!;
      if (summary.x[i] === 0) zeros += summary.holdoutX![i]!;
    }
    expect(total).toBe(1882);
    expect(zeros).toBe(334);
  });

  it('matches the lifetimes daily summary of the UCI Online Retail invoices', () => {
    const rows = readCsvRows('online_retail_uci', 'online_retail.csv');
    const log = transactionLogFromRecords(
      rows.map((r) => ({ customerId: r.CustomerID!, date: r.InvoiceDate!, amount: Number(r.TotalPrice) })),
    );
    const summary = summarise(log, { calibrationEnd: '2011-12-09', timeUnit: 'day' });
    const reference = readCsvRows('online_retail_uci', 'online_retail_summary_daily.csv');
    const index = new Map(summary.customerIds.map((id, i) => [id, i]));
    expect(summary.size).toBe(reference.length);
    for (const row of reference) {
      const i = index.get(row.CustomerID!)!;
      expect(summary.x[i]).toBe(Number(row.frequency));
      expect(summary.tx[i]).toBe(Number(row.recency));
      expect(summary.T[i]).toBe(Number(row.T));
      expect(summary.monetary[i]).toBeCloseTo(Number(row.monetary_value), 6);
    }
  });

  it('merges same-day purchases, sums their amounts and leaves the first day out of monetary', () => {
    const log = transactionLogFromRecords([
      { customerId: 'a', date: '2024-01-01', amount: 10 },
      { customerId: 'a', date: '2024-01-01', amount: 5 },
      { customerId: 'a', date: '2024-01-08', amount: 20 },
      { customerId: 'a', date: '2024-01-08', amount: 4 },
      { customerId: 'a', date: '2024-01-15T23:59:00Z', amount: 30 },
      { customerId: 'b', date: '20240110', amount: 7 },
      { customerId: 'a', date: '2024-01-20', amount: 99 },
      { customerId: 'c', date: '2024-01-25', amount: 1 },
    ]);
    const s = summarise(log, { calibrationEnd: '2024-01-15', holdoutEnd: '2024-01-31', timeUnit: 'day' });
    expect(s.customerIds).toEqual(['a', 'b']);
    expect(Array.from(s.x)).toEqual([2, 0]);
    expect(Array.from(s.tx)).toEqual([14, 0]);
    expect(Array.from(s.T)).toEqual([14, 5]);
    expect(Array.from(s.monetary)).toEqual([(24 + 30) / 2, 0]);
    expect(Array.from(s.orders)).toEqual([5, 1]);
    expect(Array.from(s.revenue)).toEqual([69, 7]);
    expect(Array.from(s.holdoutX!)).toEqual([1, 0]);
    // Customer c first bought in the holdout, so she is not part of the calibration cohort.
    expect(s.lateCustomers).toBe(1);
  });

  it('rejects a holdout end that is not after the calibration end', () => {
    const log = transactionLogFromRecords([{ customerId: 'a', date: '2024-01-01', amount: 1 }]);
    expect(() => summarise(log, { calibrationEnd: '2024-02-01', holdoutEnd: '2024-01-01' })).toThrow(
      AnalyticsError,
    );
    expect(() => summarise(log, { calibrationEnd: '2024-02-30' })).toThrow(/not a valid date/);
  });
});
