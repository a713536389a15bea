import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Db, openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import type { Metrics } from '../../src/http/metrics.js';
import type { TApp } from '../../src/http/types.js';
import { moduleMigrations } from '../../src/modules/registry.js';

/** One sample's value from the exposition text, by its full series name with labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let db: Db;
  let app: TApp;
  let metrics: Metrics;
  let key: string;

  beforeAll(async () => {
    db = await openDb({ dataDir: null });
    await migrate(db, moduleMigrations());
    const built = await buildApp({ db });
    metrics = built.metrics;
    app = built.app;
    await app.ready();
    key = (await built.ctx.services.clubs.createClub('Metrics')).apiKey;
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  it('counts requests by route template and status, with a latency histogram', async () => {
    const h = { authorization: `Bearer ${key}` };
    await app.inject({ method: 'PUT', url: '/v1/members/MX-1', headers: h, payload: { firstName: 'سارا' } });
    for (const id of ['MX-1', 'MX-1', 'nobody'])
      await app.inject({ method: 'GET', url: `/v1/members/${id}`, headers: h });
    await app.inject({ method: 'GET', url: '/nowhere' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    const route = 'route="/v1/members/:externalId"';
    expect(sample(text, `vafa_http_requests_total{method="GET",${route},status="200"}`)).toBe(2);
    expect(sample(text, `vafa_http_requests_total{method="GET",${route},status="404"}`)).toBe(1);
    expect(sample(text, `vafa_http_requests_total{method="PUT",${route},status="201"}`)).toBe(1);
    expect(sample(text, 'vafa_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    // No raw id becomes a label.
    expect(text).not.toContain('MX-1');
    expect(sample(text, `vafa_http_request_duration_seconds_count{method="GET",${route}}`)).toBe(3);
    expect(sample(text, `vafa_http_request_duration_seconds_bucket{method="GET",${route},le="+Inf"}`)).toBe(
      3,
    );
    expect(text).toMatch(/# TYPE vafa_http_request_duration_seconds histogram/);
  });

  it('reports the outbox lag: pending events and the age of the oldest', async () => {
    await db.query(
      `update outbox_events set created_at = now() - interval '90 seconds' where status = 'pending'`,
    );
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from outbox_events where status = 'pending'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'vafa_outbox_pending_events')).toBe(rows[0]!.n);
    expect(sample(text, 'vafa_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(89);
  });

  it('reports job runs and durations fed by the scheduler', async () => {
    metrics.observeJob('outbox-dispatch', 120, true);
    metrics.observeJob('outbox-dispatch', 30, false);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(text, 'vafa_job_runs_total{job="outbox-dispatch",result="ok"}')).toBe(1);
    expect(sample(text, 'vafa_job_runs_total{job="outbox-dispatch",result="error"}')).toBe(1);
    expect(sample(text, 'vafa_job_duration_seconds_bucket{job="outbox-dispatch",le="0.1"}')).toBe(1);
    expect(sample(text, 'vafa_job_duration_seconds_sum{job="outbox-dispatch"}')).toBeCloseTo(0.15);
  });

  it('asks for the token when one is configured', async () => {
    const built = await buildApp({ db, metricsToken: 'scrape-secret' });
    try {
      const anon = await built.app.inject({ method: 'GET', url: '/metrics' });
      expect(anon.statusCode).toBe(401);
      expect(anon.headers['content-type']).toMatch(/^application\/problem\+json/);
      const ok = await built.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer scrape-secret' },
      });
      expect(ok.statusCode).toBe(200);
    } finally {
      await built.app.close();
    }
  });
});
