import { describe, expect, it } from 'vitest';
import { runCrashFault } from './crash-load.js';

/**
 * `vafa serve` SIGKILLed three times while clients send orders with retries, on PGlite (a data
 * directory) and, when VAFA_TEST_DATABASE_URL is set, PostgreSQL. See crash-load.ts for what is checked;
 * bench/faults.ts runs the same with more orders and kills.
 */
const TARGETS: Array<{ name: string; url: string | undefined }> = [
  { name: 'pglite data directory', url: undefined },
  ...(process.env.VAFA_TEST_DATABASE_URL
    ? [{ name: 'postgres', url: process.env.VAFA_TEST_DATABASE_URL }]
    : []),
];

describe.each(TARGETS)('orders across SIGKILLs of vafa serve ($name)', ({ url }) => {
  it('keeps every acknowledged order exactly once, balances equal to the model, the audit clean', {
    // PGlite restarts take 10-20 s each on a loaded 2-core machine (2-5 s when calm).
    timeout: 180_000,
  }, async () => {
    const report = await runCrashFault({
      databaseUrl: url,
      members: 12,
      orders: 240,
      clients: 6,
      kills: 3,
      killEveryMs: [0, 300],
      requestTimeoutMs: 2000,
      duplicateShare: 0.1,
      log: (l) => process.stdout.write(`[crash] ${l}\n`),
    });
    process.stdout.write(
      `[crash] ${report.acknowledged} orders acknowledged, ${report.attempts} attempts (${report.retries} retries), ` +
        `${report.duplicatesSent} resent, ${report.kills} kills, restarts ${report.restartsMs.join('/')} ms, ` +
        `${report.seconds.toFixed(1)} s; audit: ${report.auditOutput.replace(/\n/g, ' | ')}\n`,
    );
    expect(report.problems).toEqual([]);
    expect(report.kills).toBe(3);
    expect(report.acknowledged).toBe(240);
    expect(report.auditExit).toBe(0);
  });
});
