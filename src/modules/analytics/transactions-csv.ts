import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { AnalyticsError } from './errors.js';
import { parseDay, type TransactionLog, TransactionLogBuilder } from './transactions.js';

export interface CsvReadOptions {
  /** Column names; when absent they are detected from common names (see `COLUMN_CANDIDATES`). */
  customerCol?: string;
  dateCol?: string;
  amountCol?: string;
  /** Called now and then with bytes read so far and the file size, for a progress bar. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** How many bad rows to keep with their reasons; all are counted. Default 100. */
  maxBadRowsKept?: number;
}

export interface BadRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  reason: string;
}

export interface CsvReadResult {
  log: TransactionLog;
  columns: { customer: string; date: string; amount: string | null };
  /** Data rows read, good and bad. */
  rows: number;
  badRows: BadRow[];
  badRowCount: number;
}

/**
 * Header names recognised per role, compared after lower-casing and dropping everything but letters
 * and digits ("Customer ID" = "customer_id" = "customerid"). Earlier names win.
 */
export const COLUMN_CANDIDATES = {
  customer: [
    'customerid',
    'customer',
    'custid',
    'clientid',
    'client',
    'memberid',
    'member',
    'userid',
    'user',
    'buyerid',
    'accountid',
    'id',
  ],
  date: [
    'date',
    'invoicedate',
    'orderdate',
    'purchasedate',
    'transactiondate',
    'createdat',
    'datetime',
    'timestamp',
    'day',
  ],
  amount: [
    'amount',
    'totalprice',
    'total',
    'ordertotal',
    'grandtotal',
    'value',
    'revenue',
    'sales',
    'spend',
    'dollarvalue',
    'monetary',
    'price',
  ],
} as const;

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function findColumn(
  header: string[],
  given: string | undefined,
  role: keyof typeof COLUMN_CANDIDATES,
): number {
  if (given !== undefined) {
    const exact = header.indexOf(given);
    if (exact >= 0) return exact;
    const loose = header.findIndex((h) => normalise(h) === normalise(given));
    if (loose >= 0) return loose;
    throw new AnalyticsError(
      'ANALYTICS_INVALID_INPUT',
      `column "${given}" for the ${role} is not in the header (${header.join(', ')})`,
    );
  }
  const names = header.map(normalise);
  for (const candidate of COLUMN_CANDIDATES[role]) {
    const i = names.indexOf(candidate);
    if (i >= 0) return i;
  }
  return -1;
}

/** Picks the delimiter that splits the header line into the most fields. */
async function detectDelimiter(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const firstLine = buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    let best = ',';
    let bestCount = 0;
    for (const d of [',', ';', '\t', '|']) {
      const count = firstLine.split(d).length - 1;
      if (count > bestCount) {
        best = d;
        bestCount = count;
      }
    }
    return best;
  } finally {
    await handle.close();
  }
}

/**
 * Streams a transactions CSV into a `TransactionLog`. Rows that cannot be used (no customer id, a date
 * that is neither ISO nor YYYYMMDD, an amount that is not a non-negative number, a short row) are
 * skipped and reported with their line number and reason; one bad row never stops the import.
 */
export async function readTransactionsCsv(
  file: string,
  options: CsvReadOptions = {},
): Promise<CsvReadResult> {
  const totalBytes = (await stat(file)).size;
  const delimiter = await detectDelimiter(file);
  const maxKept = options.maxBadRowsKept ?? 100;
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  input.on('data', (chunk) => {
    bytesRead += chunk.length;
    options.onProgress?.(bytesRead, totalBytes);
  });
  const parser = input.pipe(
    parse({ delimiter, bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }),
  );

  const builder = new TransactionLogBuilder();
  const badRows: BadRow[] = [];
  let badRowCount = 0;
  let rows = 0;
  let header: string[] | null = null;
  let ci = -1;
  let di = -1;
  let ai = -1;
  const bad = (line: number, reason: string) => {
    badRowCount++;
    if (badRows.length < maxKept) badRows.push({ line, reason });
  };

  for await (const { record, info } of parser as AsyncIterable<{
    record: string[];
    info: { lines: number };
  }>) {
    if (header === null) {
      header = record;
      ci = findColumn(header, options.customerCol, 'customer');
      di = findColumn(header, options.dateCol, 'date');
      ai = findColumn(header, options.amountCol, 'amount');
      if (ci < 0 || di < 0) {
        throw new AnalyticsError(
          'ANALYTICS_INVALID_INPUT',
          `cannot find the ${ci < 0 ? 'customer' : 'date'} column in the header (${header.join(', ')}); name it with --${ci < 0 ? 'customer' : 'date'}-col`,
        );
      }
      continue;
    }
    rows++;
    const line = info.lines;
    const customer = record[ci];
    const dateText = record[di];
    if (customer === undefined || dateText === undefined) {
      bad(line, `row has ${record.length} fields, fewer than the header's ${header.length}`);
      continue;
    }
    if (customer === '') {
      bad(line, 'customer id is empty');
      continue;
    }
    const day = parseDay(dateText);
    if (day === null) {
      bad(line, `date "${dateText}" is not YYYY-MM-DD or YYYYMMDD`);
      continue;
    }
    let amount = 0;
    if (ai >= 0) {
      const text = record[ai] ?? '';
      amount = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(amount)) {
        bad(line, `amount "${text}" is not a number`);
        continue;
      }
      if (amount < 0) {
        bad(line, `amount ${text} is negative; returns are not purchases, net them off before import`);
        continue;
      }
    }
    builder.add(customer, day, amount);
  }
  if (header === null) throw new AnalyticsError('ANALYTICS_INVALID_INPUT', `${file} is empty`);
  if (builder.length === 0) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_INPUT',
      `${file} has no usable rows (${badRowCount} bad rows${badRows[0] ? `; first: line ${badRows[0].line}, ${badRows[0].reason}` : ''})`,
    );
  }
  return {
    log: builder.build(),
    columns: { customer: header[ci]!, date: header[di]!, amount: ai >= 0 ? header[ai]! : null },
    rows,
    badRows,
    badRowCount,
  };
}
