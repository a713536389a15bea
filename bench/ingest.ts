/**
 * Ingest benchmark: orders per second and latency through real HTTP, single orders and batches of
 * 1,000, on the embedded PGlite and on a PostgreSQL server, next to pgbench's TPC-B-like TPS on the
 * same server. Ends by checking that the ledger audits clean and that the database holds exactly the
 * orders that were acknowledged. `npm run bench:ingest -- --help` lists the options.
 */
import os from 'node:os';
import path from 'node:path';
import { type CpuSnapshot, type CpuSplit, cpuSplit, postgresPids, takeCpuSnapshot } from './lib/cpu.js';
import { runLoad } from './lib/load.js';
import { parseOptions } from './lib/options.js';
import { PgWaitSampler } from './lib/pg-waits.js';
import { checkpoint, databaseName, type PgbenchResult, runPgbench, withDatabase } from './lib/postgres.js';
import { CpuProfiler } from './lib/profile.js';
import type { LoadResult } from './lib/protocol.js';
import { type Backend, startServer, type Verification, verify } from './lib/server.js';
import { formatMarkdownTable, formatNumber, formatTable, quantile } from './lib/stats.js';

/** The issue's aims: single orders at 0.6× pgbench's TPS, batches at 10,000 orders/s on PostgreSQL. */
const AIM_SINGLE_RATIO = 0.6;
const AIM_BATCH_ORDERS_PER_S = 10_000;
/** CPU taken by processes outside the bench (other work on the machine) above which a figure is flagged. */
const DISTURBED_OTHER_CORES = 0.15;

type Scenario = 'single' | 'batch';

