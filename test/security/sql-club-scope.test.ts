import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Db, openDb, type Queryable, type QueryResult } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import type { TApp } from '../../src/http/types.js';
import { MODULES, moduleMigrations } from '../../src/modules/registry.js';
import { BACKENDS } from '../helpers.js';
import { listRoutes } from './routes.js';

/**
 * Every SQL statement the API issues while a representative flow runs must filter or insert by
 * club_id when it touches a club-scoped table: the guarantee that keeps tenants apart today, and the
 * precondition for distributing the tables by club_id on Citus tomorrow (docs/scaling.md).
 *
 * Allowed exceptions, each for a reason:
 * - `api_keys` looked up by the key's hash: authentication is how the club is found in the first place.
 * - `schema_migrations` and migrations: run once at start, not by requests.
 * - The outbox dispatcher's cross-club claim and the job loops over clubs run outside requests, so this
 *   flow records only what requests issue (jobs are not started).
 */
const ALLOWED: Array<{ pattern: RegExp; why: string }> = [
  {
    pattern: /\bfrom api_keys\b[\s\S]*\bkey_hash\s*=/i,
    why: 'authentication finds the club by the key hash',
  },
  {
    pattern: /\bupdate api_keys\b[\s\S]*\bwhere api_key_id\s*=\s*\$1\s*$/i,
    why: 'last-used stamp of the key just authenticated by hash',
  },
  { pattern: /\bschema_migrations\b/i, why: 'migrations' },
];

/** A Db that records every statement, as bench/lib/sql-timing.ts times them. */
class RecordingDb implements Db {
  readonly kind: Db['kind'];
  readonly statements: string[] = [];
  recording = false;
  constructor(private readonly inner: Db) {
    this.kind = inner.kind;
  }
  private wrap(q: Queryable): Queryable {
    return {
      query: <T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> => {
        if (this.recording) this.statements.push(sql);
        return q.query<T>(sql, params);
      },
    };
  }
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
    return this.wrap(this.inner).query<T>(sql, params);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(this.wrap(tx)));
  }
  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }
  ping(timeoutMs?: number): Promise<boolean> {
    return this.inner.ping(timeoutMs);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Table names a statement reads or writes (FROM, JOIN, INTO, UPDATE), outside string literals. */
function tablesOf(sql: string): string[] {
  const code = sql.replace(/'(?:[^']|'')*'/g, "''").replace(/--[^\n]*/g, '');
  return [...code.matchAll(/\b(?:from|join|into|update)\s+([a-z_][a-z0-9_]*)/gi)].map((m) =>
    m[1]!.toLowerCase(),
  );
}

/**
 * The statement constrains club_id: in a WHERE, AND, ON or USING condition, or in the column list of an
 * INSERT. A club_id only in the select list (`select club_id from api_keys where key_hash = $1`) does not
 * count.
 */
function isScoped(sql: string): boolean {
  return (
    /\b(?:where|and|on)\s+\(?\s*(?:\w+\.)?club_id\s*(?:=|in\b|is\b)/i.test(sql) ||
    /\(\s*(?:\w+\.)?club_id\s*,[^)]*\)\s*(?:=|in\b)/i.test(sql) ||
    /\busing\s*\([^)]*\bclub_id\b/i.test(sql) ||
    /\binsert into \w+\s*\([^)]*\bclub_id\b/i.test(sql)
  );
}

