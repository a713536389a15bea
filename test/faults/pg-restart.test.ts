import { describe, expect, it } from 'vitest';
import { runPgRestartFault } from './pg-restart-load.js';
import { findPgBin } from './pg-server.js';

/**
 * PostgreSQL stopped twice under a load of orders (`-m fast`, then `-m immediate`) and started again,
 * while the same `vafa serve` process keeps running: see pg-restart-load.ts for what is checked;
 * bench/faults.ts runs it with more orders. Needs the PostgreSQL server binaries (initdb, pg_ctl).
 */
const PG_BIN = findPgBin();
if (!PG_BIN)
  process.stderr.write(
    '\n[pg-restart] SKIPPED: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin ' +
      '(apt-get install postgresql); the PostgreSQL restart fault was NOT tested.\n\n',
  );

describe.skipIf(!PG_BIN)('orders while PostgreSQL restarts under vafa serve', () => {
  it('reports unhealthy while it is down, recovers by itself, loses nothing', {
    timeout: 90_000,
  }, async () => {
    const r = await runPgRestartFault({
      pgBin: PG_BIN!,
      members: 12,
      orders: 300,
      clients: 6,
      outages: [
        { mode: 'fast', downMs: 1500 },
        { mode: 'immediate', downMs: 1500 },
      ],
      requestTimeoutMs: 3000,
      duplicateShare: 0.1,
      log: (l) => process.stdout.write(`[pg-restart] ${l}\n`),
    });
    process.stdout.write(
      `[pg-restart] ${r.acknowledged} orders acknowledged, ${r.attempts} attempts (${r.retries} retries), ` +
        `answers ${JSON.stringify(r.answers)}, outages ${JSON.stringify(r.outages)}, ` +
        `${r.delivered} events delivered (${r.redelivered} twice), ${r.seconds.toFixed(1)} s; audit: ${r.auditSummary}\n`,
    );
    expect(r.problems).toEqual([]);
    expect(r.acknowledged).toBe(300);
    expect(r.outages.map((o) => o.mode)).toEqual(['fast', 'immediate']);
    // The outages happened mid-load: some orders before each, some after.
    for (const o of r.outages) expect(o.ackedAtStop).toBeGreaterThan(0);
    expect(r.retries).toBeGreaterThan(0);
  });
});
