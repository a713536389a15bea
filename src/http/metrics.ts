import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { problem, sendProblem } from './problem.js';
import type { AppContext, TApp } from './types.js';

/**
 * Prometheus metrics, in the text exposition format (version 0.0.4), without a client library: the
 * handful of series Vafa exposes are simple enough that a dependency would be more code to trust than
 * this file.
 *
 * Series:
 * - `vafa_http_requests_total{method,route,status}`: requests answered, by route template (not the raw
 *   URL, so ids do not explode the label set; unmatched URLs share the route label "unmatched").
 * - `vafa_http_request_duration_seconds{method,route}`: a latency histogram.
 * - `vafa_outbox_pending_events` and `vafa_outbox_oldest_pending_age_seconds`: the outbox lag, read
 *   when scraped (one indexed query over the pending partial index).
 * - `vafa_job_runs_total{job,result}` and `vafa_job_duration_seconds{job}`: fed by `observeJob`, which
 *   the scheduler calls after each run; `vafa_job_last_success_timestamp_seconds{job}` for the alert
 *   "this job has not succeeded for N times its interval" (a job that hangs never reports a failure).
 * - `vafa_http_requests_in_flight`: requests received and not yet answered.
 * - `vafa_database_up`: 1 when a trivial query answers within a second at scrape time, else 0 (what
 *   /healthz reports), so an outage shows as a series and not only as failed requests.
 * - `vafa_process_start_time_seconds` and `vafa_process_resident_memory_bytes`: restarts and memory.
 */

/** Upper bounds of the latency buckets, in seconds: from a cached read to a slow batch. */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Job runs take from milliseconds to minutes. */
const JOB_BUCKETS_S = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300];
const PROCESS_START_S = Math.round(Date.now() / 1000 - process.uptime());
/** A cap on distinct label sets, so a bug that leaks raw URLs into labels cannot exhaust memory. */
const MAX_SERIES = 5_000;

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]!++;
  }
}

/** Label values escaped as the exposition format asks: backslash, double quote and newline. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${label(v)}"`)
    .join(',')}}`;
}

function histogramLines(name: string, key: Record<string, string>, h: Histogram): string[] {
  const out = h.buckets.map((b, i) => `${name}_bucket${labels({ ...key, le: String(b) })} ${h.counts[i]}`);
  out.push(`${name}_bucket${labels({ ...key, le: '+Inf' })} ${h.count}`);
  out.push(`${name}_sum${labels(key)} ${h.sum}`);
  out.push(`${name}_count${labels(key)} ${h.count}`);
  return out;
}

export interface MetricsOptions {
  /**
   * When set, GET /metrics asks for `Authorization: Bearer <token>`; otherwise it is open, as
   * Prometheus endpoints usually are behind the operator's network.
   */
  token?: string | undefined;
}

export interface Metrics {
  /** Records one run of a background job (the scheduler calls it). */
  observeJob(jobId: string, durationMs: number, isOk: boolean): void;
  /** The exposition text, as GET /metrics answers it. */
  render(): Promise<string>;
}

