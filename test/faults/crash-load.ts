import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../../src/app.js';
import { openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import { moduleMigrations } from '../../src/modules/registry.js';

/**
 * The crash fault: the real `vafa serve` process takes orders from clients that retry (the same order,
 * byte for byte, after a timeout or a refused connection) while it is SIGKILLed and restarted several
 * times. Afterwards the store is checked against what the clients were told: every acknowledged order
 * exactly once, every balance equal to a model computed from those orders, the ledger auditing clean
 * (`vafa audit`), and one outbox event per order and per earning. Shared by test/faults/crash.test.ts
 * and the heavier bench/faults.ts.
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

const ROOT = path.resolve(import.meta.dirname, '../..');
const RIALS_PER_POINT = 10_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tiny seeded generator, so a failing run can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runCrashFault(opts: CrashOptions): Promise<CrashReport> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-crash-'));
  const env: Record<string, string> = opts.databaseUrl
    ? { DATABASE_URL: opts.databaseUrl, VAFA_DB_POOL_MAX: '8' }
    : { VAFA_DATA_DIR: dataDir };

  // Seed through the services, then close: PGlite's files are the server's alone while it runs.
  const seed = await openDb({ databaseUrl: opts.databaseUrl, dataDir: opts.databaseUrl ? null : dataDir });
  await migrate(seed, moduleMigrations());
  const services = createServices(seed, () => new Date());
  const { club, apiKey } = await services.clubs.createClub('Crash fault');
  await services.clubs.updateClub?.(club.id, { rialsPerPoint: RIALS_PER_POINT } as never);
  const memberIds = Array.from({ length: opts.members }, (_, i) => `CR-${i}`);
  for (const m of memberIds) await services.members.upsertMember(club.id, m, { firstName: `عضو ${m}` });
  const { rows: clubRows } = await seed.query<{ rials_per_point: number }>(
    'select rials_per_point from clubs where club_id = $1',
    [club.id],
  );
  const rialsPerPoint = Number(clubRows[0]!.rials_per_point);
  await seed.close();

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const stderr: string[] = [];
  const start = async (): Promise<number> => {
    const s0 = Date.now();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'error',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => stderr.push(String(d)));
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`vafa serve exited ${child.exitCode}: ${stderr.join('').slice(-2000)}`);
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(500) });
        if (res.ok) return Date.now() - s0;
      } catch {
        // Not listening yet.
      }
      if (Date.now() - s0 > 60_000) throw new Error('vafa serve did not become healthy within 60 s');
      await sleep(100);
    }
  };
  const kill = async () => {
    const c = child!;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  const random = rng(1403);
  const placedAt = new Date(Date.now() - 3600_000).toISOString();
  const orders = Array.from({ length: opts.orders }, (_, i) => ({
    externalId: `CO-${i}`,
    memberExternalId: memberIds[Math.floor(random() * memberIds.length)]!,
    placedAt,
    totalRials: (1 + Math.floor(random() * 500)) * 3_333,
    status: 'paid',
    lines: [{ sku: `SKU-${i % 17}`, category: 'کتاب', quantity: 1, unitPriceRials: 0 }],
  }));
  for (const o of orders) o.lines[0]!.unitPriceRials = o.totalRials;

  const acked = new Map<string, string>(); // externalId → order id the server answered
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

  /** Sends one order until the server acknowledges it; the body never changes between attempts. */
  const send = async (o: (typeof orders)[number]): Promise<string> => {
    const body = JSON.stringify(o);
    for (let attempt = 0; ; attempt++) {
      report.attempts++;
      if (attempt > 0) report.retries++;
      try {
        const res = await fetch(`${base}/v1/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(opts.requestTimeoutMs),
        });
        const text = await res.text();
        if (res.status === 200 || res.status === 201) return (JSON.parse(text) as { id: string }).id;
        if (res.status < 500 && res.status !== 409)
          throw new Error(`order ${o.externalId}: unexpected ${res.status} ${text.slice(0, 300)}`);
        // 5xx (the database went away with the process) or 409 in progress: try again.
      } catch (err) {
        if ((err as Error).message?.startsWith('order ')) throw err;
        // Timeout or refused connection: the server is down or was killed mid-request.
      }
      if (Date.now() - t0 > 10 * 60_000) throw new Error(`order ${o.externalId} never acknowledged`);
      await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
    }
  };

  let next = 0;
  const clients = Array.from({ length: opts.clients }, async () => {
    while (next < orders.length) {
      const o = orders[next++]!;
      const id = await send(o);
      acked.set(o.externalId, id);
      if (random() < opts.duplicateShare) {
        // A client that lost track resends an acknowledged order: it must get the same order back.
        report.duplicatesSent++;
        const again = await send(o);
        if (again !== id)
          report.problems.push(`${o.externalId}: resent order answered ${again}, first ${id}`);
      }
    }
  });

  report.restartsMs.push(await start());
  log(`server up on ${base}; ${orders.length} orders from ${opts.clients} clients`);
  const load = Promise.all(clients);
  let loadDone = false;
  void load.then(
    () => {
      loadDone = true;
    },
    () => {
      loadDone = true;
    },
  );
  for (let k = 0; k < opts.kills && !loadDone; k++) {
    // Spread the kills over the load: the k-th once that share of the orders is acknowledged, after a
    // random delay so it lands at a different point of a request each time.
    const target = Math.floor(((k + 1) * orders.length) / (opts.kills + 1));
    while (!loadDone && acked.size < target) await sleep(20);
    const [lo, hi] = opts.killEveryMs;
    await sleep(lo + random() * (hi - lo));
    if (loadDone) break;
    await kill();
    report.kills++;
    log(`kill ${k + 1} after ${acked.size} acknowledged orders`);
    await sleep(200);
    report.restartsMs.push(await start());
  }
  await load;
  report.acknowledged = acked.size;

  // Checks, through a fresh server (so the reads go through the same code as a client's would).
  const call = async (p: string) => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${apiKey}` } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const model = new Map<string, number>();
  for (const o of orders) {
    const pts = Math.floor(o.totalRials / rialsPerPoint);
    model.set(o.memberExternalId, (model.get(o.memberExternalId) ?? 0) + pts);
  }
  for (const m of memberIds) {
    const { status, body } = await call(`/v1/members/${m}/points`);
    const held = Number(body.available) + Number(body.pending);
    if (status !== 200 || held !== (model.get(m) ?? 0))
      report.problems.push(`${m}: available+pending ${held} (status ${status}), model ${model.get(m) ?? 0}`);
  }
  await kill(); // the last one too: the audit must pass on what a crash leaves
  await sleep(200);

  const db = await openDb({ databaseUrl: opts.databaseUrl, dataDir: opts.databaseUrl ? null : dataDir });
  try {
    const { rows: counts } = await db.query<{ external_id: string; order_id: string; n: number }>(
      `select external_id, min(order_id) as order_id, count(*)::int as n from orders where club_id = $1 group by external_id`,
      [club.id],
    );
    const stored = new Map(counts.map((r) => [r.external_id, r]));
    for (const [ext, id] of acked) {
      const row = stored.get(ext);
      if (!row) report.problems.push(`${ext}: acknowledged as ${id} but not stored`);
      else if (row.n !== 1) report.problems.push(`${ext}: stored ${row.n} times`);
      else if (row.order_id !== id)
        report.problems.push(`${ext}: stored as ${row.order_id}, acknowledged ${id}`);
    }
    for (const ext of stored.keys())
      if (!acked.has(ext)) report.problems.push(`${ext}: stored but never acknowledged`);
    const { rows: events } = await db.query<{ type: string; ref: string; n: number }>(
      `select type, coalesce(payload->>'externalId', payload->>'orderId') as ref, count(*)::int as n
         from outbox_events where club_id = $1 and type in ('order.created', 'points.earned')
        group by 1, 2`,
      [club.id],
    );
    const created = new Map(events.filter((e) => e.type === 'order.created').map((e) => [e.ref, e.n]));
    const earned = new Map(events.filter((e) => e.type === 'points.earned').map((e) => [e.ref, e.n]));
    for (const o of orders) {
      const id = acked.get(o.externalId)!;
      if (created.get(o.externalId) !== 1)
        report.problems.push(`${o.externalId}: ${created.get(o.externalId) ?? 0} order.created events`);
      const expected = Math.floor(o.totalRials / rialsPerPoint) > 0 ? 1 : 0;
      if ((earned.get(id) ?? 0) !== expected)
        report.problems.push(
          `${o.externalId}: ${earned.get(id) ?? 0} points.earned events, expected ${expected}`,
        );
    }
  } finally {
    await db.close();
  }

  const audit = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'audit', '--club', club.id],
    {
      cwd: ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  report.auditExit = audit.status;
  report.auditOutput = `${audit.stdout}${audit.stderr}`.trim();
  if (audit.status !== 0) report.problems.push(`vafa audit exited ${audit.status}: ${report.auditOutput}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
