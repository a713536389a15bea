import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowed, STAFF_ROLES, staffOf, type TStaffRole } from '../../src/modules/staff/index.js';
import { BACKENDS, setupEnv, type TestClub, type TestEnv } from '../helpers.js';
import { listRoutes, routeKey } from './routes.js';

/**
 * Roles, generated from the route table: every /v1 route is called by a signed-in user of every staff
 * role. A route the role table refuses must answer 403 `forbidden` before anything runs; a route it
 * allows must not. A new route is covered the day it is registered (and, matching no row of the table,
 * is the owner's alone until someone decides otherwise).
 */
describe.each(BACKENDS)('staff roles over every route on $name', ({ url }) => {
  let env: TestEnv;
  let club: TestClub;
  const sessions = new Map<TStaffRole, { cookie: string; csrf: string }>();

  beforeAll(async () => {
    env = await setupEnv(url);
    club = await env.newClub('Roles');
    for (const role of STAFF_ROLES) {
      const email = `${role}-${club.clubId}@example.com`;
      await staffOf(env.ctx).createUser({ clubId: club.clubId, email, role, password: 'long password 1' });
      const res = await env.app.inject({
        method: 'POST',
        url: '/admin/api/session',
        payload: { email, password: 'long password 1' },
      });
      sessions.set(role, {
        cookie: String(res.headers['set-cookie']).split(';')[0]!,
        csrf: res.json().csrfToken,
      });
    }
  });
  afterAll(() => env?.close());

  it('refuses each role exactly the routes the role table keeps from it', async () => {
    const routes = listRoutes(env.app).filter((r) => r.path.startsWith('/v1/'));
    expect(routes.length).toBeGreaterThan(100);
    const failures: string[] = [];
    let refusals = 0;
    // Owners last: their allowed writes may change the club, which must not decide another role's answer.
    for (const role of [...STAFF_ROLES].reverse()) {
      const s = sessions.get(role)!;
      for (const r of routes) {
        const path = r.path.replace(/:(\w+)/g, 'roles-x');
        const res = await env.app.inject({
          method: r.method as 'GET',
          url: path,
          headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
          ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }),
        });
        const code = res.headers['content-type']?.toString().includes('json') ? res.json()?.code : undefined;
        const refused = res.statusCode === 403 && code === 'forbidden';
        const allowed = isAllowed(role, r.method, r.path);
        if (allowed && refused) failures.push(`${role} ${routeKey(r)}: refused, but the table allows it`);
        if (!allowed && !refused)
          failures.push(
            `${role} ${routeKey(r)}: answered ${res.statusCode} ${res.body.slice(0, 120)}, expected 403`,
          );
        if (refused) refusals++;
      }
    }
    expect(failures).toEqual([]);
    expect(refusals).toBeGreaterThan(100);
  });

  it('keeps the role table’s promises: analysts read only, secrets and the audit log are the owner’s', () => {
    const routes = listRoutes(env.app).filter((r) => r.path.startsWith('/v1/'));
    const dryRun = /\/(simulate|preview)$/;
    // The one write an analyst makes: recomputing the insights snapshot (changes no member's data).
    const analystWrite = /^\/v1\/insights\/runs$/;
    for (const r of routes) {
      const isRead = r.method === 'GET';
      if (analystWrite.test(r.path)) expect(isAllowed('analyst', r.method, r.path), routeKey(r)).toBe(true);
      else if (!isRead && !dryRun.test(r.path))
        expect(isAllowed('analyst', r.method, r.path), routeKey(r)).toBe(false);
      if (/^\/v1\/(api-keys|webhooks|integrations|outbox|audit-log)(\/|$)/.test(r.path))
        for (const role of ['marketer', 'support', 'analyst'] as const)
          expect(isAllowed(role, r.method, r.path), `${role} ${routeKey(r)}`).toBe(false);
      if (/\/(export|erase)$/.test(r.path)) {
        expect(isAllowed('support', r.method, r.path)).toBe(true);
        expect(isAllowed('marketer', r.method, r.path)).toBe(false);
        expect(isAllowed('analyst', r.method, r.path)).toBe(false);
      }
      expect(isAllowed('owner', r.method, r.path), routeKey(r)).toBe(true);
    }
  });
});
