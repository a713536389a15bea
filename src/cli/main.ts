#!/usr/bin/env node
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { buildApp, createServices } from '../app.js';
import { ConfigError, loadConfig, type TConfig } from '../config.js';
import { migrate } from '../db/migrations.js';
import { AppError } from '../errors.js';
import { rateLimitOptionsOf } from '../http/rate-limit.js';
import {
  pgliteAnalyzeJob,
  pointsLifecycleJobs,
  releaseMaturedPointsJob,
  startScheduler,
} from '../jobs/scheduler.js';
import { registerAnalyticsCommands } from '../modules/analytics/analytics.cli.js';
import { registerWorkerCommand } from '../modules/notifications/worker.cli.js';
import { importPrices } from '../modules/prices/index.js';
import { MODULES, moduleMigrations } from '../modules/registry.js';
import { registerAdminCommands } from '../modules/staff/staff.cli.js';
import { registerAuditCommand } from './audit.js';
import { describeDb, openConfiguredDb } from './context.js';
import { loadDemoClub } from './demo-loader.js';
import { type ImportReport, importMembers, importOrders } from './import.js';

/** The local demo's key and dashboard sign-in, kept beside the embedded data so each start can show them. */
const DEMO_FILE = 'demo.json';

const program = new Command();
program.name('vafa').description('Vafa (وفا): a customer club for online shops').showHelpAfterError();

program
  .command('serve')
  .description('Run the HTTP API (and the background jobs)')
  .option('--demo-if-empty', 'on an empty embedded database, load the demo club first')
  .action(async (opts: { demoIfEmpty?: boolean }) => {
    const config = loadConfig();
    const db = await openConfiguredDb(config, { url: `http://${config.HOST}:${config.PORT}` });
    let demo: {
      apiKey: string;
      staffEmail: string;
      staffPassword: string;
      portalMember?: { name: string; mobile: string } | null;
      tryThis?: string[];
    } | null = null;
    if (opts.demoIfEmpty && !config.DATABASE_URL) {
      const { rows } = await db.query<{ n: number }>('select count(*)::int as n from clubs');
      const demoFile = path.join(config.dataDir, DEMO_FILE);
      if (rows[0]!.n === 0) {
        process.stdout.write('Empty database: loading the demo club (5,000 members, 50,000 orders)…\n');
        const loaded = await loadDemoClub(db, {
          onProgress: (m) => process.stdout.isTTY && process.stdout.write(`\r  ${m}      `),
        });
        process.stdout.write(`\n  loaded in ${loaded.seconds.toFixed(1)} s\n`);
        // Only for the local demo: kept next to the embedded data so every `npm start` can show them.
        // Real keys and passwords are never written anywhere.
        fs.writeFileSync(
          demoFile,
          JSON.stringify({
            apiKey: loaded.apiKey,
            staffEmail: loaded.staff.email,
            staffPassword: loaded.staff.password,
            portalMember: loaded.portalMember,
            tryThis: loaded.tryThis,
          }),
          { mode: 0o600 },
        );
      }
      if (fs.existsSync(demoFile)) demo = JSON.parse(fs.readFileSync(demoFile, 'utf8'));
    }
    const { app, ctx, metrics } = await buildApp({
      metricsToken: config.VAFA_METRICS_TOKEN,
      rateLimit: rateLimitOptionsOf(config),
      db,
      bodyLimitBytes: config.VAFA_BODY_LIMIT_BYTES,
      logger: {
        level: config.LOG_LEVEL,
        // Keys and personal data stay out of logs.
        redact: ['req.headers.authorization', 'req.headers.cookie', '*.mobile', '*.email'],
      },
    });
    const scheduler = startScheduler(
      [
        releaseMaturedPointsJob(db, ctx.services),
        ...pointsLifecycleJobs(db, ctx.services),
        ...pgliteAnalyzeJob(db),
        ...MODULES.flatMap((m) => m.jobs?.(ctx) ?? []),
      ],
      app.log,
      metrics.observeJob,
    );
    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      await app.close();
      await scheduler.stop();
      await db.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
    await app.listen({ host: config.HOST, port: config.PORT });
    const address = app.server.address();
    const url = `http://${config.HOST}:${typeof address === 'object' && address ? address.port : config.PORT}`;
    const lines = [
      '',
      `Vafa is running on ${describeDb(config)}`,
      `  API:      ${url}/v1`,
      `  Docs:     ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
      `  Health:   ${url}/healthz`,
    ];
    lines.splice(3, 0, `  Dashboard: ${url}/admin`);
    if (demo) {
      lines.push(
        `  Demo sign-in: ${demo.staffEmail} / ${demo.staffPassword}`,
        ...(demo.portalMember
          ? [
              `  Portal:   ${url}/portal/  (sign in as ${demo.portalMember.name}, mobile ${demo.portalMember.mobile}; ` +
                'the one-time code is printed in this log by the development SMS provider)',
            ]
          : []),
        `  Demo key: ${demo.apiKey}`,
        `  Try:      curl -H 'Authorization: Bearer ${demo.apiKey}' ${url}/v1/members/C-00001/points`,
        ...(demo.tryThis ?? []).map((l) => `  Try:      ${url}${l}`),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  });

program
  .command('migrate')
  .description('Apply pending database migrations')
  .action(async () => {
    const config = loadConfig();
    const db = await openConfiguredDb(config, {}, { migrate: false });
    try {
      const { applied } = await migrate(db, moduleMigrations());
      process.stdout.write(
        applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n',
      );
    } finally {
      await db.close();
    }
  });

const club = program.command('club').description('Manage clubs');
club
  .command('create')
  .description('Create a club and its first API key (shown once)')
  .requiredOption('--name <name>', 'the club’s name')
  .option('--json', 'print JSON')
  .action(async (opts: { name: string; json?: boolean }) => {
    const db = await openConfiguredDb();
    try {
      const { club: created, apiKey } = await createServices(db, () => new Date()).clubs.createClub(
        opts.name,
      );
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ clubId: created.id, name: created.name, apiKey })}\n`);
      else
        process.stdout.write(
          `club id: ${created.id}\napi key: ${apiKey}\n(the key is shown only now; store it)\n`,
        );
    } finally {
      await db.close();
    }
  });
