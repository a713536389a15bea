import type { InjectOptions } from 'fastify';
import { buildApp } from '../src/app.js';
import { type Db, openDb } from '../src/db/db.js';
import { migrate } from '../src/db/migrations.js';
import type { AppContext, TApp } from '../src/http/types.js';
import { MODULES, moduleMigrations, type VafaModule } from '../src/modules/registry.js';

/** The integration suite runs on PGlite always, and on PostgreSQL too when VAFA_TEST_DATABASE_URL is set. */
export const BACKENDS: Array<{ name: 'pglite' | 'postgres'; url: string | undefined }> = [
  { name: 'pglite', url: undefined },
  ...(process.env.VAFA_TEST_DATABASE_URL
    ? [{ name: 'postgres' as const, url: process.env.VAFA_TEST_DATABASE_URL }]
    : []),
];

/** A clock tests can move forward (return windows are days long). */
export class TestClock {
  private offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
  advanceDays(days: number): void {
    this.offsetMs += days * 86_400_000;
  }
}

export interface TestEnv {
  db: Db;
  app: TApp;
  ctx: AppContext;
  clock: TestClock;
  newClub(name?: string): Promise<TestClub>;
  close(): Promise<void>;
}

export interface TestClub {
  clubId: string;
  key: string;
  /** Calls the API as this club; returns status, parsed JSON body and headers. */
  call<T = any>(
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Record<string, unknown> }>;
}

/**
 * A migrated database and an app over it. `modules` mounts feature modules (default: the registered
 * ones), so a module under construction can be tested before it is registered.
 */
export async function setupEnv(
  url: string | undefined,
  opts: { modules?: ReadonlyArray<VafaModule> } = {},
): Promise<TestEnv> {
  // A module listed twice (a test adding its module to MODULES once it is registered) is mounted once.
  const modules = [...new Map((opts.modules ?? MODULES).map((m) => [m.name, m])).values()];
  // On PostgreSQL each test file gets a database of its own: jobs that scan every club (the outbox
  // dispatcher, sweeps) then never queue behind another file's data, and files cannot disturb each other.
  const fresh = url ? await freshPostgresDatabase(url) : null;
  const db = await openDb({ databaseUrl: fresh?.url, dataDir: null, poolMax: 10 });
  await migrate(db, moduleMigrations(modules));
  const clock = new TestClock();
  const { app, ctx } = await buildApp({ db, clock: clock.now, modules });
  await app.ready();
  return {
    db,
    app,
    ctx,
    clock,
    async newClub(name = 'Test club') {
      const { club, apiKey } = await ctx.services.clubs.createClub(name);
      return {
        clubId: club.id,
        key: apiKey,
        async call(method, path, body, headers = {}) {
          const res = await app.inject({
            method,
            url: path,
            headers: { authorization: `Bearer ${apiKey}`, ...headers },
            ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
          });
          let parsed: any = null;
          try {
            parsed = res.body ? JSON.parse(res.body) : null;
          } catch {
            parsed = res.body;
          }
          return { status: res.statusCode, body: parsed, headers: res.headers };
        },
      };
    },
    async close() {
      await app.close();
      await db.close();
      await fresh?.drop();
    },
  };
}

/** Sum over every account of the club (cached member balances + derived club accounts): must be 0. */
export async function ledgerTotal(env: TestEnv, clubId: string): Promise<number> {
  const audit = await env.ctx.services.points.audit(clubId);
  if (audit.mismatches.length > 0)
    throw new Error(`ledger cache mismatch: ${JSON.stringify(audit.mismatches)}`);
  return audit.total;
}

/**
 * A new, empty database on the same PostgreSQL server, for tests whose workers scan every club (the
 * outbox dispatcher, sweeps): in the shared test database they would queue behind other files' data.
 */
export async function freshPostgresDatabase(
  baseUrl: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  const name = `vafa_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new URL(baseUrl);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
