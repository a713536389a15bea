import { describe, expect, it } from 'vitest';
import { fitBgNbd } from './bg-nbd.js';
import { AnalyticsError } from './errors.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from './gamma-gamma.js';
import { fitParetoNbd } from './pareto-nbd.js';
import { predictCustomers } from './predict.js';
import { summarise } from './summary.js';
import { readCsvRows } from './test-data.js';
import { transactionLogFromRecords } from './transactions.js';

const columns = (rows: [number, number, number][]) => ({
  x: Float64Array.from(rows, (r) => r[0]),
  tx: Float64Array.from(rows, (r) => r[1]),
  T: Float64Array.from(rows, (r) => r[2]),
});

function expectAllFinite(values: Record<string, number | null>) {
  for (const [name, v] of Object.entries(values)) {
    if (v !== null) expect(Number.isFinite(v), `${name} = ${v}`).toBe(true);
  }
}

describe('purchase models on unusable data', () => {
  it('refuse a single customer with a clear message', () => {
    const one = columns([[3, 10, 20]]);
    expect(() => fitBgNbd(one)).toThrow(/at least 2 customers/);
    expect(() => fitParetoNbd(one)).toThrow(AnalyticsError);
  });

  it('refuse data without any repeat purchase', () => {
    const none = columns([
      [0, 0, 10],
      [0, 0, 20],
      [0, 0, 30],
    ]);
    expect(() => fitBgNbd(none)).toThrow(/none of the 3 customers made a repeat purchase/);
    expect(() => fitParetoNbd(none)).toThrow(/repeat purchase/);
  });

  it('refuse impossible summaries (t_x beyond T, fractional x)', () => {
    expect(() =>
      fitBgNbd(
        columns([
          [1, 30, 20],
          [0, 0, 5],
        ]),
      ),
    ).toThrow(/0 ≤ tx ≤ T/);
    expect(() =>
      fitBgNbd(
        columns([
          [1.5, 3, 20],
          [0, 0, 5],
        ]),
      ),
    ).toThrow(/whole x/);
  });

  it('warn, never NaN, when every customer is identical', () => {
    const same = columns(Array.from({ length: 50 }, (): [number, number, number] => [2, 10, 20]));
    for (const fit of [fitBgNbd(same), fitParetoNbd(same)]) {
      expectAllFinite(fit.params);
      expect(Number.isFinite(fit.logLikelihood)).toBe(true);
      expectAllFinite(fit.standardErrors);
      // Without any variation between customers heterogeneity cannot be estimated.
      expect(fit.warnings.length, fit.model).toBeGreaterThan(0);
      expect(fit.warnings.join('\n')).toMatch(/ran towards infinity|bound|poorly identified|Hessian/);
      const predictions = predictCustomers(
        { timeUnit: 'week', ...same, monetary: new Float64Array(50).fill(10) },
        fit,
        { horizonMonths: 6 },
      );
      for (const v of predictions.expectedPurchases) expect(Number.isFinite(v)).toBe(true);
      for (const v of predictions.pAlive) expect(Number.isFinite(v)).toBe(true);
    }
  });
});

describe('the UCI Online Retail data, where dropout runs to zero', () => {
  const rows = readCsvRows('online_retail_uci', 'online_retail.csv');
  const summary = summarise(
    transactionLogFromRecords(
      rows.map((r) => ({ customerId: r.CustomerID!, date: r.InvoiceDate!, amount: Number(r.TotalPrice) })),
    ),
    { calibrationEnd: '2011-12-09', timeUnit: 'day' },
  );

  it('BG/NBD matches lifetimes and warns that a is not identified', () => {
    const fit = fitBgNbd(summary);
    expect(fit.params.r).toBeCloseTo(0.826542, 3);
    expect(fit.params.alpha).toBeCloseTo(68.905121, 1);
    expect(fit.logLikelihood).toBeCloseTo(-61823.4713, 2);
    expect(fit.params.a).toBeLessThan(0.01);
    const text = fit.warnings.join('\n');
    expect(text).toMatch(/parameter a = .* is poorly identified/);
    expect(text).toMatch(/almost no dropout/);
    expectAllFinite(fit.params);
    expectAllFinite(fit.standardErrors);
  });

  it('Pareto/NBD warns that s and beta run off, and still predicts finite values', () => {
    const fit = fitParetoNbd(summary);
    expect(fit.params.r).toBeCloseTo(0.8275, 2);
    expect(fit.params.s).toBeLessThan(0.01);
    expect(fit.warnings.join('\n')).toMatch(/almost no dropout/);
    expectAllFinite(fit.params);
    const predictions = predictCustomers(summary, fit, { horizonMonths: 3 });
    for (const v of predictions.expectedPurchases) expect(Number.isFinite(v)).toBe(true);
  });

  it('Gamma-Gamma matches lifetimes on the 2,790 repeat customers', () => {
    const fit = fitGammaGamma(summary);
    expect(fit.customers).toBe(2790);
    expect(fit.params.p).toBeCloseTo(2.103382, 3);
    expect(fit.params.q).toBeCloseTo(3.451179, 3);
    expect(fit.params.v).toBeCloseTo(485.888595, 1);
    expect(fit.logLikelihood).toBeCloseTo(-19083.3306, 2);
  });
});

describe('Gamma-Gamma on unusable data', () => {
  it('refuses fewer than two repeat customers', () => {
    expect(() => fitGammaGamma({ x: Float64Array.of(0, 1, 0), monetary: Float64Array.of(0, 10, 0) })).toThrow(
      /at least 2 customers with repeat purchases/,
    );
  });

  it('warns when everyone spends the same, and falls back instead of returning NaN when q ≤ 1', () => {
    const fit = fitGammaGamma({ x: new Float64Array(40).fill(2), monetary: new Float64Array(40).fill(25) });
    expectAllFinite(fit.params);
    expect(fit.warnings.length).toBeGreaterThan(0);
    expect(gammaGammaExpectedSpend({ p: 1, q: 0.8, v: 10 }, 0, 0)).toBe(0);
    expect(gammaGammaExpectedSpend({ p: 1, q: 0.8, v: 10 }, 3, 42)).toBe(42);
  });
});
