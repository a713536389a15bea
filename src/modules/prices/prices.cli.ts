import fs from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'csv-parse';
import { loadConfig } from '../../config.js';
import { type Db, openDb } from '../../db/db.js';
import { migrate } from '../../db/migrations.js';
import { AppError } from '../../errors.js';
import { MembersService } from '../members/index.js';
import { moduleMigrations } from '../registry.js';
import { PRICES_MIGRATIONS } from './prices.migrations.js';
import { PRICE_LIMITS, ZObservation } from './prices.schema.js';
import { type IngestItem, PricesService } from './prices.service.js';

/** The same shape as src/cli/import.ts reports: `updated` counts observations that extended a run. */
export interface PriceImportReport {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: Array<{ line: number; reason: string }>;
}

/** Limits: a CSV line is at most 4 KiB; the report keeps the first 10,000 rejected rows. */
const MAX_RECORD_BYTES = 4 * 1024;
const MAX_REPORTED = 10_000;

const bool = (v: string | undefined): boolean | undefined | 'invalid' => {
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes|y|بله|موجود)$/i.test(v)) return true;
  if (/^(0|false|no|n|خیر|ناموجود)$/i.test(v)) return false;
  return 'invalid';
};

/**
 * Imports price history from a CSV with a header row: sku, priceRials, at, inStock (optional, default
 * true). Rows are checked as POST /v1/prices would check them; a bad row (bad value, unknown sku, a time
 * in the future, another price at a recorded instant) is reported with its line number and skipped.
 * Rows are sent in batches of 10,000 through the same path as the batch endpoint, so rows may be in any
 * order and running the same file again answers `unchanged` for every row.
 */
export async function importPrices(db: Db, clubId: string, file: string): Promise<PriceImportReport> {
  const prices = new PricesService(db, new MembersService(db), () => new Date());
  const report: PriceImportReport = { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: [] };
  const reject = (line: number, reason: string) => {
    if (report.rejected.length < MAX_REPORTED) report.rejected.push({ line, reason });
  };
  const parser = fs.createReadStream(file).pipe(
    parse({
      columns: (h: string[]) => h.map((c) => c.trim()),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      max_record_size: MAX_RECORD_BYTES,
      relax_column_count: true,
    }),
  );
  let batch: IngestItem[] = [];
  const flush = async () => {
    const items = batch;
    batch = [];
    const result = await prices.ingest(clubId, items, { allOrNothing: false });
    report.created += result.created;
    report.updated += result.extended;
    report.unchanged += result.unchanged;
    // The item index is the CSV line, so rejections report lines directly.
    for (const r of result.rejected) reject(r.index, `${r.field}: ${r.reason}`);
  };
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    report.rows++;
    const inStock = bool(record.inStock ?? record.in_stock);
    if (inStock === 'invalid') {
      reject(info.lines, 'inStock: expected true or false');
      continue;
    }
    const priceText = record.priceRials ?? record.price_rials ?? '';
    const parsed = ZObservation.safeParse({
      sku: record.sku,
      priceRials: /^-?\d+$/.test(priceText) ? Number(priceText) : priceText,
      at: record.at,
      ...(inStock === undefined ? {} : { inStock }),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      reject(info.lines, `${issue.path.join('.') || 'row'}: ${issue.message}`);
      continue;
    }
    batch.push({ ...parsed.data, index: info.lines });
    if (batch.length >= PRICE_LIMITS.maxBatch) await flush();
  }
  if (batch.length) await flush();
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

/** Adds `import-prices FILE.csv --club ID` (wired as `vafa import prices` by the CLI). */
export function registerPricesCommands(program: Command): void {
  program
    .command('import-prices')
    .description(
      'Import price history from a CSV file: sku, priceRials, at, inStock (re-running it changes nothing)',
    )
    .argument('<file>', 'CSV file with a header row')
    .requiredOption('--club <id>', 'club id')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { club: string; json?: boolean }) => {
      if (!fs.existsSync(file)) throw new AppError('validation_failed', `file: ${file} does not exist`);
      const config = loadConfig();
      const db = await openDb({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, poolMax: 2 });
      try {
        // The module may not be registered yet: its own migrations are applied with the registered ones.
        const registered = moduleMigrations();
        const own = PRICES_MIGRATIONS.filter((m) => !registered.some((r) => r.version === m.version));
        await migrate(db, [...registered, ...own]);
        const { rows } = await db.query('select 1 from clubs where club_id = $1', [opts.club]);
        if (!rows.length) throw new AppError('not_found', `Club '${opts.club}' was not found.`);
        const started = performance.now();
        const report = await importPrices(db, opts.club, file);
        const seconds = (performance.now() - started) / 1000;
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else {
          process.stdout.write(
            `${report.rows} rows in ${seconds.toFixed(1)} s: ${report.created} created, ${report.updated} extended, ` +
              `${report.unchanged} unchanged, ${report.rejected.length} rejected\n`,
          );
          for (const r of report.rejected.slice(0, 50))
            process.stdout.write(`  line ${r.line}: ${r.reason}\n`);
          if (report.rejected.length > 50)
            process.stdout.write(`  … and ${report.rejected.length - 50} more\n`);
        }
        if (report.rejected.length > 0) process.exitCode = 2;
      } finally {
        await db.close();
      }
    });
}
