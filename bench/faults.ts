/**
 * The fault runs at bench size, more orders and faults than the CI tests in test/faults/:
 *
 * - `crash` (default): clients with retries while `vafa serve` is SIGKILLed and restarted, on PGlite and,
 *   with --postgres URL (or VAFA_TEST_DATABASE_URL), on PostgreSQL (crash.test.ts);
 * - `pg-restart`: a private PostgreSQL stopped (`-m fast`, then `-m immediate`, alternating) and started
 *   again under load while the same `vafa serve` keeps running (pg-restart.test.ts); needs initdb/pg_ctl.
 *
 * Prints what the clients saw and whether the store agrees, and `vafa audit`'s summary; exits 1 on any
 * difference.
 *
 *   npx tsx bench/faults.ts [--fault crash|pg-restart|all] [--orders 3000] [--clients 16] [--kills 10]
 *                           [--outages 6] [--down-ms 3000] [--members 200] [--postgres URL]
 */
import { runCrashFault } from '../test/faults/crash-load.js';
import { runPgRestartFault } from '../test/faults/pg-restart-load.js';
import { findPgBin } from '../test/faults/pg-server.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const fault = arg('fault', 'crash');
const orders = Number(arg('orders', '3000'));
const clients = Number(arg('clients', '16'));
const kills = Number(arg('kills', '10'));
const outages = Number(arg('outages', '6'));
const downMs = Number(arg('down-ms', '3000'));
const members = Number(arg('members', '200'));
const postgres = arg('postgres', process.env.VAFA_TEST_DATABASE_URL ?? '');
const say = (s: string) => process.stdout.write(s);

let failed = false;
if (fault === 'crash' || fault === 'all') {
  const targets: Array<{ name: string; url: string | undefined }> = [
    { name: 'pglite', url: undefined },
    ...(postgres ? [{ name: 'postgres', url: postgres }] : []),
  ];
  for (const t of targets) {
    say(
      `\n== crash, ${t.name}: ${orders} orders, ${clients} clients, ${kills} SIGKILLs, ${members} members\n`,
    );
    const r = await runCrashFault({
      databaseUrl: t.url,
      members,
      orders,
      clients,
      kills,
      killEveryMs: [0, 500],
      requestTimeoutMs: 3000,
      duplicateShare: 0.05,
      log: (l) => say(`  ${l}\n`),
    });
    say(
      `  acknowledged ${r.acknowledged}, attempts ${r.attempts} (${r.retries} retries), resent ${r.duplicatesSent}, ` +
        `kills ${r.kills}, restart to healthy ${r.restartsMs.join('/')} ms, ${r.seconds.toFixed(1)} s\n` +
        `  audit (exit ${r.auditExit}): ${r.auditOutput}\n` +
        `  ${r.problems.length === 0 ? 'OK: every acknowledged order once, balances = model, outbox complete, audit clean' : `${r.problems.length} PROBLEMS:`}\n`,
    );
    for (const p of r.problems.slice(0, 50)) say(`    ${p}\n`);
    if (r.problems.length) failed = true;
  }
}
if (fault === 'pg-restart' || fault === 'all') {
  const bin = findPgBin();
  if (!bin) {
    say('\n== pg-restart: no PostgreSQL server binaries (apt-get install postgresql)\n');
    failed = true;
  } else {
    say(
      `\n== pg-restart: ${orders} orders, ${clients} clients, ${outages} outages of ${downMs} ms, ${members} members\n`,
    );
    const r = await runPgRestartFault({
      pgBin: bin,
      members,
      orders,
      clients,
      outages: Array.from({ length: outages }, (_, i) => ({
        mode: i % 2 === 0 ? ('fast' as const) : ('immediate' as const),
        downMs,
      })),
      requestTimeoutMs: 3000,
      duplicateShare: 0.05,
      log: (l) => say(`  ${l}\n`),
    });
    say(
      `  acknowledged ${r.acknowledged}, attempts ${r.attempts} (${r.retries} retries), answers ${JSON.stringify(r.answers)}\n` +
        `  outages: ${r.outages.map((o) => `${o.mode} 503 after ${o.unhealthyAfterMs} ms, 200 ${o.healthyAfterMs} ms after start`).join('; ')}\n` +
        `  events delivered ${r.delivered} (${r.redelivered} twice, ${r.leaseLapsed} after a lease), ${r.seconds.toFixed(1)} s\n` +
        `  audit: ${r.auditSummary}\n` +
        `  ${r.problems.length === 0 ? 'OK: same process throughout, nothing lost, every event delivered, audit clean' : `${r.problems.length} PROBLEMS:`}\n`,
    );
    for (const p of r.problems.slice(0, 50)) say(`    ${p}\n`);
    if (r.problems.length) failed = true;
  }
}
process.exit(failed ? 1 : 0);
