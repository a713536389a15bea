/**
 * The crash fault at bench size: more orders, clients and SIGKILLs of `vafa serve` than the CI test
 * (test/faults/crash.test.ts), on PGlite and, with --postgres URL (or VAFA_TEST_DATABASE_URL), on
 * PostgreSQL. Prints what the clients saw and whether the store agrees; exits 1 on any difference.
 *
 *   npx tsx bench/faults.ts [--orders 3000] [--clients 16] [--kills 10] [--members 200] [--postgres URL]
 */
import { runCrashFault } from '../test/faults/crash-load.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const orders = Number(arg('orders', '3000'));
const clients = Number(arg('clients', '16'));
const kills = Number(arg('kills', '10'));
const members = Number(arg('members', '200'));
const postgres = arg('postgres', process.env.VAFA_TEST_DATABASE_URL ?? '');
const targets: Array<{ name: string; url: string | undefined }> = [
  { name: 'pglite', url: undefined },
  ...(postgres ? [{ name: 'postgres', url: postgres }] : []),
];

let failed = false;
for (const t of targets) {
  process.stdout.write(
    `\n== ${t.name}: ${orders} orders, ${clients} clients, ${kills} SIGKILLs, ${members} members\n`,
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
    log: (l) => process.stdout.write(`  ${l}\n`),
  });
  process.stdout.write(
    `  acknowledged ${r.acknowledged}, attempts ${r.attempts} (${r.retries} retries), resent ${r.duplicatesSent}, ` +
      `kills ${r.kills}, restart to healthy ${r.restartsMs.join('/')} ms, ${r.seconds.toFixed(1)} s\n` +
      `  audit (exit ${r.auditExit}): ${r.auditOutput.replace(/\n/g, ' | ')}\n` +
      `  ${r.problems.length === 0 ? 'OK: every acknowledged order once, balances = model, outbox complete' : `${r.problems.length} PROBLEMS:`}\n`,
  );
  for (const p of r.problems.slice(0, 50)) process.stdout.write(`    ${p}\n`);
  if (r.problems.length) failed = true;
}
process.exit(failed ? 1 : 0);
