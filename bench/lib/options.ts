import os from 'node:os';
import { parseArgs } from 'node:util';

/** What one `npm run bench:ingest` run does; every figure has a flag and an environment variable. */
export interface BenchOptions {
  backends: Array<'pglite' | 'postgres'>;
  /** Measured seconds per scenario, after the warm-up. */
  durationS: number;
  warmupS: number;
  members: number;
  /** Orders loaded through the service before the scenarios, followed by ANALYZE; 0 = a fresh database. */
  historyOrders: number;
  /** Concurrent clients sending single orders. */
  singleClients: number;
  /** Concurrent clients sending batches. */
  batchClients: number;
  batchSize: number;
  databaseUrl: string;
  /** Connections in Vafa's PostgreSQL pool (VAFA_DB_POOL_MAX; the server's default is 20). */
  poolMax: number;
  pgbench: boolean;
  pgbenchClients: number;
  pgbenchThreads: number;
  pgbenchScale: number;
  pgbenchDurationS: number;
  /** Writes a CPU profile of the server for each measured window into this directory. */
  profileDir: string | null;
  /** Prints time spent per SQL statement during each measured window. */
  isSqlTimed: boolean;
  /** Keeps the PostgreSQL database after the run (for inspection); it is dropped otherwise. */
  isKept: boolean;
}

const HELP = `npm run bench:ingest -- [options]

  --backends LIST         pglite,postgres (default both; env BENCH_BACKENDS)
  --duration S            measured seconds per scenario (default 15; env BENCH_DURATION_S)
  --warmup S              warm-up seconds per scenario (default 3; env BENCH_WARMUP_S)
  --members N             members created before the orders (default 10000; env BENCH_MEMBERS)
  --history N             orders loaded (through the service) before measuring, then ANALYZE, so the
                          planner sees a club with history; 0 = start on empty tables (default 10000;
                          env BENCH_HISTORY)
  --clients N             concurrent single-order clients (default 64; env BENCH_CLIENTS)
  --batch-clients N       concurrent batch clients (default 4; env BENCH_BATCH_CLIENTS)
  --batch-size N          orders per batch, at most 1000 (default 1000; env BENCH_BATCH_SIZE)
  --pool N                Vafa's PostgreSQL pool size (default 20, as VAFA_DB_POOL_MAX; env BENCH_POOL_MAX)
  --no-pgbench            skip the pgbench reference run
  --pgbench-duration S    pgbench -T (default 20; env BENCH_PGBENCH_DURATION_S)
  --pgbench-scale N       pgbench -i -s (default 10)
  --pgbench-clients N     pgbench -c (default 64)
  --profile DIR           write a .cpuprofile of the server per measured window, with a top-functions summary
  --sql-timing            print the time spent per SQL statement in each measured window and, on
                          PostgreSQL, what its sessions were doing (sampled pg_stat_activity)
  --keep                  keep the PostgreSQL database afterwards

  PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/vafa_bench); the database is
  dropped and created by the bench, and pgbench uses <name>_pgbench on the same server.`;

function positive(name: string, raw: string | undefined, fallback: number, max = 1e9): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${name}: expected a number in (0, ${max}]`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      backends: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      members: { type: 'string' },
      history: { type: 'string' },
      clients: { type: 'string' },
      'batch-clients': { type: 'string' },
      'batch-size': { type: 'string' },
      pool: { type: 'string' },
      'no-pgbench': { type: 'boolean' },
      'pgbench-duration': { type: 'string' },
      'pgbench-scale': { type: 'string' },
      'pgbench-clients': { type: 'string' },
      profile: { type: 'string' },
      'sql-timing': { type: 'boolean' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const backends = (values.backends ?? env.BENCH_BACKENDS ?? 'pglite,postgres')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const b of backends) {
    if (b !== 'pglite' && b !== 'postgres') throw new Error(`--backends: unknown backend '${b}'`);
  }
  const pgbenchClients = Math.round(positive('--pgbench-clients', values['pgbench-clients'], 64, 90));
  return {
    backends: backends as BenchOptions['backends'],
    durationS: positive('--duration', values.duration ?? env.BENCH_DURATION_S, 15, 3600),
    warmupS: positive('--warmup', values.warmup ?? env.BENCH_WARMUP_S, 3, 600),
    members: Math.round(positive('--members', values.members ?? env.BENCH_MEMBERS, 10_000, 1_000_000)),
    historyOrders:
      (values.history ?? env.BENCH_HISTORY) === '0'
        ? 0
        : Math.round(positive('--history', values.history ?? env.BENCH_HISTORY, 10_000, 10_000_000)),
    singleClients: Math.round(positive('--clients', values.clients ?? env.BENCH_CLIENTS, 64, 1000)),
    batchClients: Math.round(
      positive('--batch-clients', values['batch-clients'] ?? env.BENCH_BATCH_CLIENTS, 4, 64),
    ),
    batchSize: Math.round(positive('--batch-size', values['batch-size'] ?? env.BENCH_BATCH_SIZE, 1000, 1000)),
    databaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/vafa_bench',
    poolMax: Math.round(positive('--pool', values.pool ?? env.BENCH_POOL_MAX, 20, 200)),
    pgbench: !values['no-pgbench'],
    pgbenchClients,
    // One pgbench thread per core, as `-j 2` on the 2-core reference machine.
    pgbenchThreads: Math.min(os.availableParallelism(), pgbenchClients),
    pgbenchScale: Math.round(positive('--pgbench-scale', values['pgbench-scale'], 10, 1000)),
    pgbenchDurationS: Math.round(
      positive('--pgbench-duration', values['pgbench-duration'] ?? env.BENCH_PGBENCH_DURATION_S, 20, 3600),
    ),
    profileDir: values.profile ?? null,
    isSqlTimed: values['sql-timing'] ?? false,
    isKept: values.keep ?? false,
  };
}
