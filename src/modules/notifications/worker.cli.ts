import type { Command } from 'commander';
import pino from 'pino';
import { createServices } from '../../app.js';
import { loadConfig } from '../../config.js';
import { openDb } from '../../db/db.js';
import { migrate } from '../../db/migrations.js';
import type { AppContext } from '../../http/types.js';
import { startScheduler } from '../../jobs/scheduler.js';
import { MODULES, moduleMigrations, type VafaModule } from '../registry.js';
import { webhookDeliveryJob, webhooksModule } from '../webhooks/index.js';
import { notificationJobs, notificationsModule } from './index.js';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
    return n;
  };
}

/**
 * `vafa worker`: the outbox dispatcher, webhook deliveries and member messages without the HTTP API.
 * On PostgreSQL any number of workers (and `vafa serve`, which runs the same jobs) share the work;
 * the embedded database can be opened by one process only, so there it replaces `serve`'s jobs.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Deliver outbox events alone: webhooks and member messages, with retries')
    .option(
      '--timeout-ms <ms>',
      'one webhook or provider call longer than this fails',
      positiveInt('--timeout-ms'),
    )
    .option(
      '--lease-ms <ms>',
      'a delivery claimed by a worker that died is retried after this',
      positiveInt('--lease-ms'),
    )
    .option('--messages-dir <dir>', 'where the development (log) provider writes messages.jsonl')
    .action(async (opts: { timeoutMs?: number; leaseMs?: number; messagesDir?: string }) => {
      const config = loadConfig();
      const log = pino({ level: config.LOG_LEVEL, redact: ['*.mobile', '*.email', '*.secret', '*.apiKey'] });
      const db = await openDb({
        databaseUrl: config.DATABASE_URL,
        dataDir: config.dataDir,
        poolMax: Math.min(config.VAFA_DB_POOL_MAX, 10),
        lockInfo: { command: 'worker' },
      });
      // The worker's own modules are migrated even before they are in the registry.
      const modules: VafaModule[] = [...MODULES];
      for (const m of [webhooksModule, notificationsModule]) {
        if (!modules.some((x) => x.name === m.name)) modules.push(m);
      }
      await migrate(db, moduleMigrations(modules));
      const clock = () => new Date();
      const ctx: AppContext = { db, services: createServices(db, clock), clock };
      const timing = {
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
      };
      const jobs = [
        ...notificationJobs(ctx, {
          notifications: { ...timing, messageLogDir: opts.messagesDir ?? config.dataDir },
          webhooks: timing,
        }),
        webhookDeliveryJob(ctx, timing),
      ];
      const scheduler = startScheduler(jobs, log);
      log.info({ jobs: jobs.map((j) => j.id), pid: process.pid }, 'vafa worker started');
      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        log.info({ signal }, 'worker stopping: finishing the running rounds');
        await scheduler.stop();
        await db.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
