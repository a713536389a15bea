import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createServices } from '../../src/app.js';
import { type Db, openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import { moduleMigrations } from '../../src/modules/registry.js';
import { WebhooksService } from '../../src/modules/webhooks/index.js';

/**
 * What the fault runs share (crash-load.ts, pg-restart-load.ts): a seeded club, orders sent by clients
 * that retry the same body until acknowledged, the real `vafa serve` process, and the checks of the store
 * against what the clients were told, ending with `vafa audit`.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const RIALS_PER_POINT = 10_000;
/** The `vafa` command the runs spawn, from source through tsx. */
export const CLI_ENTRY = 'src/cli/main.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

/** A tiny seeded generator, so a failing run can be replayed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultClub {
  clubId: string;
  apiKey: string;
  memberIds: string[];
  rialsPerPoint: number;
}

/**
 * A club with members, seeded through the services and closed again (PGlite's files are the server's
 * alone while it runs). With `webhookUrl`, the club delivers `order.created` and `points.earned` there.
 */
export async function seedFaultClub(opts: {
  databaseUrl: string | undefined;
  dataDir: string;
  members: number;
  webhookUrl?: string;
}): Promise<FaultClub> {
  const seed = await openDb({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.databaseUrl ? null : opts.dataDir,
  });
  try {
    await migrate(seed, moduleMigrations());
    const services = createServices(seed, () => new Date());
    const { club, apiKey } = await services.clubs.createClub('Fault load');
    await services.clubs.updateClub(club.id, { rialsPerPoint: RIALS_PER_POINT } as never);
    // Tiers the load's members climb through (an order averages about 830,000 rials), so every order
    // re-evaluates a tier under the fault and the audit has tier changes to check.
    await services.tiers.replaceTiers(club.id, {
      tiers: [
        { key: 'bronze', name: { fa: 'برنزی', en: 'Bronze' }, threshold: 0 },
        { key: 'silver', name: { fa: 'نقره‌ای', en: 'Silver' }, threshold: 5_000_000 },
        { key: 'gold', name: { fa: 'طلایی', en: 'Gold' }, threshold: 15_000_000 },
      ],
    });
    const memberIds = Array.from({ length: opts.members }, (_, i) => `CR-${i}`);
    for (const m of memberIds) await services.members.upsertMember(club.id, m, { firstName: `عضو ${m}` });
    if (opts.webhookUrl) {
      const webhooks = new WebhooksService(seed, () => new Date());
      await webhooks.updateSettings(club.id, true);
      await webhooks.createSubscription(club.id, {
        url: opts.webhookUrl,
        eventTypes: ['order.created', 'points.earned'],
      });
    }
    const { rows } = await seed.query<{ rials_per_point: number }>(
      'select rials_per_point from clubs where club_id = $1',
      [club.id],
    );
    return { clubId: club.id, apiKey, memberIds, rialsPerPoint: Number(rows[0]!.rials_per_point) };
  } finally {
    await seed.close();
  }
}

export interface LoadOrder {
  externalId: string;
  memberExternalId: string;
  placedAt: string;
  totalRials: number;
  status: 'paid';
  lines: Array<{ sku: string; category: string; quantity: number; unitPriceRials: number }>;
}

export function makeOrders(n: number, memberIds: string[], random: () => number): LoadOrder[] {
  const placedAt = new Date(Date.now() - 3600_000).toISOString();
  return Array.from({ length: n }, (_, i) => {
    const totalRials = (1 + Math.floor(random() * 500)) * 3_333;
    return {
      externalId: `CO-${i}`,
      memberExternalId: memberIds[Math.floor(random() * memberIds.length)]!,
      placedAt,
      totalRials,
      status: 'paid' as const,
      lines: [{ sku: `SKU-${i % 17}`, category: 'کتاب', quantity: 1, unitPriceRials: totalRials }],
    };
  });
}

export interface LoadStats {
  attempts: number;
  retries: number;
  duplicatesSent: number;
  /** Answers by status ("timeout" and "refused" for attempts that got none). */
  answers: Record<string, number>;
  problems: string[];
}

/**
 * `clients` concurrent clients send the orders to `base`; each sends one order until it is acknowledged
 * (the body never changes between attempts), backing off on a 5xx, a 409 in progress, a timeout or a
 * refused connection. A share of acknowledged orders is sent once more, as a confused client would:
 * it must get the same order back. Resolves when every order is acknowledged.
 */
export function runOrderClients(opts: {
  base: string;
  apiKey: string;
  orders: LoadOrder[];
  clients: number;
  requestTimeoutMs: number;
  duplicateShare: number;
  random: () => number;
  acked: Map<string, string>;
  stats: LoadStats;
  giveUpAt: number;
}): Promise<void> {
  const { stats } = opts;
  const count = (k: string) => {
    stats.answers[k] = (stats.answers[k] ?? 0) + 1;
  };
  const send = async (o: LoadOrder): Promise<string> => {
    const body = JSON.stringify(o);
    for (let attempt = 0; ; attempt++) {
      stats.attempts++;
      if (attempt > 0) stats.retries++;
      try {
        const res = await fetch(`${opts.base}/v1/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.apiKey}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(opts.requestTimeoutMs),
        });
        const text = await res.text();
        count(String(res.status));
        if (res.status === 200 || res.status === 201) return (JSON.parse(text) as { id: string }).id;
        if (res.status < 500 && res.status !== 409)
          throw new Error(`order ${o.externalId}: unexpected ${res.status} ${text.slice(0, 300)}`);
        // 5xx (the database went away) or 409 in progress: try again.
      } catch (err) {
        if ((err as Error).message?.startsWith('order ')) throw err;
        count((err as Error).name === 'TimeoutError' ? 'timeout' : 'refused');
      }
      if (Date.now() > opts.giveUpAt) throw new Error(`order ${o.externalId} never acknowledged`);
      await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
    }
  };
  let next = 0;
  return Promise.all(
    Array.from({ length: opts.clients }, async () => {
      while (next < opts.orders.length) {
        const o = opts.orders[next++]!;
        const id = await send(o);
        opts.acked.set(o.externalId, id);
        if (opts.random() < opts.duplicateShare) {
          stats.duplicatesSent++;
          const again = await send(o);
          if (again !== id)
            stats.problems.push(`${o.externalId}: resent order answered ${again}, first ${id}`);
        }
      }
    }),
  ).then(() => {});
}

/** The real `vafa serve` on a port, started and stopped by the fault runs. */
export class ServeProcess {
  child: ChildProcess | null = null;
  readonly stderr: string[] = [];
  /** The server's log (JSON lines at LOG_LEVEL error): what it answered 5xx for. */
  readonly stdout: string[] = [];
  readonly base: string;
  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
  ) {
    this.base = `http://127.0.0.1:${port}`;
  }

  /** Starts the process and waits until /healthz answers 200; resolves to the milliseconds that took. */
  async start(): Promise<number> {
    const s0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...this.env,
        HOST: '127.0.0.1',
        PORT: String(this.port),
        LOG_LEVEL: 'error',
        NODE_ENV: 'test',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => this.stderr.push(String(d)));
    child.stdout!.on('data', (d: Buffer) => {
      if (this.stdout.length < 10_000) this.stdout.push(String(d));
    });
    await this.waitHealth(200, 60_000);
    return Date.now() - s0;
  }

  /** The status /healthz answers now, or 0 when nothing answers. */
  async health(): Promise<number> {
    try {
      const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  }

  /** Waits until /healthz answers `status`; throws if the process exits or the time runs out. */
  async waitHealth(status: number, timeoutMs: number): Promise<number> {
    const s0 = Date.now();
    for (;;) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined)
        throw new Error(`vafa serve exited ${this.child.exitCode}: ${this.stderr.join('').slice(-2000)}`);
      if ((await this.health()) === status) return Date.now() - s0;
      if (Date.now() - s0 > timeoutMs)
        throw new Error(`vafa serve: /healthz did not answer ${status} within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  get isRunning(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  }
}

/** Each member's available + pending points through the API, against the points the orders earn. */
export async function checkBalances(
  base: string,
  apiKey: string,
  club: FaultClub,
  orders: LoadOrder[],
): Promise<string[]> {
  const problems: string[] = [];
  const model = new Map<string, number>();
  for (const o of orders) {
    const pts = Math.floor(o.totalRials / club.rialsPerPoint);
    model.set(o.memberExternalId, (model.get(o.memberExternalId) ?? 0) + pts);
  }
  for (const m of club.memberIds) {
    const res = await fetch(`${base}/v1/members/${m}/points`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { available: number; pending: number };
    const held = Number(body.available) + Number(body.pending);
    if (res.status !== 200 || held !== (model.get(m) ?? 0))
      problems.push(`${m}: available+pending ${held} (status ${res.status}), model ${model.get(m) ?? 0}`);
  }
  return problems;
}

/**
 * The store against the clients: every acknowledged order stored once under the id the client was
 * given, nothing stored that was never acknowledged, and one `order.created` event per order and one
 * `points.earned` per order that earns.
 */
export async function checkStore(
  db: Db,
  club: FaultClub,
  orders: LoadOrder[],
  acked: Map<string, string>,
): Promise<string[]> {
  const problems: string[] = [];
  const { rows: counts } = await db.query<{ external_id: string; order_id: string; n: number }>(
    `select external_id, min(order_id) as order_id, count(*)::int as n from orders where club_id = $1 group by external_id`,
    [club.clubId],
  );
  const stored = new Map(counts.map((r) => [r.external_id, r]));
  for (const [ext, id] of acked) {
    const row = stored.get(ext);
    if (!row) problems.push(`${ext}: acknowledged as ${id} but not stored`);
    else if (row.n !== 1) problems.push(`${ext}: stored ${row.n} times`);
    else if (row.order_id !== id) problems.push(`${ext}: stored as ${row.order_id}, acknowledged ${id}`);
  }
  for (const ext of stored.keys())
    if (!acked.has(ext)) problems.push(`${ext}: stored but never acknowledged`);
  const { rows: events } = await db.query<{ type: string; ref: string; n: number }>(
    `select type, coalesce(payload->>'externalId', payload->>'orderId') as ref, count(*)::int as n
       from outbox_events where club_id = $1 and type in ('order.created', 'points.earned')
      group by 1, 2`,
    [club.clubId],
  );
  const created = new Map(events.filter((e) => e.type === 'order.created').map((e) => [e.ref, e.n]));
  const earned = new Map(events.filter((e) => e.type === 'points.earned').map((e) => [e.ref, e.n]));
  for (const o of orders) {
    const id = acked.get(o.externalId)!;
    if (created.get(o.externalId) !== 1)
      problems.push(`${o.externalId}: ${created.get(o.externalId) ?? 0} order.created events`);
    const expected = Math.floor(o.totalRials / club.rialsPerPoint) > 0 ? 1 : 0;
    if ((earned.get(id) ?? 0) !== expected)
      problems.push(`${o.externalId}: ${earned.get(id) ?? 0} points.earned events, expected ${expected}`);
  }
  return problems;
}

export interface AuditRun {
  exit: number | null;
  /** The summary line of each check, for the run's log. */
  summary: string;
  problems: string[];
}

/**
 * `vafa audit --club ID --json`, the real command: ledger, tiers and campaign spend. Any difference, a
 * non-zero exit or a report without the three checks is a problem.
 */
export function runAudit(env: Record<string, string>, clubId: string): AuditRun {
  const audit = spawnSync(
    process.execPath,
    ['--import', 'tsx', CLI_ENTRY, 'audit', '--club', clubId, '--json'],
    { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'error' }, encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${audit.stdout}${audit.stderr}`.trim();
  const problems: string[] = [];
  let summary = output.slice(0, 500);
  try {
    const r = JSON.parse(audit.stdout) as {
      ok: boolean;
      differences: number;
      ledger?: { total: number; mismatches: unknown[] };
      tiers?: { members: number; differences: unknown[] };
      campaigns?: { campaigns: number; differences: unknown[] };
    };
    if (!r.ledger || !r.tiers || !r.campaigns)
      problems.push(`vafa audit --json lacks the ledger, tiers or campaigns check: ${output.slice(0, 300)}`);
    else {
      if (r.tiers.members === 0) problems.push('vafa audit checked no member tiers');
      summary =
        `ledger total ${r.ledger.total}, ${r.ledger.mismatches.length} mismatches; ` +
        `tiers ${r.tiers.members} members, ${r.tiers.differences.length} differences; ` +
        `campaigns ${r.campaigns.campaigns}, ${r.campaigns.differences.length} differences`;
    }
    if (!r.ok) problems.push(`vafa audit found ${r.differences} differences: ${output.slice(0, 2000)}`);
  } catch {
    problems.push(`vafa audit printed no JSON: ${output.slice(0, 2000)}`);
  }
  if (audit.status !== 0) problems.push(`vafa audit exited ${audit.status}`);
  return { exit: audit.status, summary, problems };
}
