import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { fitBgNbd } from './bg-nbd.js';
import { AnalyticsError } from './errors.js';
import { fitGammaGamma, type GammaGammaFit } from './gamma-gamma.js';
import { fitParetoNbd } from './pareto-nbd.js';
import {
  type CustomerPredictions,
  type HoldoutValidation,
  type PurchaseModelFit,
  predictCustomers,
  validateHoldout,
} from './predict.js';
import {
  type RfmScores,
  rfmInputFromSummary,
  SEGMENTS,
  type SegmentRow,
  scoreRfm,
  summariseSegments,
} from './rfm.js';
import { type CustomerSummary, summarise, type TimeUnit } from './summary.js';
import { formatDay } from './transactions.js';
import { type CsvReadResult, readTransactionsCsv } from './transactions-csv.js';

export interface AnalyticsCliOptions {
  input: string;
  customerCol?: string;
  dateCol?: string;
  amountCol?: string;
  calibrationEnd?: string;
  holdoutEnd?: string;
  timeUnit: TimeUnit;
  horizon: number;
  model: 'bgnbd' | 'pareto-nbd';
  discountRate: number;
  margin: number;
  format: 'table' | 'json' | 'csv';
  output?: string;
}

/** Everything one run computed; the writers below only format it. */
export interface AnalyticsReport {
  kind: 'rfm' | 'clv';
  input: {
    file: string;
    columns: CsvReadResult['columns'];
    rows: number;
    badRowCount: number;
    transactions: number;
    customers: number;
    calibrationEnd: string;
    holdoutEnd: string | null;
    timeUnit: TimeUnit;
  };
  summary: CustomerSummary;
  rfm: RfmScores;
  segments: SegmentRow[];
  purchaseFit: PurchaseModelFit | null;
  spendFit: GammaGammaFit | null;
  predictions: CustomerPredictions | null;
  holdout: HoldoutValidation | null;
  warnings: string[];
}

/** Prints to stderr; the report itself goes to stdout or --output so it can be piped. */
const note = (text: string) => process.stderr.write(`${text}\n`);

function parseNumber(kind: 'int' | 'float', min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max || (kind === 'int' && !Number.isInteger(n))) {
      throw new InvalidArgumentError(
        `expected ${kind === 'int' ? 'a whole number' : 'a number'} in ${min}..${max}`,
      );
    }
    return n;
  };
}