interface Row {
  backend: Backend;
  scenario: Scenario;
  label: string;
  ordersPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpu: CpuSplit | null;
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  say(`Vafa ingest bench, ${new Date().toISOString()}`);
  say(
    `machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? '?'}), ` +
      `${formatNumber(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`,
  );
  say(
    `load average before the run: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  say(
    `per scenario: ${opts.warmupS} s warm-up + ${opts.durationS} s measured; ${formatNumber(opts.members)} members; ` +
      `single: ${opts.singleClients} clients; batch: ${opts.batchClients} clients × ${opts.batchSize} orders; ` +
      `PostgreSQL pool ${opts.poolMax}`,
  );
  const rows: Row[] = [];
  const checks: Array<{ backend: Backend; v: Verification }> = [];
  const runTag = Date.now().toString(36);

  for (const backend of opts.backends) {
    say();
    say(`== ${backend}`);
    const server = await startServer(backend, opts);
    try {
      say(`  ${formatNumber(opts.members)} members created in ${server.seedSeconds.toFixed(1)} s`);
      if (opts.historyOrders > 0)
        say(
          `  history: ${formatNumber(server.historyOrders)} orders in batches through the service, then ANALYZE, ` +
            `in ${server.historySeconds.toFixed(1)} s`,
        );
      let acked = server.historyOrders;
      const scenarios: Array<{ scenario: Scenario; clients: number; label: string }> = [
        { scenario: 'single', clients: opts.singleClients, label: `single, ${opts.singleClients} clients` },
        {
          scenario: 'batch',
          clients: opts.batchClients,
          label: `batch ${opts.batchSize}, ${opts.batchClients} clients`,
        },
      ];
      for (const { scenario, clients, label } of scenarios) {
        if (backend === 'postgres') await checkpoint(opts.databaseUrl);
        const profiler = opts.profileDir ? new CpuProfiler() : null;
        const waits =
          opts.isSqlTimed && backend === 'postgres' ? await PgWaitSampler.open(opts.databaseUrl) : null;
        let profiling: Promise<void> = Promise.resolve();
        let cpuStart: Promise<CpuSnapshot | null> = Promise.resolve(null);
        let cpu: CpuSplit | null = null;
        const snapshot = async (clientPid: number) =>
          takeCpuSnapshot({
            server: process.pid,
            client: clientPid,
            postgres: backend === 'postgres' ? await postgresPids(opts.databaseUrl) : [],
          });
        const result: LoadResult = await runLoad(
          {
            baseUrl: server.baseUrl,
            apiKey: server.apiKey,
            mode: scenario,
            clients,
            batchSize: opts.batchSize,
            warmupMs: opts.warmupS * 1000,
            durationMs: opts.durationS * 1000,
            memberCount: opts.members,
            idPrefix: `${runTag}-${scenario}`,
            seed: scenario === 'single' ? 1 : 2,
          },
          {
            onMeasuring: (clientPid) => {
              cpuStart = snapshot(clientPid);
              server.timed?.reset();
              waits?.start();
              if (profiler) profiling = profiler.start();
            },
            onDone: async (clientPid) => {
              cpu = cpuSplit(await cpuStart, await snapshot(clientPid));
            },
          },
        );
        acked += result.ackedOrders;
        const row: Row = {
          backend,
          scenario,
          label,
          ordersPerS: result.measuredOrders / Math.max(result.measuredSeconds, 1e-9),
          p50Ms: quantile(result.latenciesMs, 0.5),
          p99Ms: quantile(result.latenciesMs, 0.99),
          errors: result.errors,
          cpu,
        };
        rows.push(row);
        say(
          `  ${label}: ${formatNumber(row.ordersPerS)} orders/s, p50 ${formatNumber(row.p50Ms, 1)} ms, ` +
            `p99 ${formatNumber(row.p99Ms, 1)} ms, ${result.measuredRequests} requests measured, ` +
            `${row.errors} errors`,
        );
        for (const e of result.errorSamples) say(`    error: ${e}`);
        if (row.cpu) say(`    ${describeCpu(row.cpu, row.ordersPerS, backend)}`);
        if (profiler) {
          await profiling;
          const file = path.resolve(opts.profileDir!, `${backend}-${scenario}.cpuprofile`);
          say((await profiler.stop(file)).replace(/^/gm, '    '));
        }
        if (server.timed) say(server.timed.report().replace(/^/gm, '    '));
        if (waits) {
          say(waits.stop().replace(/^/gm, '    '));
          await waits.close();
        }
      }
      const v = await verify(server, acked);
      checks.push({ backend, v });
      say(
        `  check: ${v.ordersInDb} orders in the database, ${v.ackedOrders} acknowledged; ` +
          `${v.lots} points lots for ${v.earningOrders} paid/delivered orders; ` +
          `ledger audit ${v.audit.ok ? 'ok' : `FAILED (sum ${v.audit.total}, ${v.audit.mismatches} mismatched accounts)`}` +
          ` → ${v.isOk ? 'ok' : 'FAILED'}`,
      );
    } finally {
      await server.close();
    }
  }

  let pgbench: PgbenchResult | null = null;
  if (opts.pgbench) {
    const url = withDatabase(opts.databaseUrl, `${databaseName(opts.databaseUrl)}_pgbench`);
    say();
    say(`== pgbench (TPC-B-like) on ${new URL(url).host}/${databaseName(url)}`);
    pgbench = await runPgbench(url, {
      scale: opts.pgbenchScale,
      clients: opts.pgbenchClients,
      threads: opts.pgbenchThreads,
      durationS: opts.pgbenchDurationS,
    });
    say(`  ${pgbench.command}: ${formatNumber(pgbench.tps)} TPS, latency average ${pgbench.latencyAvgMs} ms`);
    if (pgbench.cpu) say(`  ${describePgbenchCpu(pgbench.cpu, pgbench.tps)}`);
  }

  const header = ['backend', 'scenario', 'orders/s', 'p50 ms', 'p99 ms', 'errors'];
  const cells = rows.map((r) => [
    r.backend,
    r.label,
    formatNumber(r.ordersPerS),
    formatNumber(r.p50Ms, 1),
    formatNumber(r.p99Ms, 1),
    String(r.errors),
  ]);
  say();
  say('== Results');
  say(formatTable(header, cells));
  say();
  const single = (b: Backend) => rows.find((r) => r.backend === b && r.scenario === 'single');
  if (pgbench) {
    say(`pgbench TPC-B-like: ${formatNumber(pgbench.tps)} TPS (${pgbench.command})`);
    for (const b of opts.backends) {
      const r = single(b);
      if (!r) continue;
      const ratio = r.ordersPerS / pgbench.tps;
      const aim =
        b === 'postgres'
          ? ` (aim ≥ ${AIM_SINGLE_RATIO}: ${ratio >= AIM_SINGLE_RATIO ? 'met' : 'not met'})`
          : '';
      say(`ratio single-order orders/s ÷ pgbench TPS, ${b}: ${ratio.toFixed(2)}${aim}`);
    }
  }
  const pgBatch = rows.find((r) => r.backend === 'postgres' && r.scenario === 'batch');
  if (pgBatch) {
    say(
      `batches on PostgreSQL: ${formatNumber(pgBatch.ordersPerS)} orders/s (aim ≥ ${formatNumber(AIM_BATCH_ORDERS_PER_S)}: ` +
        `${pgBatch.ordersPerS >= AIM_BATCH_ORDERS_PER_S ? 'met' : 'not met'})`,
    );
  }
  say();
  say('CPU during the measured windows (cores busy; µs of CPU per order):');
  for (const r of rows)
    if (r.cpu) say(`  ${r.backend}, ${r.label}: ${describeCpu(r.cpu, r.ordersPerS, r.backend)}`);
  if (pgbench?.cpu) say(`  pgbench: ${describePgbenchCpu(pgbench.cpu, pgbench.tps)}`);
  const disturbed = rows
    .filter((r) => r.cpu && r.cpu.other > DISTURBED_OTHER_CORES)
    .map((r) => `${r.backend} ${r.scenario}`);
  if (pgbench?.cpu && pgbench.cpu.other > DISTURBED_OTHER_CORES) disturbed.push('pgbench');
  if (disturbed.length > 0)
    say(
      `warning: other processes used more than ${DISTURBED_OTHER_CORES} cores during ${disturbed.join(', ')}; ` +
        'those figures understate what the machine does alone.',
    );
  const isOk = checks.every((c) => c.v.isOk);
  say(`correctness: ${checks.map((c) => `${c.backend} ${c.v.isOk ? 'ok' : 'FAILED'}`).join(', ')}`);
  say();
  say('Markdown:');
  say(formatMarkdownTable(header, cells));
  return isOk ? 0 : 1;
}

/**
 * Cores busy per party, and CPU time per order: which side an order's cost is on. On PGlite the database
 * runs inside the server process, so its share is in the server's figure.
 */
function describeCpu(c: CpuSplit, ordersPerS: number, backend: Backend): string {
  const perOrder = (cores: number) => formatNumber((cores * 1e6) / Math.max(ordersPerS, 1e-9), 0);
  if (backend === 'pglite') {
    return (
      `CPU (cores): server with PGlite ${c.server.toFixed(2)}, load client ${c.client.toFixed(2)}, ` +
      `other ${c.other.toFixed(2)}, idle ${c.idle.toFixed(2)}; per order: server with PGlite ` +
      `${perOrder(c.server)} µs, client ${perOrder(c.client)} µs`
    );
  }
  return (
    `CPU (cores): server ${c.server.toFixed(2)}, postgres ${c.postgres.toFixed(2)}, load client ${c.client.toFixed(2)}, ` +
    `other ${c.other.toFixed(2)}, idle ${c.idle.toFixed(2)}; per order: server ${perOrder(c.server)} µs, ` +
    `postgres ${perOrder(c.postgres)} µs, client ${perOrder(c.client)} µs`
  );
}

function describePgbenchCpu(c: CpuSplit, tps: number): string {
  const perTx = (cores: number) => formatNumber((cores * 1e6) / Math.max(tps, 1e-9), 0);
  return (
    `CPU (cores): postgres ${c.postgres.toFixed(2)}, pgbench ${c.server.toFixed(2)}, other ${c.other.toFixed(2)}, ` +
    `idle ${c.idle.toFixed(2)}; per transaction: postgres ${perTx(c.postgres)} µs, pgbench ${perTx(c.server)} µs`
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
