import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { AppError } from '../errors.js';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Anything that runs SQL: the database itself or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `fn` in one transaction. On PostgreSQL a serialization failure or deadlock is retried
   * (up to 5 times), so `fn` must be safe to run again: it only touches the database through `tx`.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /** True when a trivial query answers within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

// Money (bigint rials) and counts come back from PostgreSQL as int8 text. They are parsed to JS numbers,
// and the input limits keep every stored value within Number.MAX_SAFE_INTEGER; a value outside it is a
// bug worth crashing on rather than a silently rounded amount.
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${value} is outside the safe integer range`);
  return n;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

pg.types.setTypeParser(INT8_OID, parseInt8);
pg.types.setTypeParser(NUMERIC_OID, (v: string) => Number(v));

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool) {
    // An idle client losing its connection (server restart) must not crash the process; the pool
    // drops it and the next query opens a new one.
    pool.on('error', () => {});
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const res = await this.pool.query(sql, params);
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      // The pool listens for errors on idle clients only. A checked-out client whose connection the
      // server ends between two statements (a restart, `pg_ctl stop -m fast`) emits 'error' with no
      // listener, which would crash the process: record it instead, so the client is destroyed on
      // release and the next statement's own error (or the ROLLBACK's) fails this transaction.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const tx: Queryable = {
          query: async <R>(sql: string, params: unknown[] = []) => {
            const res = await client.query(sql, params);
            return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        const code = (err as { code?: string }).code;
        if ((code === '40001' || code === '40P01') && attempt < 5) continue;
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async ping(timeoutMs = 2000): Promise<boolean> {
    return pingWithTimeout(this, timeoutMs);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly pglite: PGlite,
    private readonly release: () => void,
  ) {}

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const res = await this.pglite.query<T>(sql, params);
    return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
  }

  // PGlite is one connection; its transaction() holds a mutex, so transactions never interleave.
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (t) => {
      const tx: Queryable = {
        query: async <R>(sql: string, params: unknown[] = []) => {
          const res = await t.query<R>(sql, params);
          return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
        },
      };
      return fn(tx);
    });
  }

  async exec(sql: string): Promise<void> {
    await this.pglite.exec(sql);
  }

  async ping(timeoutMs = 2000): Promise<boolean> {
    return pingWithTimeout(this, timeoutMs);
  }

  async close(): Promise<void> {
    try {
      await this.pglite.close();
    } finally {
      this.release();
    }
  }
}

async function pingWithTimeout(db: Queryable, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      db.query('select 1').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface OpenDbOptions {
  databaseUrl?: string | undefined;
  /** Embedded data directory; `null` for an in-memory PGlite (tests). */
  dataDir?: string | null;
  poolMax?: number;
  /** Written into the lock file so a second process can say where the first one serves. */
  lockInfo?: Record<string, unknown>;
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolMax ?? 20,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    });
    return new PostgresDb(pool);
  }
  const parsers = { [INT8_OID]: parseInt8, [NUMERIC_OID]: (v: string) => Number(v) };
  if (opts.dataDir === null || opts.dataDir === undefined) {
    return new PgliteDb(await PGlite.create({ parsers }), () => {});
  }
  const release = acquireDataDirLock(opts.dataDir, opts.lockInfo ?? {});
  try {
    const pglite = await PGlite.create({ dataDir: path.join(opts.dataDir, 'pgdata'), parsers });
    return new PgliteDb(pglite, release);
  } catch (err) {
    release();
    throw err;
  }
}

export const LOCK_FILE = 'vafa.lock';

/**
 * PGlite's files may be opened by one process only: a second one would corrupt them. The first process
 * writes its pid to a lock file created exclusively; a later one finds it and, if that pid is alive,
 * stops with a message that says where the first serves. A lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dataDir: string, info: Record<string, unknown>): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  const body = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), ...info });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, body, { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const current = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid?: number };
          if (current.pid === process.pid) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(lockPath);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
        const where = holder.url ? ` serving at ${holder.url}` : '';
        throw new AppError(
          'database_locked',
          `The embedded database in ${dataDir} is in use by Vafa process ${holder.pid}${where}. ` +
            'Stop that process first, or do this through its HTTP API.',
          { pid: holder.pid },
        );
      }
      // Stale lock from a process that is gone (or unreadable): remove and try again.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new AppError('database_locked', `Could not take the lock on ${dataDir}.`);
}

function readLock(lockPath: string): { pid: number; url?: string } | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid?: unknown; url?: unknown };
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}) };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
