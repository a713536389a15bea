import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '../../src/db/db.js';
import {
  checkBalances,
  checkStore,
  freePort,
  type LoadStats,
  makeOrders,
  rng,
  runAudit,
  runOrderClients,
  ServeProcess,
  seedFaultClub,
  sleep,
} from './load.js';

/**
 * The crash fault: the real `vafa serve` process takes orders from clients that retry (the same order,
 * byte for byte, after a timeout or a refused connection) while it is SIGKILLed and restarted several
 * times. Afterwards the store is checked against what the clients were told: every acknowledged order
 * exactly once, every balance equal to a model computed from those orders, one outbox event per order
 * and per earning, and `vafa audit` (ledger, tiers, campaign spend) finding nothing. Shared by
 * test/faults/crash.test.ts and the heavier bench/faults.ts.
 */
export interface CrashOptions {
  /** PostgreSQL URL, or undefined for PGlite in a temporary data directory. */
  databaseUrl: string | undefined;
  members: number;
  orders: number;
  clients: number;
  kills: number;
  /** A random delay before each kill, once its share of the orders is acknowledged. */
  killEveryMs: [number, number];
  /** A client gives up on one attempt after this long and sends the same order again. */
  requestTimeoutMs: number;
  /** Share of acknowledged orders sent once more later, as a confused client would. */
  duplicateShare: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  acknowledged: number;
  attempts: number;
  retries: number;
  duplicatesSent: number;
  kills: number;
  restartsMs: number[];
  seconds: number;
  problems: string[];
  auditExit: number | null;
  auditOutput: string;
}

export async function runCrashFault(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-crash-'));
  const env: Record<string, string> = opts.databaseUrl
    ? { DATABASE_URL: opts.databaseUrl, VAFA_DB_POOL_MAX: '8' }
    : { VAFA_DATA_DIR: dataDir };
  const club = await seedFaultClub({ databaseUrl: opts.databaseUrl, dataDir, members: opts.members });
  const server = new ServeProcess(env, await freePort());
  const random = rng(1403);
  const orders = makeOrders(opts.orders, club.memberIds, random);
  const acked = new Map<string, string>(); // externalId → order id the server answered
  const stats: LoadStats = { attempts: 0, retries: 0, duplicatesSent: 0, answers: {}, problems: [] };
  const report: CrashReport = {
    acknowledged: 0,
    attempts: 0,
    retries: 0,
    duplicatesSent: 0,
    kills: 0,
    restartsMs: [],
    seconds: 0,
    problems: [],
    auditExit: null,
    auditOutput: '',
  };

  try {
    report.restartsMs.push(await server.start());
    log(`server up on ${server.base}; ${orders.length} orders from ${opts.clients} clients`);
    let loadDone = false;
    const load = runOrderClients({
      base: server.base,
      apiKey: club.apiKey,
      orders,
      clients: opts.clients,
      requestTimeoutMs: opts.requestTimeoutMs,
      duplicateShare: opts.duplicateShare,
      random,
      acked,
      stats,
      giveUpAt: t0 + 10 * 60_000,
    }).finally(() => {
      loadDone = true;
    });
    for (let k = 0; k < opts.kills && !loadDone; k++) {
      // Spread the kills over the load: the k-th once that share of the orders is acknowledged, after a
      // random delay so it lands at a different point of a request each time.
      const target = Math.floor(((k + 1) * orders.length) / (opts.kills + 1));
      while (!loadDone && acked.size < target) await sleep(20);
      const [lo, hi] = opts.killEveryMs;
      await sleep(lo + random() * (hi - lo));
      if (loadDone) break;
      await server.kill();
      report.kills++;
      log(`kill ${k + 1} after ${acked.size} acknowledged orders`);
      await sleep(200);
      report.restartsMs.push(await server.start());
    }
    await load;
    report.acknowledged = acked.size;
    // Balances through the last server (reads go through the same code as a client's would).
    report.problems.push(...(await checkBalances(server.base, club.apiKey, club, orders)));
    await server.kill(); // the last one too: the audit must pass on what a crash leaves
    await sleep(200);

    const db = await openDb({ databaseUrl: opts.databaseUrl, dataDir: opts.databaseUrl ? null : dataDir });
    try {
      report.problems.push(...(await checkStore(db, club, orders, acked)));
    } finally {
      await db.close();
    }
    const audit = runAudit(env, club.clubId);
    report.auditExit = audit.exit;
    report.auditOutput = audit.summary;
    report.problems.push(...audit.problems);
  } finally {
    await server.kill();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  report.problems.unshift(...stats.problems);
  report.attempts = stats.attempts;
  report.retries = stats.retries;
  report.duplicatesSent = stats.duplicatesSent;
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
