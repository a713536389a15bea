import { AnalyticsError } from './errors.js';

/**
 * A transaction log in columns. Ten million orders as objects would cost gigabytes and a garbage
 * collector that never rests; three typed arrays cost 160 MB and are read in one sequential pass.
 */
export interface TransactionLog {
  /** External customer id for each customer index, in order of first appearance. */
  customerIds: string[];
  /** Per transaction: index into `customerIds`. */
  customer: Int32Array;
  /** Per transaction: calendar day as days since 1970-01-01 (the date as written, times ignored). */
  day: Int32Array;
  /** Per transaction: amount spent, in the shop's currency; 0 when the input has no amounts. */
  amount: Float64Array;
  /** Number of transactions; the typed arrays are exactly this long. */
  length: number;
}

/** One transaction as an object, for callers with small data (tests, the service layer). */
export interface TransactionRecord {
  customerId: string | number;
  /** A `Date` (its UTC calendar day is used), an ISO or YYYYMMDD string, or a day number. */
  date: Date | string | number;
  amount?: number;
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a calendar date; validates the month and day so 2021-02-30 is rejected. */
export function dayFromYmd(year: number, month: number, day: number): number | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return Math.round(ms / MS_PER_DAY);
}

/**
 * Parses `YYYY-MM-DD` (optionally followed by a time, as in `2014-03-08 00:00:00` or ISO `T...Z`),
 * `YYYY/MM/DD` and `YYYYMMDD` to a day number. The calendar day is the date as written: converting a
 * time with a zone offset to UTC would move late-evening orders to the next day of the shop's calendar.
 */
export function parseDay(text: string): number | null {
  const s = text.trim();
  if (s.length === 8 && /^\d{8}$/.test(s)) {
    return dayFromYmd(Number(s.slice(0, 4)), Number(s.slice(4, 6)), Number(s.slice(6, 8)));
  }
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T ])/.exec(s);
  if (m === null) return null;
  return dayFromYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** ISO date (YYYY-MM-DD) of a day number. */
export function formatDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Accepts a day number, a `Date` or a date string and returns the day number, or throws with `what`. */
export function toDay(value: Date | string | number, what: string): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value;
  } else if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) return Math.floor(value.getTime() / MS_PER_DAY);
  } else {
    const day = parseDay(value);
    if (day !== null) return day;
  }
  throw new AnalyticsError('ANALYTICS_INVALID_OPTION', `${what} is not a valid date: ${String(value)}`);
}

/**
 * Collects transactions into growing typed arrays and interns customer ids, so a streamed CSV of any
 * size becomes a `TransactionLog` without an intermediate array of objects.
 */
export class TransactionLogBuilder {
  private customerIndex = new Map<string, number>();
  private customerIds: string[] = [];
  private customer = new Int32Array(1024);
  private day = new Int32Array(1024);
  private amount = new Float64Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  add(customerId: string, day: number, amount: number): void {
    let index = this.customerIndex.get(customerId);
    if (index === undefined) {
      index = this.customerIds.length;
      this.customerIndex.set(customerId, index);
      this.customerIds.push(customerId);
    }
    if (this.count === this.customer.length) this.grow();
    this.customer[this.count] = index;
    this.day[this.count] = day;
    this.amount[this.count] = amount;
    this.count++;
  }

  build(): TransactionLog {
    return {
      customerIds: this.customerIds,
      customer: this.customer.slice(0, this.count),
      day: this.day.slice(0, this.count),
      amount: this.amount.slice(0, this.count),
      length: this.count,
    };
  }

  private grow(): void {
    const size = this.customer.length * 2;
    const customer = new Int32Array(size);
    customer.set(this.customer);
    const day = new Int32Array(size);
    day.set(this.day);
    const amount = new Float64Array(size);
    amount.set(this.amount);
    this.customer = customer;
    this.day = day;
    this.amount = amount;
  }
}

/** Builds a log from records; a record with an unreadable date or amount throws with its position. */
export function transactionLogFromRecords(records: Iterable<TransactionRecord>): TransactionLog {
  const builder = new TransactionLogBuilder();
  let position = 0;
  for (const record of records) {
    const day = toDay(record.date, `transaction ${position} date`);
    const amount = record.amount ?? 0;
    if (!Number.isFinite(amount)) {
      throw new AnalyticsError('ANALYTICS_INVALID_INPUT', `transaction ${position} has amount ${amount}`);
    }
    builder.add(String(record.customerId), day, amount);
    position++;
  }
  return builder.build();
}
