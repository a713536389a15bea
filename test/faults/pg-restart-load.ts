import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { PrivatePostgres } from './pg-server.js';

/**
 * PostgreSQL restarted under load: the real `vafa serve` takes orders from retrying clients while its
 * PostgreSQL server (a private one) is stopped and started again, once with `-m fast` (connections
 * closed, open transactions rolled back) and once with `-m immediate` (a crash; the restart replays the
 * WAL). While the database is down `/healthz` must answer 503 and the process must stay up; when it is
 * back, the same process must answer 200 again by itself and finish the load. Then: every acknowledged
 * order exactly once, balances equal to the model, every `order.created` and `points.earned` event
 * delivered to a webhook receiver, and `vafa audit` finding nothing. Shared by pg-restart.test.ts and
 * bench/faults.ts.
 */
export interface PgRestartOptions {
  pgBin: string;
  members: number;
  orders: number;
  clients: number;
  /** One outage per entry, spread over the load: how PostgreSQL is stopped and how long it stays down. */
  outages: Array<{ mode: 'fast' | 'immediate'; downMs: number }>;
  requestTimeoutMs: number;
  duplicateShare: number;
  log?: (line: string) => void;
}

export interface PgRestartReport {
  acknowledged: number;
  attempts: number;
  retries: number;
  duplicatesSent: number;
  /** Answers the clients got, by status ("timeout", "refused" for none). */
  answers: Record<string, number>;
  outages: Array<{
    mode: 'fast' | 'immediate';
    /** From the stop returning to /healthz answering 503. */
    unhealthyAfterMs: number;
    /** From the start returning to /healthz answering 200 again. */
    healthyAfterMs: number;
    /** Acknowledged orders when PostgreSQL was stopped. */
    ackedAtStop: number;
  }>;
  /** Webhook deliveries received, and how many events arrived more than once. */
  delivered: number;
  redelivered: number;
  /** Deliveries claimed as the database stopped, sent once their lease was lapsed by the run. */
  leaseLapsed: number;
  seconds: number;
  problems: string[];
  auditSummary: string;
}

