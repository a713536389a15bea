import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Db, openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import type { Metrics } from '../../src/http/metrics.js';
import type { TApp } from '../../src/http/types.js';
import { startScheduler } from '../../src/jobs/scheduler.js';
import { moduleMigrations } from '../../src/modules/registry.js';
import { BACKENDS, freshPostgresDatabase } from '../helpers.js';

/** One sample's value from the exposition text, by its full series name with labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * What an operator alerts on, beyond request counts (test/security/metrics.test.ts): requests in flight,
 * the database being up, the real scheduler feeding job runs, durations and last success. The database
 * going down under a running server is test/faults/pg-restart.test.ts.
 */
describe.each(BACKENDS)('GET /metrics for operations ($name)', ({ url }) => {
  let db: Db;
  let app: TApp;
  let metrics: Metrics;
  let drop: (() => Promise<void>) | undefined;
  let release: () => void = () => {};
  const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;

  beforeAll(async () => {
    const fresh = url ? await freshPostgresDatabase(url) : undefined;
    drop = fresh?.drop;
    db = await openDb({ databaseUrl: fresh?.url, dataDir: null, poolMax: 4 });
    await migrate(db, moduleMigrations());
    const built = await buildApp({ db });
    app = built.app;
    metrics = built.metrics;
    // A request the test holds open, to see it in flight.
    app.get('/test/held', async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return { ok: true };
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await drop?.();
  });

  it('counts requests in flight, the scrape itself not included', async () => {
    expect(sample(await scrape(), 'vafa_http_requests_in_flight')).toBe(0);
    const held = app.inject({ method: 'GET', url: '/test/held' });
    await new Promise((r) => setTimeout(r, 50));
    expect(sample(await scrape(), 'vafa_http_requests_in_flight')).toBe(1);
    release();
    expect((await held).statusCode).toBe(200);
    expect(sample(await scrape(), 'vafa_http_requests_in_flight')).toBe(0);
  });

  it('says the database is up, and when the process started', async () => {
    const text = await scrape();
    expect(sample(text, 'vafa_database_up')).toBe(1);
    const started = sample(text, 'vafa_process_start_time_seconds')!;
    expect(started).toBeLessThanOrEqual(Date.now() / 1000);
    expect(started).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 5);
  });

  it('is fed by the scheduler: runs by result, durations, and the last success', async () => {
    let calls = 0;
    const before = Date.now() / 1000;
    const scheduler = startScheduler(
      [
        {
          id: 'test-flaky',
          everyMs: 100,
          slowMs: 1000,
          handler: async () => {
            calls++;
            await new Promise((r) => setTimeout(r, 20));
            if (calls === 2) throw new Error('second run fails');
            return { calls };
          },
        },
      ],
      app.log,
      metrics.observeJob,
    );
    try {
      const until = Date.now() + 5000;
      while (calls < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await scheduler.stop();
    }
    const text = await scrape();
    const ok = sample(text, 'vafa_job_runs_total{job="test-flaky",result="ok"}')!;
    expect(ok).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'vafa_job_runs_total{job="test-flaky",result="error"}')).toBe(1);
    expect(sample(text, 'vafa_job_duration_seconds_count{job="test-flaky"}')).toBe(ok + 1);
    expect(sample(text, 'vafa_job_duration_seconds_sum{job="test-flaky"}')).toBeGreaterThanOrEqual(
      0.02 * (ok + 1) - 0.005,
    );
    const last = sample(text, 'vafa_job_last_success_timestamp_seconds{job="test-flaky"}')!;
    expect(last).toBeGreaterThanOrEqual(before);
    expect(last).toBeLessThanOrEqual(Date.now() / 1000);
  });
});
