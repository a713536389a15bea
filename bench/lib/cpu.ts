import fs from 'node:fs';
import pg from 'pg';

/**
 * Where the machine's CPU went during a measured window, from /proc (Linux only; elsewhere nothing is
 * printed): the server process, the load client, the PostgreSQL processes serving the bench database
 * (its sessions and the server's shared helpers: WAL writer, checkpointer, ...), everything else, and
 * idle. On a 2-core machine this says who the bottleneck is, and "other" says how much of the machine
 * was taken by work outside the bench.
 */
export interface CpuSnapshot {
  atMs: number;
  totalTicks: number;
  idleTicks: number;
  server: number;
  client: number;
  postgres: Map<number, number>;
}

const TICKS_PER_S = 100; // USER_HZ, 100 on every common Linux build

function processTicks(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** The pids of the bench database's sessions and of PostgreSQL's own background processes. */
export async function postgresPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `select pid from pg_stat_activity
       where (datname = current_database() or datname is null) and pid <> pg_backend_pid()`,
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

export function takeCpuSnapshot(pids: {
  server: number;
  client: number;
  postgres: number[];
}): CpuSnapshot | null {
  let stat: string;
  try {
    stat = fs.readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const cpu = stat.split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const totalTicks = cpu.slice(0, 8).reduce((s, n) => s + n, 0);
  const idleTicks = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  const postgres = new Map<number, number>();
  for (const pid of pids.postgres) {
    const ticks = processTicks(pid);
    if (ticks !== null) postgres.set(pid, ticks);
  }
  return {
    atMs: performance.now(),
    totalTicks,
    idleTicks,
    server: processTicks(pids.server) ?? 0,
    client: processTicks(pids.client) ?? 0,
    postgres,
  };
}

export interface CpuSplit {
  seconds: number;
  /** In cores (1.0 = one core busy for the whole window). */
  server: number;
  client: number;
  postgres: number;
  other: number;
  idle: number;
}

export function cpuSplit(a: CpuSnapshot | null, b: CpuSnapshot | null): CpuSplit | null {
  if (!a || !b) return null;
  const seconds = (b.atMs - a.atMs) / 1000;
  const cores = (ticks: number) => ticks / TICKS_PER_S / seconds;
  // A session opened during the window counts from zero; one closed during it is lost (rare: the
  // pool keeps its connections while busy).
  let postgres = 0;
  for (const [pid, ticks] of b.postgres) postgres += ticks - (a.postgres.get(pid) ?? 0);
  const busy = b.totalTicks - a.totalTicks - (b.idleTicks - a.idleTicks);
  const server = b.server - a.server;
  const client = b.client - a.client;
  return {
    seconds,
    server: cores(server),
    client: cores(client),
    postgres: cores(postgres),
    other: cores(Math.max(0, busy - server - client - postgres)),
    idle: cores(b.idleTicks - a.idleTicks),
  };
}