describe.each(BACKENDS)('SQL issued by the API is scoped by club_id on $name', ({ url }) => {
  let db: RecordingDb;
  let app: TApp;
  let key: string;
  let scoped: Set<string>;

  beforeAll(async () => {
    const inner = await openDb({ databaseUrl: url, dataDir: null, poolMax: 5 });
    await migrate(inner, moduleMigrations(MODULES));
    db = new RecordingDb(inner);
    const built = await buildApp({ db, modules: MODULES });
    app = built.app;
    await app.ready();
    key = (await built.ctx.services.clubs.createClub('SQL scope')).apiKey;
    const { rows } = await inner.query<{ table_name: string }>(
      `select distinct table_name from information_schema.columns
        where column_name = 'club_id' and table_schema = current_schema()`,
    );
    scoped = new Set(rows.map((r) => r.table_name));
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
  });

  async function call(method: string, path: string, body?: unknown): Promise<any> {
    const res = await app.inject({
      method: method as 'GET',
      url: path,
      headers: { authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    expect(res.statusCode, `${method} ${path}: ${res.body}`).toBeLessThan(300);
    return res.body ? JSON.parse(res.body) : null;
  }

  const unscoped = (unique: string[]) =>
    unique.filter((sql) => {
      const touched = tablesOf(sql).filter((t) => scoped.has(t));
      if (touched.length === 0) return false;
      if (isScoped(sql)) return false;
      return !ALLOWED.some((a) => a.pattern.test(sql));
    });

  it('filters or inserts by club_id in every statement on a club-scoped table', async () => {
    db.recording = true;
    const at = new Date(Date.now() - 3600_000).toISOString();
    await call('PATCH', '/v1/club', { name: 'باشگاه' });
    await call('PUT', '/v1/members/S-1', { firstName: 'سارا', mobile: '09121234567' });
    await call('PUT', '/v1/members/S-2', { firstName: 'علی' });
    await call('GET', '/v1/members?q=سارا');
    await call('GET', '/v1/members/S-1');
    await call('PUT', '/v1/tiers', {
      tiers: [{ key: 'silver', name: { fa: 'نقره‌ای', en: 'Silver' }, threshold: 1_000_000 }],
    });
    await call('PATCH', '/v1/tier-settings', { measure: 'spend' });
    const rule = await call('POST', '/v1/rules', {
      kind: 'rate',
      name: 'پایه',
      priority: 1,
      config: { rialsPerPoint: 10_000 },
    });
    await call('PUT', `/v1/rules/${rule.id}`, {
      kind: 'rate',
      name: 'پایه ۲',
      priority: 1,
      config: { rialsPerPoint: 5000 },
    });
    await call('POST', '/v1/orders', {
      externalId: 'SO-1',
      memberExternalId: 'S-1',
      placedAt: at,
      totalRials: 2_000_000,
      status: 'paid',
      lines: [{ sku: 'BK-1', category: 'کتاب', quantity: 2, unitPriceRials: 1_000_000 }],
    });
    await call('POST', '/v1/orders/batch', {
      orders: [
        { externalId: 'SO-2', memberExternalId: 'S-2', placedAt: at, totalRials: 500_000, status: 'paid' },
      ],
    });
    await call('POST', '/v1/orders/simulate', { memberExternalId: 'S-1', totalRials: 100_000 });
    await call('POST', '/v1/orders/SO-1/status', { status: 'delivered' });
    await call('POST', '/v1/orders/SO-1/returns', {
      externalId: 'R-1',
      lines: [{ sku: 'BK-1', quantity: 1 }],
    });
    await call('GET', '/v1/orders/SO-1');
    await call('POST', '/v1/events', { memberExternalId: 'S-1', type: 'review.posted', externalId: 'EV-1' });
    await call('POST', '/v1/members/S-1/points/adjustments', { points: 500, reason: 'هدیه' });
    await call('GET', '/v1/members/S-1/points');
    await call('GET', '/v1/members/S-1/ledger');
    await call('POST', '/v1/members/S-1/redemptions/quote', { cartTotalRials: 1_000_000 });
    const r1 = await call('POST', '/v1/members/S-1/redemptions', { points: 10, orderExternalId: 'SO-9' });
    await call('POST', `/v1/members/S-1/redemptions/${r1.id}/commit`);
    const r2 = await call('POST', '/v1/members/S-1/redemptions', { points: 10, orderExternalId: 'SO-10' });
    await call('POST', `/v1/members/S-1/redemptions/${r2.id}/void`);
    await call('GET', '/v1/members/S-1/tier');
    await call('GET', '/v1/members/S-1/benefits');
    await call('PUT', '/v1/products/BK-1', { titleFa: 'کتاب' });
    await call('POST', '/v1/prices', { sku: 'BK-1', priceRials: 1_000_000, at });
    await call('GET', '/v1/products/BK-1/price-history');
    await call('PUT', '/v1/members/S-1/watches/BK-1', { targetPriceRials: 900_000 });
    await call('GET', '/v1/members/S-1/watches');
    await call('PATCH', '/v1/webhooks/settings', { allowPrivateUrls: true });
    const sub = await call('POST', '/v1/webhooks/subscriptions', {
      url: 'http://127.0.0.1:9/h',
      eventTypes: ['*'],
    });
    await call('GET', `/v1/webhooks/subscriptions/${sub.id}`);
    await call('GET', '/v1/webhooks/deliveries');
    await call('PUT', '/v1/notifications/templates/points.earned/sms/fa', { body: 'سلام {{firstName}}' });
    await call('GET', '/v1/notifications/messages');
    await call('GET', '/v1/outbox');
    await call('DELETE', `/v1/rules/${rule.id}`);
    // The audit log (written around every configuration change above) and the privacy routes.
    await call('GET', '/v1/audit-log?resource=rules');
    await call('GET', '/v1/members/S-2/export');
    await call('POST', '/v1/members/S-2/erase');
    db.recording = false;

    const unique = [...new Set(db.statements.map((s) => s.replace(/\s+/g, ' ').trim()))];
    expect(unique.length).toBeGreaterThan(50);
    const offenders = unscoped(unique);
    const touching = unique.filter((sql) => tablesOf(sql).some((t) => scoped.has(t)));
    expect(touching.length).toBeGreaterThan(40);
    expect(
      offenders,
      'These statements touch a club-scoped table without naming club_id: add the club filter (or, for a ' +
        'deliberate cross-club statement, an entry with its reason in ALLOWED)',
    ).toEqual([]);
    process.stdout.write(
      `sql scope (${db.kind}): ${db.statements.length} statements, ${unique.length} distinct, all scoped\n`,
    );
  });

  it('scopes the statements of every /v1 route in the route table, a new one included', async () => {
    // Each route once, with ids of the club's own namespace that may or may not exist and an empty
    // body: the lookups every handler makes first are recorded whatever the answer.
    db.statements.length = 0;
    db.recording = true;
    const routes = listRoutes(app).filter((r) => r.path.startsWith('/v1/'));
    for (const r of routes) {
      const path = r.path.replace(/:(\w+)/g, (_, p: string) => (p === 'externalId' ? 'S-1' : `walk-${p}`));
      await app.inject({
        method: r.method as 'GET',
        url: path,
        headers: { authorization: `Bearer ${key}` },
        ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }),
      });
    }
    db.recording = false;
    const unique = [...new Set(db.statements.map((s) => s.replace(/\s+/g, ' ').trim()))];
    expect(routes.length).toBeGreaterThan(100);
    expect(unique.length).toBeGreaterThan(30);
    expect(
      unscoped(unique),
      'These statements touch a club-scoped table without naming club_id (see ALLOWED for exceptions)',
    ).toEqual([]);
    process.stdout.write(
      `sql scope route walk (${db.kind}): ${routes.length} routes, ${unique.length} distinct statements\n`,
    );
  });
});