club
  .command('list')
  .description('List clubs')
  .action(async () => {
    const db = await openConfiguredDb();
    try {
      for (const c of await createServices(db, () => new Date()).clubs.listClubs())
        process.stdout.write(`${c.id}\t${c.name}\n`);
    } finally {
      await db.close();
    }
  });

program
  .command('import')
  .description('Import members or orders from a CSV file (re-running it changes nothing)')
  .argument('<kind>', 'members | orders | prices')
  .argument('<file>', 'CSV file with a header row')
  .requiredOption('--club <id>', 'club id')
  .option('--json', 'print the report as JSON')
  .action(async (kind: string, file: string, opts: { club: string; json?: boolean }) => {
    if (kind !== 'members' && kind !== 'orders' && kind !== 'prices') {
      throw new AppError('validation_failed', `kind: expected members, orders or prices, got '${kind}'`);
    }
    if (!fs.existsSync(file)) throw new AppError('validation_failed', `file: ${file} does not exist`);
    const db = await openConfiguredDb();
    try {
      await createServices(db, () => new Date()).clubs.getClub(opts.club);
      const report =
        kind === 'members'
          ? await importMembers(db, opts.club, file)
          : kind === 'orders'
            ? await importOrders(db, opts.club, file)
            : await importPrices(db, opts.club, file);
      printReport(report, opts.json ?? false);
      if (report.rejected.length > 0) process.exitCode = 2;
    } finally {
      await db.close();
    }
  });

program
  .command('demo')
  .description('Create a realistic demo club and print its API key')
  .option('--members <n>', 'members', '5000')
  .option('--orders <n>', 'orders', '50000')
  .option('--seed <n>', 'random seed', '1403')
  .action(async (opts: { members: string; orders: string; seed: string }) => {
    const db = await openConfiguredDb();
    try {
      const r = await loadDemoClub(db, {
        members: Number(opts.members),
        orders: Number(opts.orders),
        seed: Number(opts.seed),
        onProgress: (m) => process.stderr.isTTY && process.stderr.write(`\r  ${m}      `),
      });
      process.stdout.write(
        `\ndemo club ${r.clubId}: ${r.members} members, ${r.orders} orders, ${r.returns} returns in ${r.seconds.toFixed(1)} s\n` +
          `api key: ${r.apiKey}\ndashboard sign-in: ${r.staff.email} / ${r.staff.password}\n` +
          (r.portalMember
            ? `portal: sign in as ${r.portalMember.name}, mobile ${r.portalMember.mobile}\n`
            : '') +
          `try:\n${r.tryThis.map((l) => `  ${l}`).join('\n')}\n`,
      );
    } finally {
      await db.close();
    }
  });

registerAuditCommand(program);
registerWorkerCommand(program);
registerAdminCommands(program);
registerAnalyticsCommands(program);

function printReport(r: ImportReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  process.stdout.write(
    `rows: ${r.rows}, created: ${r.created}, updated: ${r.updated}, unchanged: ${r.unchanged}, rejected: ${r.rejected.length}\n`,
  );
  for (const x of r.rejected.slice(0, 100)) process.stdout.write(`  line ${x.line}: ${x.reason}\n`);
  if (r.rejected.length > 100)
    process.stdout.write(`  … and ${r.rejected.length - 100} more (use --json for all)\n`);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  if (err instanceof AppError) {
    process.stderr.write(`vafa: ${err.message}\n`);
    process.exit(err.code === 'database_locked' ? 75 : 1);
  }
  process.stderr.write(`vafa: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});

export type { TConfig };
