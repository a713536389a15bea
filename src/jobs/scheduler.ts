import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/db.js';
import type { Services } from '../http/types.js';

export interface Job {
  id: string;
  /** How often the job runs. */
  everyMs: number;
  /** A run longer than this is logged as slow; the next run waits for it (never overlaps). */
  slowMs: number;
  handler: () => Promise<unknown>;
}

/** Points whose return window has passed become available even for members nobody asks about. */
export function releaseMaturedPointsJob(db: Db, services: Services): Job {
  return {
    id: 'release-matured-points',
    everyMs: 60_000,
    slowMs: 30_000,
    handler: async () => {
      const { rows } = await db.query<{ club_id: string }>('select club_id from clubs');
      let released = 0;
      for (const r of rows) released += await services.points.releaseMatured(r.club_id);
      return { released };
    },
  };
}

/**
 * Lapsed reservations are given back and due points expired every five minutes; expiry reminders are
 * raised hourly (each once per member and date). Reads settle a member on the spot in any case.
 */
export function pointsLifecycleJobs(db: Db, services: Services): Job[] {
  const forEachClub = async (fn: (clubId: string) => Promise<number>) => {
    const { rows } = await db.query<{ club_id: string }>('select club_id from clubs');
    let n = 0;
    for (const r of rows) n += await fn(r.club_id);
    return n;
  };
  return [
    {
      id: 'expire-reservations-and-points',
      everyMs: 5 * 60_000,
      slowMs: 60_000,
      handler: async () => ({
        reservations: await forEachClub((c) => services.points.expireReservations(c)),
        expiredPoints: await forEachClub((c) => services.points.expirePoints(c)),
      }),
    },
    {
      id: 'remind-expiring-points',
      everyMs: 3600_000,
      slowMs: 5 * 60_000,
      handler: async () => ({ reminders: await forEachClub((c) => services.points.remindExpiring(c)) }),
    },
  ];
}

/** PGlite has no autovacuum: an hourly ANALYZE keeps its plans fit for the data it has grown to. */
export function pgliteAnalyzeJob(db: Db): Job[] {
  if (db.kind !== 'pglite') return [];
  return [{ id: 'pglite-analyze', everyMs: 3600_000, slowMs: 60_000, handler: () => db.exec('analyze') }];
}

/** Runs jobs on their intervals, one run at a time per job; stop() waits for running ones. */
export function startScheduler(
  jobs: Job[],
  log: FastifyBaseLogger,
  onRun: (jobId: string, durationMs: number, isOk: boolean) => void = () => {},
): { stop: () => Promise<void> } {
  const running = new Map<string, Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  for (const job of jobs) {
    const run = () => {
      if (stopped || running.has(job.id)) return;
      const started = Date.now();
      const p = job
        .handler()
        .then((result) => {
          const ms = Date.now() - started;
          onRun(job.id, ms, true);
          (ms > job.slowMs ? log.warn : log.debug).call(log, { job: job.id, ms, result }, 'job finished');
        })
        .catch((err) => {
          onRun(job.id, Date.now() - started, false);
          log.error({ job: job.id, err }, 'job failed');
        })
        .finally(() => running.delete(job.id));
      running.set(job.id, p);
    };
    timers.push(setInterval(run, job.everyMs));
    setTimeout(run, 1000).unref();
  }
  return {
    stop: async () => {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.all(running.values());
    },
  };
}
