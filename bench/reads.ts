/**
 * CPU per checkout read on PostgreSQL, the figure docs/scaling.md needs for its read load: the balance
 * (`GET /v1/members/:id/points`), the redemption quote (`POST …/redemptions/quote`) and the tier
 * benefits (`GET …/benefits`), each a member chosen at random from a club with a history.
 *
 * The server runs in this process (`buildApp`, requests through `app.inject`, so HTTP parsing and the
 * socket are not counted: add the ingest bench's difference, a few tens of µs) against a PostgreSQL
 * server of its own (initdb in a temporary directory, Debian's binaries), so the CPU of every
 * PostgreSQL process can be read from /proc and belongs to this bench alone, whatever else the machine
 * runs. Prints requests/s, p50/p99 and CPU per request (Node, PostgreSQL).
 *
 *   npx tsx bench/reads.ts [--members 5000] [--orders 25000] [--requests 4000] [--concurrency 16]
 */
import fs from 'node:fs';
import type { InjectOptions } from 'fastify';
import { buildApp } from '../src/app.js';
import { openDb } from '../src/db/db.js';
import { migrate } from '../src/db/migrations.js';
import { moduleMigrations } from '../src/modules/registry.js';
import { DEMO_TIERS } from '../src/modules/tiers/index.js';
import { rng } from '../test/faults/load.js';
import { findPgBin, PrivatePostgres } from '../test/faults/pg-server.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}
const MEMBERS = arg('members', 5000);
const ORDERS = arg('orders', 25_000);
const REQUESTS = arg('requests', 4000);
const CONCURRENCY = arg('concurrency', 16);
const TICKS = 100; // USER_HZ on Linux

/**
 * CPU seconds of the server's backends for the bench's database (`postgres: postgres vafa_reads …`), from
 * /proc: the work the requests caused. Background processes (autovacuum, checkpointer, WAL writer) are
 * left out; the load is vacuumed and checkpointed before measuring so they have little left to do.
 */
function postgresCpuS(dataDir: string): number {
  const postmaster = Number(fs.readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (ppid !== postmaster) continue;
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('vafa_reads')) continue;
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks / TICKS;
}

const bin = findPgBin();
if (!bin) {
  process.stderr.write('bench/reads.ts needs the PostgreSQL server binaries (apt-get install postgresql)\n');
  process.exit(1);
}
const pg = await PrivatePostgres.create(bin);
try {
  const url = await pg.createDatabase('vafa_reads');
  const db = await openDb({ databaseUrl: url, poolMax: 20 });
  await migrate(db, moduleMigrations());
  const { app, ctx } = await buildApp({ db });
  await app.ready();
  const { services } = ctx;
  const { club, apiKey } = await services.clubs.createClub('Reads bench');
  await services.tiers.replaceTiers(club.id, DEMO_TIERS);
  const random = rng(7);
  const ids = Array.from({ length: MEMBERS }, (_, i) => `R-${i}`);
  for (let i = 0; i < ids.length; i += 1000)
    await db.transaction((tx) =>
      services.members.createMembersBulk(
        tx,
        club.id,
        ids.slice(i, i + 1000).map((externalId) => ({
          externalId,
          firstName: 'عضو',
          lastName: null,
          mobile: null,
          email: null,
          city: null,
          province: null,
          birthDate: null,
          gender: null,
          consentSms: true,
          consentEmail: false,
        })),
      ),
    );
  for (let i = 0; i < ORDERS; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, ORDERS - i) }, (_, j) => {
      const total = (1 + Math.floor(random() * 400)) * 25_000;
      return {
        externalId: `RO-${i + j}`,
        memberExternalId: ids[Math.floor(random() * ids.length)]!,
        placedAt: new Date(Date.now() - random() * 300 * 86_400_000).toISOString(),
        totalRials: total,
        status: 'delivered' as const,
        lines: [{ sku: `S-${j % 50}`, category: 'کتاب', quantity: 1, unitPriceRials: total }],
      };
    });
    await services.orders.createOrders(club.id, batch as never);
  }
  await db.exec('vacuum analyze');
  await db.exec('checkpoint');
  process.stdout.write(
    `club with ${MEMBERS} members and ${ORDERS} orders on a private PostgreSQL (${bin}); ` +
      `${REQUESTS} requests per read, ${CONCURRENCY} at a time\n\n`,
  );

  const headers = { authorization: `Bearer ${apiKey}` };
  const reads: Array<{ name: string; call: (id: string) => InjectOptions }> = [
    {
      name: 'GET points (balance)',
      call: (id) => ({ method: 'GET', url: `/v1/members/${id}/points`, headers }),
    },
    {
      name: 'POST redemptions/quote',
      call: (id) => ({
        method: 'POST',
        url: `/v1/members/${id}/redemptions/quote`,
        headers,
        payload: { cartTotalRials: 12_000_000 },
      }),
    },
    {
      name: 'GET benefits (tier)',
      call: (id) => ({ method: 'GET', url: `/v1/members/${id}/benefits`, headers }),
    },
  ];
  const rows: string[] = [
    '| read | requests/s | p50 ms | p99 ms | CPU per request: Node µs | PostgreSQL µs | total µs |',
    '| ---- | ---------: | -----: | -----: | -----------------------: | ------------: | -------: |',
  ];
  for (const r of reads) {
    // Warm-up: plans, caches, JIT.
    for (let i = 0; i < 200; i++) await app.inject(r.call(ids[i % ids.length]!));
    const lat: number[] = [];
    const cpu0 = process.cpuUsage();
    const pg0 = postgresCpuS(pg.dataDir);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          next++;
          const s = performance.now();
          const res = await app.inject(r.call(ids[Math.floor(random() * ids.length)]!));
          lat.push(performance.now() - s);
          if (res.statusCode !== 200)
            throw new Error(`${r.name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }),
    );
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const nodeUs = (cpu.user + cpu.system) / REQUESTS;
    const pgUs = ((postgresCpuS(pg.dataDir) - pg0) * 1e6) / REQUESTS;
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
    rows.push(
      `| ${r.name} | ${Math.round(REQUESTS / wallS)} | ${q(0.5)} | ${q(0.99)} | ${Math.round(nodeUs)} | ` +
        `${Math.round(pgUs)} | ${Math.round(nodeUs + pgUs)} |`,
    );
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  await app.close();
  await db.close();
} finally {
  await pg.destroy();
}