/** Reads, summarises, scores and (for `clv`) fits and predicts. */
export async function buildAnalyticsReport(
  kind: 'rfm' | 'clv',
  options: AnalyticsCliOptions,
): Promise<AnalyticsReport> {
  // A progress bar only on a terminal: in CI logs and pipes it would be noise.
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { stream: process.stderr, format: 'reading {bar} {percentage}% | {value}/{total} MB' },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  const read = await readTransactionsCsv(options.input, {
    ...(options.customerCol === undefined ? {} : { customerCol: options.customerCol }),
    ...(options.dateCol === undefined ? {} : { dateCol: options.dateCol }),
    ...(options.amountCol === undefined ? {} : { amountCol: options.amountCol }),
    onProgress: (done, total) => {
      if (bar === null) return;
      const mb = (b: number) => Math.round(b / 1e5) / 10;
      if (!started) {
        bar.start(mb(total), 0);
        started = true;
      }
      bar.update(mb(done));
    },
  });
  if (started) bar?.stop();

  const warnings: string[] = [];
  if (read.badRowCount > 0) {
    warnings.push(`${read.badRowCount} of ${read.rows} rows were skipped`);
    for (const row of read.badRows) note(`line ${row.line}: ${row.reason}`);
    if (read.badRowCount > read.badRows.length)
      note(`… and ${read.badRowCount - read.badRows.length} more bad rows`);
  }
  const summary = summarise(read.log, {
    timeUnit: options.timeUnit,
    ...(options.calibrationEnd === undefined ? {} : { calibrationEnd: options.calibrationEnd }),
    ...(options.holdoutEnd === undefined ? {} : { holdoutEnd: options.holdoutEnd }),
  });
  const rfm = scoreRfm(rfmInputFromSummary(summary));
  const segments = summariseSegments(rfm, summary.revenue);

  let purchaseFit: PurchaseModelFit | null = null;
  let spendFit: GammaGammaFit | null = null;
  let predictions: CustomerPredictions | null = null;
  let holdout: HoldoutValidation | null = null;
  if (kind === 'clv') {
    if (bar !== null) note(`fitting ${options.model} to ${summary.size} customers…`);
    purchaseFit = options.model === 'pareto-nbd' ? fitParetoNbd(summary) : fitBgNbd(summary);
    warnings.push(...purchaseFit.warnings);
    if (read.columns.amount === null) {
      warnings.push('the input has no amount column, so there is no spend model and no CLV');
    } else {
      try {
        spendFit = fitGammaGamma(summary);
        warnings.push(...spendFit.warnings);
      } catch (error) {
        // Without a spend model the purchase predictions are still worth printing.
        if (!(error instanceof AnalyticsError)) throw error;
        warnings.push(`no spend model: ${error.message}`);
      }
    }
    predictions = predictCustomers(summary, purchaseFit, {
      horizonMonths: options.horizon,
      monthlyDiscountRate: options.discountRate,
      margin: options.margin,
      spendFit,
    });
    if (summary.holdoutX !== null) holdout = validateHoldout(summary, purchaseFit);
  }
  if (summary.lateCustomers > 0) {
    warnings.push(
      `${summary.lateCustomers} customers whose first purchase is after the calibration end were left out`,
    );
  }
  return {
    kind,
    input: {
      file: options.input,
      columns: read.columns,
      rows: read.rows,
      badRowCount: read.badRowCount,
      transactions: read.log.length,
      customers: summary.size,
      calibrationEnd: formatDay(summary.calibrationEndDay),
      holdoutEnd: summary.holdoutEndDay === null ? null : formatDay(summary.holdoutEndDay),
      timeUnit: summary.timeUnit,
    },
    summary,
    rfm,
    segments,
    purchaseFit,
    spendFit,
    predictions,
    holdout,
    warnings,
  };
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/** Column names and per-customer values of the report's customer table. */
function customerColumns(report: AnalyticsReport): {
  names: string[];
  row: (i: number) => (string | number | null)[];
} {
  const { summary: s, rfm, predictions: p } = report;
  const hasSpend = report.spendFit !== null;
  if (report.kind === 'rfm') {
    return {
      names: ['customerId', 'recencyDays', 'frequency', 'monetary', 'r', 'f', 'm', 'segment'],
      row: (i) => [
        s.customerIds[i]!,
        s.calibrationEndDay - s.lastDay[i]!,
        s.orders[i]!,
        round(s.revenue[i]!, 2),
        rfm.r[i]!,
        rfm.f[i]!,
        rfm.m[i]!,
        SEGMENTS[rfm.segment[i]!]!,
      ],
    };
  }
  return {
    names: [
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
    ],
    row: (i) => [
      s.customerIds[i]!,
      s.x[i]!,
      round(s.tx[i]!, 4),
      round(s.T[i]!, 4),
      round(s.monetary[i]!, 2),
      rfm.r[i]!,
      rfm.f[i]!,
      rfm.m[i]!,
      SEGMENTS[rfm.segment[i]!]!,
      round(p!.pAlive[i]!, 6),
      round(p!.expectedPurchases[i]!, 6),
      hasSpend ? round(p!.expectedAvgValue[i]!, 2) : null,
      hasSpend ? round(p!.clv[i]!, 2) : null,
    ],
  };
}

function fitJson(fit: PurchaseModelFit | GammaGammaFit | null) {
  if (fit === null) return null;
  return {
    model: fit.model,
    params: fit.params,
    standardErrors: fit.standardErrors,
    logLikelihood: fit.logLikelihood,
    customers: fit.customers,
    iterations: fit.iterations,
    converged: fit.converged,
    warnings: fit.warnings,
  };
}

function describeFit(title: string, fit: PurchaseModelFit | GammaGammaFit): string[] {
  const params = Object.entries(fit.params)
    .map(([name, value]) => {
      const se = (fit.standardErrors as Record<string, number | null>)[name];
      return `${name} ${value.toPrecision(6)}${se === null || se === undefined ? '' : ` (SE ${se.toPrecision(3)})`}`;
    })
    .join('  ');
  return [
    `${title}: ${fit.model}, ${fit.customers} customers, log-likelihood ${fit.logLikelihood.toFixed(4)}, ${fit.converged ? 'converged' : 'NOT converged'} (${fit.iterations} iterations)`,
    `  ${params}`,
  ];
}

function alignTable(header: string[], rows: (string | number | null)[][]): string[] {
  const text = [header, ...rows.map((r) => r.map((v) => (v === null ? '-' : String(v))))];
  const widths = header.map((_, c) => Math.max(...text.map((r) => r[c]!.length)));
  return text.map((r) =>
    r
      .map((v, c) => (typeof rows[0]?.[c] === 'number' ? v.padStart(widths[c]!) : v.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The human-readable block before the customer table (also printed to stderr for csv output). */
function headerLines(report: AnalyticsReport): string[] {
  const { input } = report;
  const lines = [
    `${input.customers} customers, ${input.transactions} transactions from ${input.file} (calibration end ${input.calibrationEnd}${input.holdoutEnd ? `, holdout end ${input.holdoutEnd}` : ''}, time unit ${input.timeUnit})`,
  ];
  if (report.purchaseFit) lines.push(...describeFit('Purchase model', report.purchaseFit));
  if (report.spendFit) lines.push(...describeFit('Spend model', report.spendFit));
  if (report.holdout) {
    const h = report.holdout;
    lines.push(
      `Holdout (${round(h.length, 2)} ${input.timeUnit}s): predicted ${h.predicted.toFixed(1)} purchases, actual ${h.actual}`,
      ...alignTable(
        ['calibration x', 'customers', 'actual', 'predicted'],
        h.byFrequency.map((r) => [r.group, r.customers, r.actual, round(r.predicted, 1)]),
      ).map((l) => `  ${l}`),
    );
  }
  lines.push(
    'Segments:',
    ...alignTable(
      ['segment', 'customers', 'share %', 'revenue', 'revenue %'],
      report.segments.map((s) => [
        s.segment,
        s.customers,
        round(100 * s.customerShare, 2),
        round(s.revenue, 2),
        round(100 * s.revenueShare, 2),
      ]),
    ).map((l) => `  ${l}`),
  );
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return lines;
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Writes the report; customer rows are written in batches with backpressure, so 1M rows stream. */
export async function writeAnalyticsReport(
  report: AnalyticsReport,
  format: AnalyticsCliOptions['format'],
  out: NodeJS.WritableStream,
): Promise<void> {
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  const { names, row } = customerColumns(report);
  const n = report.summary.size;
  const BATCH = 5000;
  if (format === 'json') {
    const head = {
      kind: report.kind,
      input: report.input,
      purchaseModel: fitJson(report.purchaseFit),
      spendModel: fitJson(report.spendFit),
      holdout: report.holdout,
      segments: report.segments,
      warnings: report.warnings,
    };
    await write(`${JSON.stringify(head, null, 2).slice(0, -2)},\n  "customers": [\n`);
    for (let start = 0; start < n; start += BATCH) {
      const parts: string[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const values = row(i);
        parts.push(
          `    ${JSON.stringify(Object.fromEntries(names.map((k, c) => [k, values[c]])))}${i < n - 1 ? ',' : ''}`,
        );
      }
      await write(`${parts.join('\n')}\n`);
    }
    await write('  ]\n}\n');
    return;
  }
  if (format === 'csv') {
    // CSV carries only the customer table so it loads straight into a spreadsheet; the models go to stderr.
    for (const line of headerLines(report)) note(line);
    await write(`${names.join(',')}\n`);
    for (let start = 0; start < n; start += BATCH) {
      const parts: string[] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) parts.push(row(i).map(csvCell).join(','));
      await write(`${parts.join('\n')}\n`);
    }
    return;
  }
  await write(`${headerLines(report).join('\n')}\nCustomers:\n`);
  const rows: (string | number | null)[][] = [];
  for (let i = 0; i < n; i++) rows.push(row(i));
  await write(`${alignTable(names, rows).join('\n')}\n`);
}

async function runCommand(kind: 'rfm' | 'clv', options: AnalyticsCliOptions): Promise<void> {
  const report = await buildAnalyticsReport(kind, options);
  if (options.output === undefined) {
    await writeAnalyticsReport(report, options.format, process.stdout);
    return;
  }
  const file = createWriteStream(options.output);
  await writeAnalyticsReport(report, options.format, file);
  file.end();
  await once(file, 'finish');
  note(`wrote ${report.summary.size} customers to ${options.output}`);
}

/**
 * Adds `analytics rfm` and `analytics clv` to the `vafa` program. Both read a transactions CSV; `rfm`
 * scores and segments customers, `clv` also fits the purchase and spend models and predicts.
 * Analytics errors (bad options, unusable data) end the command with exit code 2 and the message.
 */
export function registerAnalyticsCommands(program: Command): void {
  const analytics = program
    .command('analytics')
    .description('customer analytics from a transactions CSV: RFM segments, BG/NBD or Pareto/NBD, CLV');
  for (const kind of ['rfm', 'clv'] as const) {
    analytics
      .command(kind)
      .description(
        kind === 'rfm'
          ? 'score recency, frequency and monetary value 1-5 and assign the 11 RFM segments'
          : 'fit a purchase model and Gamma-Gamma, predict purchases, P(alive) and CLV per customer',
      )
      .requiredOption('--input <file>', 'transactions CSV (one row per order: customer, date, amount)')
      .option('--customer-col <name>', 'customer id column (default: detected, e.g. customer_id)')
      .option('--date-col <name>', 'order date column, ISO or YYYYMMDD (default: detected, e.g. date)')
      .option('--amount-col <name>', 'order amount column (default: detected, e.g. amount)')
      .option(
        '--calibration-end <date>',
        'last day of the calibration period (default: last day in the data)',
      )
      .option('--holdout-end <date>', 'last day of a holdout period for validation')
      .addOption(
        new Option('--time-unit <unit>', 'unit of tx and T').choices(['day', 'week']).default('week'),
      )
      .addOption(
        new Option('--horizon <months>', 'months ahead for expected purchases and CLV')
          .argParser(parseNumber('int', 1, 1200))
          .default(12),
      )
      .addOption(
        new Option('--model <model>', 'purchase model').choices(['bgnbd', 'pareto-nbd']).default('bgnbd'),
      )
      .addOption(
        new Option('--discount-rate <rate>', 'discount rate per month')
          .argParser(parseNumber('float', 0, 0.999))
          .default(0.01),
      )
      .addOption(
        new Option('--margin <share>', 'profit margin as a share of revenue')
          .argParser(parseNumber('float', 0.0001, 1))
          .default(1),
      )
      .addOption(
        new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
      )
      .option('--output <file>', 'write the report to a file instead of stdout')
      .action(async function (this: Command, options: AnalyticsCliOptions) {
        try {
          await runCommand(kind, options);
        } catch (error) {
          if (error instanceof AnalyticsError)
            this.error(`error: ${error.message}`, { exitCode: 2, code: error.code });
          throw error;
        }
      });
  }
}
