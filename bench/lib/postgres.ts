import { spawn } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import { type CpuSnapshot, type CpuSplit, cpuSplit, postgresPids, takeCpuSnapshot } from './cpu.js';

/** The database name of a postgres:// URL, checked to be a plain identifier (it goes into DDL). */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unusable database name '${name}' in ${url}`);
  return name;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onMaintenanceDb<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops (closing its connections) and creates the database named in the URL. */
export async function recreateDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onMaintenanceDb(url, async (c) => {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  });
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onMaintenanceDb(url, (c) => c.query(`drop database if exists ${name} with (force)`));
}

/** Flushes dirty pages before a measured run, so one run does not pay for the previous one's checkpoint. */
export async function checkpoint(url: string): Promise<void> {
  try {
    await onMaintenanceDb(url, (c) => c.query('checkpoint'));
  } catch {
    // CHECKPOINT needs a superuser (or pg_checkpoint); without it the run is only a little noisier.
  }
}

export async function serverVersion(url: string): Promise<string> {
  return onMaintenanceDb(url, async (c) => {
    const { rows } = await c.query<{ v: string }>('show server_version');
    return rows[0]?.v ?? '?';
  });
}

function pgbenchBinary(): string {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  for (const v of ['17', '16', '15']) {
    const p = `/usr/lib/postgresql/${v}/bin/pgbench`;
    if (fs.existsSync(p)) return p;
  }
  return 'pgbench';
}

function run(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onSpawn?: (pid: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

export interface PgbenchResult {
  tps: number;
  command: string;
  latencyAvgMs: number;
  /** CPU during the run (without its first and last second); `server` is pgbench itself, the client. */
  cpu: CpuSplit | null;
}

/**
 * pgbench's built-in TPC-B-like script on its own database of the same server: the reference figure for
 * "what this machine's PostgreSQL does with small write transactions".
 */
export async function runPgbench(
  url: string,
  opts: { scale: number; clients: number; threads: number; durationS: number },
): Promise<PgbenchResult> {
  const u = new URL(url);
  const name = databaseName(url);
  const conn = ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')];
  const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };
  const bin = pgbenchBinary();
  await recreateDatabase(url);
  try {
    await run(bin, ['-i', '-q', '-s', String(opts.scale), ...conn, name], env);
    await checkpoint(url);
    const args = ['-c', String(opts.clients), '-j', String(opts.threads), '-T', String(opts.durationS)];
    // CPU is sampled from 1 s after the start (all sessions connected) to 1 s before the end (all
    // still there to be read).
    let first: Promise<CpuSnapshot | null> = Promise.resolve(null);
    let last: Promise<CpuSnapshot | null> = Promise.resolve(null);
    const timers: NodeJS.Timeout[] = [];
    const snapshot = async (pid: number) =>
      takeCpuSnapshot({ server: pid, client: -1, postgres: await postgresPids(url) });
    const out = await run(bin, [...args, ...conn, name], env, (pid) => {
      if (opts.durationS < 4) return;
      timers.push(setTimeout(() => (first = snapshot(pid)), 1000));
      timers.push(setTimeout(() => (last = snapshot(pid)), (opts.durationS - 1) * 1000));
    }).finally(() => {
      for (const t of timers) clearTimeout(t);
    });
    const tps =
      /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(out);
    const latency = /latency average = ([\d.]+) ms/.exec(out);
    if (!tps) throw new Error(`could not read the TPS from pgbench:\n${out}`);
    return {
      tps: Number(tps[1]),
      latencyAvgMs: latency ? Number(latency[1]) : Number.NaN,
      command: `pgbench -i -s ${opts.scale}; pgbench ${args.join(' ')}`,
      cpu: cpuSplit(await first, await last),
    };
  } finally {
    await dropDatabase(url);
  }
}