export async function runPgRestartFault(opts: PgRestartOptions): Promise<PgRestartReport> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const report: PgRestartReport = {
    acknowledged: 0,
    attempts: 0,
    retries: 0,
    duplicatesSent: 0,
    answers: {},
    outages: [],
    delivered: 0,
    redelivered: 0,
    leaseLapsed: 0,
    seconds: 0,
    problems: [],
    auditSummary: '',
  };
  const received = new Map<string, number>(); // webhook-id (the outbox event id) → deliveries
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      received.set(id, (received.get(id) ?? 0) + 1);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const pgServer = await PrivatePostgres.create(opts.pgBin);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-pgr-'));
  let server: ServeProcess | null = null;
  try {
    const url = await pgServer.createDatabase('vafa_fault');
    log(`private PostgreSQL on port ${pgServer.port}`);
    const club = await seedFaultClub({
      databaseUrl: url,
      dataDir,
      members: opts.members,
      webhookUrl: hookUrl,
    });
    const env = { DATABASE_URL: url, VAFA_DB_POOL_MAX: '8' };
    server = new ServeProcess(env, await freePort());
    const startMs = await server.start();
    const pid = server.child!.pid;
    log(`vafa serve (pid ${pid}) healthy in ${startMs} ms on ${server.base}`);

    const random = rng(1405);
    const orders = makeOrders(opts.orders, club.memberIds, random);
    const acked = new Map<string, string>();
    const stats: LoadStats = { attempts: 0, retries: 0, duplicatesSent: 0, answers: {}, problems: [] };
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
      giveUpAt: t0 + 5 * 60_000,
    }).finally(() => {
      loadDone = true;
    });

    for (const [i, outage] of opts.outages.entries()) {
      const target = Math.floor(((i + 1) * orders.length) / (opts.outages.length + 1));
      while (!loadDone && acked.size < target) await sleep(20);
      if (loadDone) {
        report.problems.push(`the load finished before outage ${i + 1}: use more orders`);
        break;
      }
      const ackedAtStop = acked.size;
      await pgServer.stop(outage.mode);
      const stoppedAt = Date.now();
      log(`PostgreSQL stopped (${outage.mode}) after ${ackedAtStop} acknowledged orders`);
      const unhealthyAfterMs = await server.waitHealth(503, 10_000);
      // An answer already on its way when the server stopped may still land; nothing after that may.
      await sleep(200);
      const ackedWhenDown = acked.size;
      // Down for a while: the clients keep retrying and the process must stay up and say it is unhealthy.
      await sleep(Math.max(0, outage.downMs - (Date.now() - stoppedAt)));
      if (!server.isRunning) report.problems.push(`vafa serve exited while PostgreSQL was down`);
      const downHealth = await server.health();
      if (downHealth !== 503) report.problems.push(`/healthz answered ${downHealth} with PostgreSQL down`);
      // Metrics still answer, and say the database is down.
      const metrics = await fetch(`${server.base}/metrics`).then(
        async (r) => ({ status: r.status, text: await r.text() }),
        () => ({ status: 0, text: '' }),
      );
      if (metrics.status !== 200 || !/^vafa_database_up 0$/m.test(metrics.text))
        report.problems.push(
          `/metrics answered ${metrics.status} without vafa_database_up 0 while PostgreSQL was down`,
        );
      const ackedWhileDown = acked.size - ackedWhenDown;
      if (ackedWhileDown > 0)
        report.problems.push(`${ackedWhileDown} orders acknowledged while PostgreSQL was down`);
      await pgServer.start();
      const healthyAfterMs = await server.waitHealth(200, 30_000);
      log(
        `PostgreSQL started; /healthz 503 after ${unhealthyAfterMs} ms down, 200 again ${healthyAfterMs} ms after start`,
      );
      report.outages.push({ mode: outage.mode, unhealthyAfterMs, healthyAfterMs, ackedAtStop });
    }
    await load;
    report.acknowledged = acked.size;
    if (!server.isRunning || server.child!.pid !== pid)
      report.problems.push('vafa serve did not survive the outages as the same process');

    report.problems.push(...(await checkBalances(server.base, club.apiKey, club, orders)));
    const db = await openDb({ databaseUrl: url, poolMax: 2 });
    try {
      report.problems.push(...(await checkStore(db, club, orders, acked)));
      // Every event the subscription covers reaches the receiver: the dispatcher and the webhook worker
      // of the same process went through the outages too.
      const { rows: events } = await db.query<{ event_id: string }>(
        `select event_id from outbox_events where club_id = $1 and type in ('order.created', 'points.earned')`,
        [club.clubId],
      );
      const waitDelivered = async (ms: number) => {
        const until = Date.now() + ms;
        while (events.some((e) => !received.has(e.event_id)) && Date.now() < until) await sleep(200);
        return events.filter((e) => !received.has(e.event_id));
      };
      let missing = await waitDelivered(8000);
      if (missing.length) {
        // A claim whose COMMIT reached the server as it stopped, but whose answer did not reach the
        // worker: the worker sent nothing, and the delivery waits for its lease (a minute) to lapse, as
        // after a worker crash. Those, and only those, have their lease lapsed now rather than waited for.
        const { rowCount } = await db.query(
          `update webhook_deliveries set next_attempt_at = now()
            where club_id = $1 and event_id = any($2::text[]) and status = 'pending' and attempts = 1
              and next_attempt_at > now() and next_attempt_at <= now() + interval '61 seconds'`,
          [club.clubId, missing.map((e) => e.event_id)],
        );
        report.leaseLapsed = rowCount;
        log(`${missing.length} events not delivered yet; ${rowCount} held by a lease from an outage, lapsed`);
        missing = await waitDelivered(15_000);
      }
      if (missing.length) {
        // Where they are stuck: still in the outbox (and why), or in the webhook queue.
        const { rows: where } = await db.query<Record<string, unknown>>(
          `select o.status as outbox, o.attempts as outbox_attempts, o.last_error as outbox_error,
                  d.status as delivery, d.attempts, d.last_error, count(*)::int as n,
                  min(greatest(o.next_attempt_at, d.next_attempt_at)) - now() as next_in
             from outbox_events o
             left join webhook_deliveries d on d.club_id = o.club_id and d.event_id = o.event_id
            where o.club_id = $1 and o.event_id = any($2::text[])
            group by 1, 2, 3, 4, 5, 6`,
          [club.clubId, missing.map((e) => e.event_id)],
        );
        report.problems.push(
          `${missing.length} of ${events.length} events never delivered: ${JSON.stringify(where)}`,
        );
      }
      report.delivered = events.length - missing.length;
      report.redelivered = [...received.values()].filter((n) => n > 1).length;
    } finally {
      await db.close();
    }
    const audit = runAudit(env, club.clubId);
    report.auditSummary = audit.summary;
    report.problems.push(...audit.problems);
    report.problems.unshift(...stats.problems);
    Object.assign(report, {
      attempts: stats.attempts,
      retries: stats.retries,
      duplicatesSent: stats.duplicatesSent,
      answers: stats.answers,
    });
  } catch (err) {
    report.problems.push(
      `${(err as Error).message}\n--- vafa serve stderr ---\n${server?.stderr.join('').slice(-2000) ?? ''}` +
        `\n--- postgres log ---\n${pgServer.logTail()}`,
    );
  } finally {
    await server?.kill();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await pgServer.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - t0) / 1000;
  return report;
}
