import { describe, expect, it } from 'vitest';
import { rfmInputFromSummary, SEGMENTS, scoreByRank, scoreRfm, segmentOf, summariseSegments } from './rfm.js';
import { summarise } from './summary.js';
import { readCsvRows } from './test-data.js';
import { transactionLogFromRecords } from './transactions.js';

describe('scoreByRank', () => {
  it('gives equal values equal scores and puts the most recent customers in 5', () => {
    const recency = Float64Array.of(1, 1, 5, 9, 30, 30, 30, 60, 90, 365);
    const scores = Array.from(scoreByRank(recency, true));
    expect(scores[0]).toBe(5);
    expect(scores[1]).toBe(scores[0]);
    expect(scores[4]).toBe(scores[5]);
    expect(scores[5]).toBe(scores[6]);
    expect(scores[9]).toBe(1);
    // Scores never rise as recency grows.
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1]!);
  });

  it('gives everyone the middle score when all values tie', () => {
    expect(Array.from(scoreByRank(new Float64Array(7).fill(3), false))).toEqual([3, 3, 3, 3, 3, 3, 3]);
  });
});

describe('segmentOf', () => {
  it('maps each of the 125 cells to one of the 11 segments and uses all of them', () => {
    const used = new Set<string>();
    for (let r = 1; r <= 5; r++) {
      for (let f = 1; f <= 5; f++) {
        for (let m = 1; m <= 5; m++) used.add(segmentOf(r, f, m));
      }
    }
    expect([...used].sort()).toEqual([...SEGMENTS].sort());
    expect(segmentOf(5, 5, 5)).toBe('Champions');
    expect(segmentOf(5, 1, 1)).toBe('New Customers');
    expect(segmentOf(1, 5, 5)).toBe('Cannot Lose Them');
    expect(segmentOf(1, 1, 1)).toBe('Lost');
  });
});

describe('scoreRfm on the UCI Online Retail invoices', () => {
  const rows = readCsvRows('online_retail_uci', 'online_retail.csv');
  const summary = summarise(
    transactionLogFromRecords(
      rows.map((r) => ({ customerId: r.CustomerID!, date: r.InvoiceDate!, amount: Number(r.TotalPrice) })),
    ),
    { timeUnit: 'day' },
  );
  const scores = scoreRfm(rfmInputFromSummary(summary));

  it('reproduces the reference R, F and M scores of all 4,338 customers', () => {
    const reference = readCsvRows('online_retail_uci', 'rfm_scores_5.csv');
    expect(reference).toHaveLength(summary.size);
    const index = new Map(summary.customerIds.map((id, i) => [id, i]));
    let mismatches = 0;
    for (const row of reference) {
      const i = index.get(row.CustomerID!)!;
      // Reference recency counts to the day after the last invoice; ranks ignore the shift.
      expect(summary.calibrationEndDay - summary.lastDay[i]! + 1).toBe(Number(row.Recency));
      expect(summary.orders[i]).toBe(Number(row.Frequency));
      expect(summary.revenue[i]).toBeCloseTo(Number(row.Monetary), 6);
      if (
        scores.r[i] !== Number(row.RScore) ||
        scores.f[i] !== Number(row.FScore) ||
        scores.m[i] !== Number(row.MScore)
      ) {
        mismatches++;
      }
    }
    expect(mismatches).toBe(0);
    const count = (s: Uint8Array) => [1, 2, 3, 4, 5].map((k) => s.filter((v) => v === k).length);
    expect(count(scores.r)).toEqual([881, 846, 863, 880, 868]);
    expect(count(scores.f)).toEqual([1493, 835, 508, 802, 700]);
    expect(count(scores.m)).toEqual([868, 867, 868, 867, 868]);
  });

  it('sizes the segments and their revenue shares', () => {
    const table = summariseSegments(scores, summary.revenue);
    expect(table.map((r) => r.segment)).toEqual([...SEGMENTS]);
    expect(table.reduce((s, r) => s + r.customers, 0)).toBe(4338);
    expect(table.reduce((s, r) => s + r.revenueShare, 0)).toBeCloseTo(1, 12);
    expect(table.reduce((s, r) => s + r.revenue, 0)).toBeCloseTo(8911407.9, 2);
    const champions = table.find((r) => r.segment === 'Champions')!;
    // Champions (R, F, M ≥ 4) are a fifth of the customers and bring most of the revenue, as in the
    // reference segmentation (18 % of customers, 62 % of revenue with its own map).
    expect(champions.customers).toBe(
      Array.from(scores.r).filter((r, i) => r >= 4 && scores.f[i]! >= 4 && scores.m[i]! >= 4).length,
    );
    expect(champions.revenueShare).toBeGreaterThan(0.55);
  });
});
