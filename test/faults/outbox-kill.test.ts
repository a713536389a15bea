import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { openDb } from '../../src/db/db.js';
import { migrate } from '../../src/db/migrations.js';
import { notificationsModule } from '../../src/modules/notifications/index.js';
import { MODULES, moduleMigrations } from '../../src/modules/registry.js';
import { WebhooksService, webhooksModule } from '../../src/modules/webhooks/index.js';
import { freshPostgresDatabase } from '../helpers.js';

/** The registered modules (core now relies on some, e.g. tiers) plus these two, once each. */
const MY_MODULES = [
  ...MODULES.filter((m) => m.name !== 'webhooks' && m.name !== 'notifications'),
  webhooksModule,
  notificationsModule,
];

/**
 * `vafa worker` is SIGKILLed while it delivers webhooks, then started again: every event must reach
 * the receiver, and an event may arrive twice only if it was in flight when the worker died (the
 * documented window between the receiver's answer and the worker recording it).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const EVENTS = 30;
const CONCURRENCY = 8; // the worker's default webhook concurrency: the most requests in flight at a kill

const TARGETS: Array<{ name: string; url: string | undefined }> = [
  { name: 'pglite data directory', url: undefined },
  ...(process.env.VAFA_TEST_DATABASE_URL
    ? [{ name: 'postgres', url: process.env.VAFA_TEST_DATABASE_URL }]
    : []),
];

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const script = `
    import { Command } from 'commander';
    import { registerWorkerCommand } from './src/modules/notifications/worker.cli.ts';
    const program = new Command();
    registerWorkerCommand(program);
    await program.parseAsync(['node', 'vafa', 'worker', '--timeout-ms', '2000', '--lease-ms', '3000']);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[worker ${child.pid}] ${d}`));
  return child;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(TARGETS)('outbox delivery across a worker kill ($name)', ({ url: baseUrl }) => {
  let url = baseUrl;
  let dropDatabase: (() => Promise<void>) | null = null;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-kill-'));
  const children: ChildProcess[] = [];
  const answered = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // A slow receiver, so the kill lands while requests are in flight.
      setTimeout(() => {
        const id = String(req.headers['webhook-id']);
        answered.set(id, (answered.get(id) ?? 0) + 1);
        res.end('ok');
      }, 150);
    });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await dropDatabase?.().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every pending event after a SIGKILL mid-delivery and a restart', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    if (baseUrl) {
      // The worker dispatches every club's events: a database of its own keeps other files' out of the way.
      const fresh = await freshPostgresDatabase(baseUrl);
      url = fresh.url;
      dropDatabase = fresh.drop;
    }
    const modules = MY_MODULES;

    // Seed: a club, a subscription to the local receiver, and EVENTS member.created events.
    const seed = await openDb({ databaseUrl: url, dataDir, poolMax: 4 });
    await migrate(seed, moduleMigrations(modules));
    const services = createServices(seed, () => new Date());
    const { club } = await services.clubs.createClub('Kill test');
    const webhooks = new WebhooksService(seed, () => new Date());
    await webhooks.updateSettings(club.id, true);
    const sub = await webhooks.createSubscription(club.id, {
      url: `http://127.0.0.1:${port}/hook`,
      eventTypes: ['member.created'],
    });
    for (let i = 0; i < EVENTS; i++)
      await services.members.upsertMember(club.id, `K-${i}`, { firstName: `M${i}` });
    const { rows: events } = await seed.query<{ event_id: string }>(
      `select event_id from outbox_events where club_id = $1 and type = 'member.created'`,
      [club.id],
    );
    expect(events).toHaveLength(EVENTS);
    await seed.close();

    const env = url ? { DATABASE_URL: url } : { VAFA_DATA_DIR: dataDir };
    const first = startWorker(env);
    children.push(first);
    await waitFor(() => answered.size >= 10, 40_000, 'the first deliveries');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = answered.size;
    expect(atKill).toBeLessThan(EVENTS); // killed mid-delivery, not after

    const second = startWorker(env);
    children.push(second);
    await waitFor(
      () => events.every((e) => answered.has(e.event_id)),
      45_000,
      'every event after the restart',
    );
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));

    const duplicates = [...answered.values()].filter((n) => n > 1).length;
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY);
    const check = await openDb({ databaseUrl: url, dataDir, poolMax: 2 });
    try {
      const { rows } = await check.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from webhook_deliveries where club_id = $1 and subscription_id = $2 group by status`,
        [club.id, sub.id],
      );
      expect(rows).toEqual([{ status: 'delivered', n: EVENTS }]);
      const { rows: outbox } = await check.query<{ status: string; n: number }>(
        'select status, count(*)::int as n from outbox_events where club_id = $1 group by status',
        [club.id],
      );
      expect(outbox).toEqual([{ status: 'dispatched', n: EVENTS }]);
    } finally {
      await check.close();
    }
    console.log(
      `kill test (${url ? 'postgres' : 'pglite'}): ${atKill} answered before the kill, ${duplicates} re-sent`,
    );
  });
});
