import { performance } from 'node:perf_hooks';
import type { Db, Queryable, QueryResult } from '../../src/db/db.js';
import { formatNumber, formatTable } from './stats.js';

interface Stat {
  count: number;
  totalMs: number;
}

/**
 * A Db that times every statement and transaction it runs, for finding where an order's time goes
 * without touching the application: the bench hands it to `buildApp` in place of the real handle.
 * Times are wall-clock from the caller's view, so they include waiting for the event loop and, for
 * transactions, for a pooled connection.
 */
export class TimedDb implements Db {
  readonly kind: Db['kind'];
  private statements = new Map<string, Stat>();
  private tx = { count: 0, totalMs: 0, bodyMs: 0 };
  private startedAt = performance.now();

  constructor(private readonly inner: Db) {
    this.kind = inner.kind;
  }

  reset(): void {
    this.statements = new Map();
    this.tx = { count: 0, totalMs: 0, bodyMs: 0 };
    this.startedAt = performance.now();
  }

  private record(sql: string, ms: number): void {
    const label = sql.replace(/\s+/g, ' ').trim().slice(0, 90);
    const s = this.statements.get(label);
    if (s) {
      s.count++;
      s.totalMs += ms;
    } else this.statements.set(label, { count: 1, totalMs: ms });
  }

  private timed(q: Queryable): Queryable {
    return {
      query: async <T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
        const t0 = performance.now();
        try {
          return await q.query<T>(sql, params);
        } finally {
          this.record(sql, performance.now() - t0);
        }
      },
    };
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.timed(this.inner).query<T>(sql, params);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await this.inner.transaction(async (tx) => {
        const b0 = performance.now();
        try {
          return await fn(this.timed(tx));
        } finally {
          this.tx.bodyMs += performance.now() - b0;
        }
      });
    } finally {
      this.tx.count++;
      this.tx.totalMs += performance.now() - t0;
    }
  }

  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }

  ping(timeoutMs?: number): Promise<boolean> {
    return this.inner.ping(timeoutMs);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** The statements by total time since the last reset, and the transactions' share of the window. */
  report(): string {
    const windowMs = performance.now() - this.startedAt;
    const rows = [...this.statements]
      .sort(([, a], [, b]) => b.totalMs - a.totalMs)
      .slice(0, 20)
      .map(([label, s]) => [
        formatNumber(s.count),
        formatNumber(s.totalMs / s.count, 3),
        formatNumber((100 * s.totalMs) / windowMs, 0),
        label,
      ]);
    const tx = this.tx;
    const head =
      `transactions: ${formatNumber(tx.count)}, mean ${formatNumber(tx.totalMs / Math.max(1, tx.count), 2)} ms ` +
      `(of which inside BEGIN…COMMIT body ${formatNumber(tx.bodyMs / Math.max(1, tx.count), 2)} ms; the rest is ` +
      `waiting for a connection or PGlite's lock, BEGIN and COMMIT)`;
    return `${head}\n${formatTable(['calls', 'mean ms', 'Σ% of wall', 'statement'], rows, [3])}`;
  }
}
