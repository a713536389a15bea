import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerAnalyticsCommands } from './analytics.cli.js';
import { dataFile, readDataFile } from './test-data.js';

let dir: string;
let cdnowCsv: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vafa-analytics-'));
  // The CDNOW sample is whitespace-separated without a header; the CLI takes CSV, so convert it,
  // keeping the YYYYMMDD dates to exercise that date format.
  const lines = ['customer_id,date,number_of_cds,dollar_value'];
  for (const line of readDataFile('cdnow', 'CDNOW_sample.txt').split(/\r?\n/)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length === 5) lines.push([Number(cells[1]), cells[2], cells[3], cells[4]].join(','));
  }
  cdnowCsv = path.join(dir, 'cdnow.csv');
  writeFileSync(cdnowCsv, `${lines.join('\n')}\n`);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `vafa analytics …` in-process, as src/cli/main.ts will, and captures stderr. */
async function run(args: string[]): Promise<{ stderr: string }> {
  const program = new Command('vafa').exitOverride();
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerAnalyticsCommands(program);
  program.commands.forEach((c) => {
    c.exitOverride();
    c.commands.forEach((s) => {
      s.exitOverride();
      s.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    });
  });
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  await program.parseAsync(['node', 'vafa', 'analytics', ...args]);
  return { stderr };
}

describe('vafa analytics clv', () => {
  it('fits CDNOW end to end and reports models, holdout and customers as JSON', async () => {
    const out = path.join(dir, 'clv.json');
    await run([
      'clv',
      '--input',
      cdnowCsv,
      '--calibration-end',
      '1997-09-30',
      '--holdout-end',
      '1998-06-30',
      '--time-unit',
      'week',
      '--format',
      'json',
      '--output',
      out,
    ]);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.input.columns).toEqual({ customer: 'customer_id', date: 'date', amount: 'dollar_value' });
    expect(report.purchaseModel.model).toBe('bgnbd');
    expect(report.purchaseModel.params.r).toBeCloseTo(0.2426, 3);
    expect(report.purchaseModel.params.alpha).toBeCloseTo(4.414, 2);
    expect(report.purchaseModel.logLikelihood).toBeCloseTo(-9582.429, 2);
    expect(report.spendModel.params.p).toBeCloseTo(6.25, 2);
    expect(report.spendModel.logLikelihood).toBeCloseTo(-4055.9177, 3);
    expect(report.holdout.actual).toBe(1882);
    expect(report.holdout.byFrequency.map((r: { group: string }) => r.group)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7+',
    ]);
    expect(report.customers).toHaveLength(2357);
    const first = report.customers[0];
    expect(Object.keys(first)).toEqual([
      'customerId',
      'x',
      'tx',
      'T',
      'monetary',
      'r',
      'f',
      'm',
      'segment',
      'pAlive',
      'expectedPurchases',
      'expectedAvgValue',
      'clv',
    ]);
    expect(first).toMatchObject({ customerId: '1', x: 2, tx: 30.4286, T: 38.8571 });
    for (const c of report.customers) expect(Number.isFinite(c.clv)).toBe(true);
  });

  it('writes a CSV customer table with Pareto/NBD and prints the models to stderr', async () => {
    const out = path.join(dir, 'clv.csv');
    const { stderr } = await run([
      'clv',
      '--input',
      cdnowCsv,
      '--calibration-end',
      '1997-09-30',
      '--model',
      'pareto-nbd',
      '--discount-rate',
      '0.01',
      '--margin',
      '0.3',
      '--horizon',
      '24',
      '--format',
      'csv',
      '--output',
      out,
    ]);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(2357);
    expect(stderr).toMatch(/Purchase model: pareto-nbd, 2357 customers, log-likelihood -9594\.97/);
    expect(stderr).toMatch(/Spend model: gamma-gamma, 946 customers/);
    const top = rows.reduce((a, b) => (Number(b.clv) > Number(a.clv) ? b : a));
    expect(Number(top.clv)).toBeGreaterThan(0);
    expect(Number(top.pAlive)).toBeGreaterThan(0);
  });

  it('works without an amount column: purchase predictions only, with a warning', async () => {
    const out = path.join(dir, 'example.json');
    const { stderr } = await run([
      'clv',
      '--input',
      dataFile('cdnow', 'example_transactions.csv'),
      '--format',
      'json',
      '--output',
      out,
    ]);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.input.columns.amount).toBeNull();
    expect(report.spendModel).toBeNull();
    expect(report.warnings.join('\n')).toMatch(/no amount column/);
    expect(report.customers).toHaveLength(5000);
    expect(report.customers[0].clv).toBeNull();
    expect(stderr).toMatch(/wrote 5000 customers/);
  });
});

describe('vafa analytics rfm', () => {
  it('scores the UCI invoices exactly as the reference and prints a table', async () => {
    const out = path.join(dir, 'rfm.csv');
    await run([
      'rfm',
      '--input',
      dataFile('online_retail_uci', 'online_retail.csv'),
      '--format',
      'csv',
      '--output',
      out,
    ]);
    const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    const reference = parse(readDataFile('online_retail_uci', 'rfm_scores_5.csv'), {
      columns: true,
    }) as Record<string, string>[];
    const byId = new Map(rows.map((r) => [r.customerId, r]));
    expect(rows).toHaveLength(reference.length);
    for (const ref of reference) {
      const row = byId.get(ref.CustomerID)!;
      expect([row.r, row.f, row.m]).toEqual([ref.RScore, ref.FScore, ref.MScore]);
    }
    const table = path.join(dir, 'rfm.txt');
    await run(['rfm', '--input', dataFile('online_retail_uci', 'online_retail.csv'), '--output', table]);
    const text = readFileSync(table, 'utf8');
    expect(text).toMatch(/Champions\s+\d+/);
    expect(text).toMatch(/customerId\s+recencyDays\s+frequency/);
  });

  it('reports bad rows with line numbers and keeps going', async () => {
    const file = path.join(dir, 'bad.csv');
    writeFileSync(
      file,
      [
        'Customer ID;Order Date;Amount',
        'a;2024-01-01;10',
        'b;2024-13-01;10',
        ';2024-01-02;5',
        'a;20240110;-3',
        'a;2024-01-20;abc',
        'a;2024-02-01;12.5',
        'b;2024-02-03;8',
      ].join('\n'),
    );
    const out = path.join(dir, 'bad.json');
    const { stderr } = await run(['rfm', '--input', file, '--format', 'json', '--output', out]);
    expect(stderr).toMatch(/line 3: date "2024-13-01" is not YYYY-MM-DD or YYYYMMDD/);
    expect(stderr).toMatch(/line 4: customer id is empty/);
    expect(stderr).toMatch(/line 5: amount -3 is negative/);
    expect(stderr).toMatch(/line 6: amount "abc" is not a number/);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.input.badRowCount).toBe(4);
    expect(report.customers.map((c: { customerId: string }) => c.customerId)).toEqual(['a', 'b']);
  });

  it('ends with exit code 2 and the reason when the data cannot be used', async () => {
    const file = path.join(dir, 'nocolumns.csv');
    writeFileSync(file, 'foo,bar\n1,2\n');
    const error = await run(['rfm', '--input', file]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(2);
    expect((error as CommanderError).message).toMatch(/cannot find the customer column/);
  });
});
