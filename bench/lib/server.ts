import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../../src/app.js';
import { openConfiguredDb } from '../../src/cli/context.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/db.js';
import type { AppContext, TApp } from '../../src/http/types.js';
import { memberExternalId, OrderFactory } from './orders.js';
import { dropDatabase, recreateDatabase } from './postgres.js';
import { TimedDb } from './sql-timing.js';

export type Backend = 'pglite' | 'postgres';

export interface BenchServer {
  backend: Backend;
  baseUrl: string;
  apiKey: string;
  clubId: string;
  ctx: AppContext;
  /** Set when statements are timed (`--sql-timing`). */
  timed: TimedDb | null;
  seedSeconds: number;
  /** Orders created before the scenarios (the history); counted in the final check. */
  historyOrders: number;
  historySeconds: number;
  close(): Promise<void>;
}

const MEMBERS_PER_TX = 1000;

/**
 * The real server, in this process: `buildApp` on a fresh database, listening on a free port, exactly
 * as `vafa serve` builds it except that request logging is off (level warn) and the maturity job does
 * not run (no order's return window ends during a run). The load comes from a child process.
 */
export async function startServer(
  backend: Backend,
  opts: {
    databaseUrl: string;
    poolMax: number;
    members: number;
    historyOrders: number;
    isSqlTimed: boolean;
    isKept: boolean;
  },
): Promise<BenchServer> {
  let cleanup: () => Promise<void>;
  const env: Record<string, string> = { VAFA_DB_POOL_MAX: String(opts.poolMax), LOG_LEVEL: 'warn' };
  if (backend === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-bench-'));
    env.VAFA_DATA_DIR = dir;
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    await recreateDatabase(opts.databaseUrl);
    env.DATABASE_URL = opts.databaseUrl;
    cleanup = async () => {
      if (!opts.isKept) await dropDatabase(opts.databaseUrl);
    };
  }
  // Opened and migrated as `vafa serve` does it, so the bench follows the CLI's configuration.
  let db: Db;
  try {
    db = await openConfiguredDb(loadConfig(env), { command: 'bench:ingest' });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const timed = opts.isSqlTimed ? new TimedDb(db) : null;
  let app: TApp | null = null;
  try {
    const built = await buildApp({ db: timed ?? db, logger: { level: 'warn' } });
    app = built.app;
    const { ctx } = built;
    const { club, apiKey } = await ctx.services.clubs.createClub('Bench shop');
    const t0 = performance.now();
    await seedMembers(ctx, club.id, opts.members);
    const seedSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const historyOrders = await loadHistory(ctx, club.id, opts.members, opts.historyOrders);
    const historySeconds = (performance.now() - t1) / 1000;
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const listening = app;
    return {
      backend,
      baseUrl: address,
      apiKey,
      clubId: club.id,
      ctx,
      timed,
      seedSeconds,
      historyOrders,
      historySeconds,
      close: async () => {
        await listening.close();
        await db.close();
        await cleanup();
      },
    };
  } catch (err) {
    await app?.close();
    await db.close();
    await cleanup();
    throw err;
  }
}

/** Members M-000001… through the members service, a thousand per transaction. */
async function seedMembers(ctx: AppContext, clubId: string, count: number): Promise<void> {
  const { members } = ctx.services;
  for (let from = 1; from <= count; from += MEMBERS_PER_TX) {
    const to = Math.min(count, from + MEMBERS_PER_TX - 1);
    await ctx.db.transaction(async (tx) => {
      for (let n = from; n <= to; n++) {
        await members.upsertIn(tx, clubId, memberExternalId(n), {
          first_name: 'Bench',
          last_name: `Member ${n}`,
          mobile: `+98912${String(n).padStart(7, '0')}`,
          consent_sms: true,
        });
      }
    });
  }
}

/**
 * Orders through the orders service in batches, then ANALYZE. Without it every table starts empty and
 * never analysed, and plans cached on the first requests (notably the foreign-key check of
 * order_lines → orders, planned as a sequential scan of a then-empty table) stay in use while the
 * table grows; a shop in production has history and statistics. `--history 0` measures that case.
 */
async function loadHistory(ctx: AppContext, clubId: string, members: number, count: number): Promise<number> {
  if (count === 0) return 0;
  const factory = new OrderFactory('history', members, 7);
  let created = 0;
  for (let done = 0; done < count; done += 1000) {
    const batch = Array.from({ length: Math.min(1000, count - done) }, () => factory.next());
    const results = await ctx.services.orders.createOrders(clubId, batch);
    created += results.filter((r) => r.status === 201).length;
  }
  await ctx.db.exec('analyze');
  return created;
}

export interface Verification {
  isOk: boolean;
  ordersInDb: number;
  ackedOrders: number;
  lots: number;
  earningOrders: number;
  audit: { ok: boolean; total: number; mismatches: number };
}

/**
 * After the load: the ledger audit must pass, the database must hold exactly the orders the server
 * acknowledged, and every order past `placed` must have its points lot.
 */
export async function verify(server: BenchServer, ackedOrders: number): Promise<Verification> {
  const { ctx, clubId } = server;
  const audit = await ctx.services.points.audit(clubId);
  const { rows } = await ctx.db.query<{ orders: number; earning: number; lots: number }>(
    `select (select count(*)::int from orders where club_id = $1) as orders,
            (select count(*)::int from orders where club_id = $1 and status <> 'placed') as earning,
            (select count(*)::int from point_lots where club_id = $1) as lots`,
    [clubId],
  );
  const r = rows[0]!;
  return {
    isOk: audit.ok && r.orders === ackedOrders && r.lots === r.earning,
    ordersInDb: r.orders,
    ackedOrders,
    lots: r.lots,
    earningOrders: r.earning,
    audit: { ok: audit.ok, total: audit.total, mismatches: audit.mismatches.length },
  };
}
