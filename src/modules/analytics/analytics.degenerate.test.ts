import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAnalyticsCommands } from './analytics.cli.js';
import { fitBgNbd } from './bg-nbd.js';
import { AnalyticsError } from './errors.js';
import { fitGammaGamma, gammaGammaExpectedSpend } from './gamma-gamma.js';
import { fitParetoNbd } from './pareto-nbd.js';
import { predictCustomers } from './predict.js';
import { summarise } from './summary.js';
import { dataFile, readCsvRows } from './test-data.js';
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
  it('refuses a single customer and data without repeat purchases', () => {
    expect(() => fitGammaGamma({ x: Float64Array.of(3), monetary: Float64Array.of(20) })).toThrow(
      /at least 2 customers with repeat purchases and positive spend; got 1/,
    );
    expect(() => fitGammaGamma({ x: new Float64Array(5), monetary: new Float64Array(5) })).toThrow(
      /at least 2 customers with repeat purchases and positive spend; got 0/,
    );
  });

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

describe('vafa analytics clv on degenerate data', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vafa-analytics-degenerate-'));
  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function run(args: string[]): Promise<string> {
    const program = new Command('vafa').exitOverride();
    program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerAnalyticsCommands(program);
    for (const c of program.commands) {
      c.exitOverride();
      for (const sub of c.commands) {
        sub.exitOverride();
        sub.configureOutput({ writeErr: () => {}, writeOut: () => {} });
      }
    }
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    await program.parseAsync(['node', 'vafa', 'analytics', ...args]);
    return stderr;
  }

  function csv(name: string, rows: string[]): string {
    const file = path.join(dir, name);
    writeFileSync(file, ['customer_id,date,amount', ...rows].join('\n'));
    return file;
  }

  async function expectExit2(file: string, message: RegExp) {
    const error = await run(['clv', '--input', file]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(2);
    expect((error as CommanderError).message).toMatch(message);
  }

  /** Every purchase-model number in the JSON report is a finite number (JSON turns NaN into null). */
  function expectFiniteReport(file: string) {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    for (const v of Object.values(report.purchaseModel.params)) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(report.purchaseModel.logLikelihood)).toBe(true);
    for (const c of report.customers) {
      expect(Number.isFinite(c.pAlive), JSON.stringify(c)).toBe(true);
      expect(Number.isFinite(c.expectedPurchases), JSON.stringify(c)).toBe(true);
    }
    return report;
  }

  it('ends with exit code 2 and the reason for one customer', async () => {
    await expectExit2(
      csv('one.csv', ['a,2024-01-01,10', 'a,2024-02-01,20']),
      /needs at least 2 customers to estimate how customers differ; got 1/,
    );
  });

  it('ends with exit code 2 and the reason when nobody bought twice', async () => {
    await expectExit2(
      csv('once.csv', ['a,2024-01-01,10', 'b,2024-01-05,20', 'c,2024-02-01,5']),
      /none of the 3 customers made a repeat purchase/,
    );
  });

  it('warns, with finite predictions, when every customer is identical (both purchase models)', async () => {
    const rows: string[] = [];
    for (let c = 0; c < 30; c++) {
      for (const d of ['2024-01-01', '2024-02-01', '2024-03-01']) rows.push(`c${c},${d},10`);
    }
    const file = csv('same.csv', rows);
    for (const model of ['bgnbd', 'pareto-nbd']) {
      const out = path.join(dir, `same-${model}.json`);
      const stderr = await run([
        'clv',
        '--input',
        file,
        '--calibration-end',
        '2024-06-30',
        '--model',
        model,
        '--format',
        'json',
        '--output',
        out,
      ]);
      expect(stderr).toMatch(/wrote 30 customers/);
      const report = expectFiniteReport(out);
      const text = report.warnings.join('\n');
      // The purchase model cannot tell the customers apart, and neither can the spend model.
      expect(text, model).toMatch(new RegExp(`${model}: .*(ran towards|bound|poorly identified|Hessian)`));
      expect(text).toMatch(/gamma-gamma: /);
    }
  });

  it('reports a parameter running to its bound on the UCI invoices and still predicts', async () => {
    const out = path.join(dir, 'uci.json');
    await run([
      'clv',
      '--input',
      dataFile('online_retail_uci', 'online_retail.csv'),
      '--calibration-end',
      '2011-12-09',
      '--time-unit',
      'day',
      '--format',
      'json',
      '--output',
      out,
    ]);
    const report = expectFiniteReport(out);
    expect(report.warnings.join('\n')).toMatch(/bgnbd: parameter a = .* is poorly identified/);
    expect(report.warnings.join('\n')).toMatch(/almost no dropout/);
  });
});
