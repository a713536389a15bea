import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditClub, formatAuditReport } from '../../src/cli/audit.js';
import { loadDemoClub } from '../../src/cli/demo-loader.js';
import { BACKENDS, setupEnv, type TestEnv } from '../helpers.js';

/**
 * The demo club (a smaller one than `vafa demo` loads, same generator and seeding) is loaded through the
 * services as any club is: the auditor must find nothing in it — ledger, tiers or campaigns.
 */
describe.each(BACKENDS)('vafa audit on the demo club ($name)', ({ url }) => {
  let env: TestEnv;
  let clubId = '';
  beforeAll(async () => {
    env = await setupEnv(url);
    ({ clubId } = await loadDemoClub(env.db, { members: 400, orders: 4000 }));
  }, 180_000);
  afterAll(async () => {
    await env?.close();
  });

  it('finds nothing', async () => {
    const r = await auditClub(env.db, clubId);
    process.stdout.write(`[audit demo] ${formatAuditReport(r)}`);
    expect(r.differences).toBe(0);
    expect(r.ok).toBe(true);
    expect(r.tiers.hasTiers).toBe(true);
    expect(r.tiers.members).toBeGreaterThanOrEqual(400); // referrals seed a few members more
    expect(r.campaigns.campaigns).toBeGreaterThan(0);
    expect(r.campaigns.grants).toBeGreaterThan(0);
  });
});
