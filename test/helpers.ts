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
  const modules = opts.modules ?? MODULES;
  const db = await openDb({ databaseUrl: url, dataDir: null, poolMax: 10 });
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