export function registerMetrics(app: TApp, ctx: AppContext, opts: MetricsOptions = {}): Metrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, Histogram>();
  const jobRuns = new Map<string, number>();
  const jobDurations = new Map<string, Histogram>();
  const jobLastSuccessS = new Map<string, number>();
  let inFlight = 0;

  app.addHook('onRequest', async (_req, reply) => {
    inFlight++;
    // 'close' comes once per response, answered or abandoned by the client; onResponse misses the latter.
    reply.raw.once('close', () => {
      inFlight--;
    });
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const method = req.method;
    const countKey = JSON.stringify([method, route, String(reply.statusCode)]);
    if (requests.size < MAX_SERIES || requests.has(countKey))
      requests.set(countKey, (requests.get(countKey) ?? 0) + 1);
    const latKey = JSON.stringify([method, route]);
    let h = latency.get(latKey);
    if (!h && latency.size < MAX_SERIES) {
      h = new Histogram(LATENCY_BUCKETS_S);
      latency.set(latKey, h);
    }
    h?.observe(reply.elapsedTime / 1000);
  });

  const metrics: Metrics = {
    observeJob(jobId, durationMs, isOk) {
      const k = JSON.stringify([jobId, isOk ? 'ok' : 'error']);
      jobRuns.set(k, (jobRuns.get(k) ?? 0) + 1);
      let h = jobDurations.get(jobId);
      if (!h) {
        h = new Histogram(JOB_BUCKETS_S);
        jobDurations.set(jobId, h);
      }
      h.observe(durationMs / 1000);
      if (isOk) jobLastSuccessS.set(jobId, Date.now() / 1000);
    },
    async render() {
      const lines: string[] = [];
      lines.push('# HELP vafa_http_requests_total HTTP requests answered, by route template and status.');
      lines.push('# TYPE vafa_http_requests_total counter');
      for (const [k, n] of requests) {
        const [method, route, status] = JSON.parse(k) as string[];
        lines.push(
          `vafa_http_requests_total${labels({ method: method!, route: route!, status: status! })} ${n}`,
        );
      }
      lines.push(
        '# HELP vafa_http_request_duration_seconds Time from request to response, by route template.',
      );
      lines.push('# TYPE vafa_http_request_duration_seconds histogram');
      for (const [k, h] of latency) {
        const [method, route] = JSON.parse(k) as string[];
        lines.push(
          ...histogramLines('vafa_http_request_duration_seconds', { method: method!, route: route! }, h),
        );
      }
      // Across clubs on purpose: the operator watches the one dispatcher that serves them all.
      let pending = Number.NaN;
      let oldestS = Number.NaN;
      try {
        const { rows } = await ctx.db.query<{ n: number; age: number | null }>(
          `select count(*)::int as n,
                  extract(epoch from (now() - min(created_at)))::float8 as age
             from outbox_events where status = 'pending'`,
        );
        pending = rows[0]?.n ?? 0;
        oldestS = rows[0]?.age ?? 0;
      } catch {
        // The database is down: report NaN (Prometheus shows a gap) rather than fail the scrape.
      }
      lines.push('# HELP vafa_outbox_pending_events Outbox events not yet delivered.');
      lines.push('# TYPE vafa_outbox_pending_events gauge');
      lines.push(`vafa_outbox_pending_events ${pending}`);
      lines.push('# HELP vafa_outbox_oldest_pending_age_seconds Age of the oldest undelivered outbox event.');
      lines.push('# TYPE vafa_outbox_oldest_pending_age_seconds gauge');
      lines.push(`vafa_outbox_oldest_pending_age_seconds ${oldestS}`);
      lines.push('# HELP vafa_job_runs_total Background job runs, by result.');
      lines.push('# TYPE vafa_job_runs_total counter');
      for (const [k, n] of jobRuns) {
        const [job, result] = JSON.parse(k) as string[];
        lines.push(`vafa_job_runs_total${labels({ job: job!, result: result! })} ${n}`);
      }
      lines.push('# HELP vafa_job_duration_seconds Background job run time.');
      lines.push('# TYPE vafa_job_duration_seconds histogram');
      for (const [job, h] of jobDurations)
        lines.push(...histogramLines('vafa_job_duration_seconds', { job }, h));
      lines.push('# HELP vafa_job_last_success_timestamp_seconds When the job last finished without error.');
      lines.push('# TYPE vafa_job_last_success_timestamp_seconds gauge');
      for (const [job, at] of jobLastSuccessS)
        lines.push(`vafa_job_last_success_timestamp_seconds${labels({ job })} ${at}`);
      lines.push('# HELP vafa_http_requests_in_flight Requests received and not yet answered.');
      lines.push('# TYPE vafa_http_requests_in_flight gauge');
      // This scrape is one of them.
      lines.push(`vafa_http_requests_in_flight ${Math.max(0, inFlight - 1)}`);
      lines.push('# HELP vafa_database_up Whether the database answered a trivial query within a second.');
      lines.push('# TYPE vafa_database_up gauge');
      lines.push(`vafa_database_up ${(await ctx.db.ping(1000)) ? 1 : 0}`);
      lines.push('# HELP vafa_process_start_time_seconds When the process started, in Unix seconds.');
      lines.push('# TYPE vafa_process_start_time_seconds gauge');
      lines.push(`vafa_process_start_time_seconds ${PROCESS_START_S}`);
      lines.push('# HELP vafa_process_resident_memory_bytes Resident set size of the process.');
      lines.push('# TYPE vafa_process_resident_memory_bytes gauge');
      lines.push(`vafa_process_resident_memory_bytes ${process.memoryUsage().rss}`);
      return `${lines.join('\n')}\n`;
    },
  };

  const expected = opts.token ? Buffer.from(`Bearer ${opts.token}`) : null;
  app.get('/metrics', {
    schema: {
      tags: ['system'],
      summary: 'Prometheus metrics: request rates and latencies, outbox lag, job durations',
      response: { 200: z.string().describe('Prometheus text exposition format 0.0.4.') },
    },
    handler: async (req, reply) => {
      if (expected) {
        const given = Buffer.from(String(req.headers.authorization ?? ''));
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
          return sendProblem(
            reply,
            problem(req, 'unauthenticated', 'Send Authorization: Bearer <metrics token>.'),
          );
      }
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send((await metrics.render()) as never);
    },
  });
  return metrics;
}
