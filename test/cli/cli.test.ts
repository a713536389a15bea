import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { LOCK_FILE, openDb } from '../../src/db/db.js';
import { BACKENDS } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The CLI runs as a real process, compiled once into a private directory (not the repo's dist/):
 * plain node starts in a fraction of the time tsx takes, and the file spawns the CLI some thirty times.
 */
const BUILD = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-cli-build-'));
const MAIN = path.join(BUILD, 'src/cli/main.js');

beforeAll(async () => {
  await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', BUILD],
    { cwd: ROOT },
  ).catch((err: { stdout?: string }) => {
    // Type errors elsewhere in the tree still emit JavaScript; only a missing CLI is fatal.
    if (!fs.existsSync(MAIN)) throw new Error(`build failed: ${err.stdout ?? String(err)}`);
  });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(BUILD, 'node_modules'));
  fs.writeFileSync(path.join(BUILD, 'package.json'), '{"type":"module"}\n');
});

afterAll(() => fs.rmSync(BUILD, { recursive: true, force: true }));

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: the embedded database in `dataDir`, or the PostgreSQL server at `url`. */
function cliEnv(target: { dataDir: string; url?: string | undefined }, extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('VAFA_')) env[k] = v;
  return {
    ...env,
    VAFA_DATA_DIR: target.dataDir,
    DATABASE_URL: target.url ?? '',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function run(args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = start(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-cli-'));
}

/** A CSV file in `dir`, from its lines (line 1 is the header), optionally with the BOM Excel writes. */
function csv(dir: string, name: string, lines: string[], bom = false): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${bom ? '\uFEFF' : ''}${lines.join('\n')}\n`);
  return file;
}

const MEMBERS_CSV = [
  /* 1 */ 'externalId,firstName,lastName,mobile,email,city,province,birthDate,gender,consentSms,consentEmail',
  /* 2 */ 'C-1,زهرا,محمدی,09121234567,Zahra@Example.com,تهران,تهران,1990-05-01,female,yes,no',
  /* 3 */ 'C-2,Ali,Rezaei,۰۹۳۵۱۱۱۲۲۳۳,,Shiraz,Fars,,male,1,0',
  /* 4 */ 'C-3,Bad,Mobile,12345,,,,,,,',
  /* 5 */ ',No,Id,09120000001,,,,,,,',
  /* 6 */ 'C-5,Bad,Email,,not-an-email,,,,,,',
  /* 7 */ 'C-6,Same,Mobile,+989121234567,,,,,,,',
  /* 8 */ 'C-7,Bad,Date,,,,,1990-13-01,,,',
  /* 9 */ 'C-8,"Quoted, name","two',
  /* 10 */ 'lines",,,,,,,,',
  /* 11 */ 'C-9,Bad,Gender,,,,,,x,,',
  /* 12 */ 'C-10,مریم,احمدی,٠٩٠١٢٣٤٥٦٧٨,maryam@example.com,,,2001-02-28,female,true,true',
];
const MEMBER_REJECTS: Array<[number, RegExp]> = [
  [4, /mobile/],
  [5, /externalId/],
  [6, /email/],
  [7, /mobile/],
  [8, /birthDate/],
  [11, /gender/],
];

const ORDERS_CSV = [
  /* 1 */ 'externalId,memberExternalId,placedAt,status,statusAt,totalRials,promisedDeliveryAt,sku,category,quantity,unitPriceRials',
  /* 2 */ 'O-1,C-1,2026-01-10T10:00:00+03:30,paid,,2500000,,BK-1,books,2,1000000',
  /* 3 */ 'O-1,C-1,2026-01-10T10:00:00+03:30,paid,,2500000,,PEN-1,stationery,1,500000',
  /* 4 */ 'O-2,C-2,2026-01-11T10:00:00+03:30,delivered,2026-01-12T10:00:00+03:30,1000000,,BK-2,books,1,1000000',
  /* 5 */ 'O-3,NOBODY,2026-01-11T10:00:00+03:30,paid,,1000000,,BK-2,books,1,1000000',
  /* 6 */ 'O-4,C-1,not-a-date,paid,,1000000,,BK-2,books,1,1000000',
  /* 7 */ 'O-5,C-1,2026-01-11T10:00:00+03:30,paid,,abc,,BK-2,books,1,1000000',
  /* 8 */ 'O-6,C-2,2026-01-11T10:00:00+03:30,placed,,300000,,BK-3,books,0,300000',
  /* 9 */ 'O-7,C-2,2026-01-13T10:00:00+03:30,paid,,700000,,,,,',
  /* 10 */ 'O-8,C-10,2026-01-14T10:00:00+03:30,placed,,600000,,A,x,1,100000',
  /* 11 */ 'O-8,C-10,2026-01-14T10:00:00+03:30,placed,,600000,,B,x,2,100000',
  /* 12 */ 'O-8,C-10,2026-01-14T10:00:00+03:30,placed,,600000,,C,x,3,100000',
];
const ORDER_REJECTS: Array<[number, RegExp]> = [
  [5, /memberExternalId.*NOBODY/],
  [6, /placedAt/],
  [7, /totalRials/],
  [8, /lines\.0\.quantity/],
];

function expectRejected(
  rejected: Array<{ line: number; reason: string }>,
  expected: Array<[number, RegExp]>,
) {
  const sorted = [...rejected].sort((a, b) => a.line - b.line);
  expect(sorted.map((r) => r.line)).toEqual(expected.map(([line]) => line));
  sorted.forEach((r, i) => {
    expect(r.reason).toMatch(expected[i]![1]);
  });
}

// The two backends share nothing, so they run side by side; the steps of each run in order.
describe.concurrent.each(BACKENDS)('vafa CLI on $name', ({ name, url }) => {
  const dataDir = tempDir();
  const env = cliEnv({ dataDir, url });
  const children: ChildProcess[] = [];
  let clubId = '';
  let apiKey = '';

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens the same database as the CLI (after the CLI has exited) to check what it wrote. */
  async function inspect<T>(fn: (db: Awaited<ReturnType<typeof openDb>>) => Promise<T>): Promise<T> {
    const db = await openDb({ databaseUrl: url, dataDir, poolMax: 2 });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  describe.sequential('step by step', () => {
    it('club create --json prints the club id and its API key', async () => {
      const res = await run(['club', 'create', '--name', 'فروشگاه آزمون', '--json'], env);
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(out).toEqual({
        clubId: expect.stringMatching(/^club_/),
        name: 'فروشگاه آزمون',
        apiKey: expect.stringMatching(/^vafa_sk_/),
      });
      clubId = out.clubId;
      apiKey = out.apiKey;
    });

    it('migrate says the database is up to date when it is', async () => {
      const res = await run(['migrate'], env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/up to date/);
    });

    it('imports members, reporting each bad row by line and reason with exit code 2; a re-run changes nothing', async () => {
      const file = csv(dataDir, 'members.csv', MEMBERS_CSV, true);
      const res = await run(['import', 'members', file, '--club', clubId], env);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stdout).toMatch(/rows: 10, created: 4, updated: 0, unchanged: 0, rejected: 6/);
      for (const [line] of MEMBER_REJECTS) expect(res.stdout).toMatch(new RegExp(`line ${line}: `));

      const again = await run(['import', 'members', file, '--club', clubId, '--json'], env);
      expect(again.code).toBe(2);
      const report = JSON.parse(again.stdout);
      expect(report).toMatchObject({ rows: 10, created: 0, updated: 0, unchanged: 4 });
      expectRejected(report.rejected, MEMBER_REJECTS);
    });

    it('imports orders grouped by externalId, rejecting an unknown member by its line; a re-run changes nothing', async () => {
      const file = csv(dataDir, 'orders.csv', ORDERS_CSV);
      const first = await run(['import', 'orders', file, '--club', clubId, '--json'], env);
      expect(first.code, first.stderr).toBe(2);
      const report = JSON.parse(first.stdout);
      expect(report).toMatchObject({ rows: 11, created: 4, unchanged: 0 });
      expectRejected(report.rejected, ORDER_REJECTS);

      const again = await run(['import', 'orders', file, '--club', clubId], env);
      expect(again.code).toBe(2);
      expect(again.stdout).toMatch(/created: 0, updated: 0, unchanged: 4, rejected: 4/);
      expect(again.stdout).toMatch(/line 5: memberExternalId/);
    });

    it('audit exits 0 on a clean club', async () => {
      const clean = await run(['audit', '--club', clubId], env);
      expect(clean.code, clean.stderr).toBe(0);
      expect(clean.stdout).toMatch(/Ledger: total 0 \(must be 0\), 0 balance mismatches/);
      expect(clean.stdout).toMatch(/Campaigns: .* 0 differences/);
      expect(clean.stdout).toMatch(/^OK$/m);
    });

    it('stored the good rows as the files said, and nothing of the bad ones', async () => {
      const seen = await inspect(async (db) => {
        const s = createServices(db, () => new Date());
        const count = async (table: string) =>
          (
            await db.query<{ n: number }>(`select count(*)::int as n from ${table} where club_id = $1`, [
              clubId,
            ])
          ).rows[0]!.n;
        return {
          auth: await s.clubs.authenticate(apiKey),
          members: await Promise.all(
            ['C-1', 'C-2', 'C-8', 'C-10'].map((id) => s.members.getMember(clubId, id)),
          ),
          memberCount: await count('members'),
          orderCount: await count('orders'),
          o1: await s.orders.getOrder(clubId, 'O-1'),
          o8: await s.orders.getOrder(clubId, 'O-8'),
          c1: await s.points.getBalance(clubId, 'C-1'),
          c2: await s.points.getBalance(clubId, 'C-2'),
          // For the next test (one database open less): a cached balance that disagrees with the entries.
          corrupted: await db.query(
            `update ledger_accounts set balance = balance + 7
           where club_id = $1 and account_id = (select account_id from ledger_accounts
             where club_id = $1 and kind = 'pending' order by account_id limit 1)`,
            [clubId],
          ),
        };
      });
      // The key printed by `club create` is a working key of that club.
      expect(seen.auth.clubId).toBe(clubId);
      expect(seen.memberCount).toBe(4);
      expect(seen.members[0]).toMatchObject({
        firstName: 'زهرا',
        mobile: '+989121234567',
        email: 'zahra@example.com',
        birthDate: '1990-05-01',
        consentSms: true,
        consentEmail: false,
      });
      expect(seen.members[1]).toMatchObject({ mobile: '+989351112233', email: null, consentSms: true });
      expect(seen.members[2]).toMatchObject({ firstName: 'Quoted, name', lastName: 'two\nlines' });
      expect(seen.members[3]).toMatchObject({ mobile: '+989012345678', birthDate: '2001-02-28' });

      expect(seen.orderCount).toBe(4);
      expect(seen.o1.lines.map((l) => [l.sku, l.quantity])).toEqual([
        ['BK-1', 2],
        ['PEN-1', 1],
      ]);
      expect(seen.o8.lines).toHaveLength(3);
      expect(seen.o8.status).toBe('placed');
      expect(seen.c1).toMatchObject({ pending: 250, available: 0 });
      // O-2 was delivered in January, so its window has passed; O-7 is paid, not delivered.
      expect(seen.c2).toMatchObject({ available: 100, pending: 70 });
    });

    it('audit exits 1 when a cached balance disagrees with the entries', async () => {
      const broken = await run(['audit', '--club', clubId, '--json'], env);
      expect(broken.code).toBe(1);
      const result = JSON.parse(broken.stdout);
      expect(result.ok).toBe(false);
      expect(result.ledger.mismatches).toHaveLength(1);
      expect(result.ledger.mismatches[0].cached - result.ledger.mismatches[0].derived).toBe(7);
    });

    it('refuses an unknown club, an unknown kind and a missing file with exit code 1', async () => {
      const file = csv(dataDir, 'm2.csv', MEMBERS_CSV.slice(0, 2));
      const noClub = await run(['import', 'members', file, '--club', 'club_nope'], env);
      expect(noClub.code).toBe(1);
      expect(noClub.stderr).toContain('club_nope');
      expect(noClub.stderr).not.toMatch(/\n\s+at /);
      if (name !== 'pglite') return;
      // Checked before any database is opened, so once is enough.
      const noKind = await run(['import', 'coupons', file, '--club', clubId], env);
      expect(noKind.code).toBe(1);
      expect(noKind.stderr).toMatch(/members, orders or prices/);
      const noFile = await run(
        ['import', 'members', path.join(dataDir, 'missing.csv'), '--club', clubId],
        env,
      );
      expect(noFile.code).toBe(1);
      expect(noFile.stderr).toMatch(/missing\.csv/);
      expect(`${noKind.stderr}${noFile.stderr}`).not.toMatch(/\n\s+at /);
    });

    describe.runIf(name === 'pglite')('one process at a time on the embedded database', () => {
      let port: number;
      let serve: ChildProcess;

      it('stops a second process with exit code 75, naming the serving pid and URL, while serve runs', async () => {
        expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
        port = await new Promise<number>((resolve) => {
          const srv = net.createServer().listen(0, '127.0.0.1', () => {
            const p = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(p));
          });
        });
        serve = start(['serve'], cliEnv({ dataDir }, { PORT: String(port), HOST: '127.0.0.1' }));
        children.push(serve);
        let out = '';
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 40_000);
          serve.stdout!.on('data', (d) => {
            out += d;
            if (out.includes('Vafa is running')) {
              clearTimeout(timer);
              resolve();
            }
          });
          serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
        });
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });

        const res = await run(['club', 'create', '--name', 'Intruder'], env);
        expect(res.code).toBe(75);
        expect(res.stderr).toContain(`process ${serve.pid}`);
        expect(res.stderr).toContain(`http://127.0.0.1:${port}`);
        expect(res.stderr).not.toMatch(/\n\s+at /);
        // The server is unharmed and serves the imported club.
        const club = await fetch(`http://127.0.0.1:${port}/v1/members/C-1`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        expect(club.status).toBe(200);
        expect(((await club.json()) as { mobile: string }).mobile).toBe('+989121234567');
      });

      it('releases the lock on SIGTERM; honours a lock of any live process and takes over a dead one’s', async () => {
        const exited = new Promise<number | null>((resolve) => serve.on('exit', (code) => resolve(code)));
        serve.kill('SIGTERM');
        expect(await exited).toBe(0);
        const lockPath = path.join(dataDir, LOCK_FILE);
        expect(fs.existsSync(lockPath)).toBe(false);

        const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
        children.push(holder);
        fs.writeFileSync(lockPath, JSON.stringify({ pid: holder.pid, startedAt: new Date().toISOString() }));
        const held = await run(['club', 'list'], env);
        expect(held.code).toBe(75);
        expect(held.stderr).toContain(`process ${holder.pid}`);
        expect(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid).toBe(holder.pid);

        const gone = new Promise((resolve) => holder.on('exit', resolve));
        holder.kill('SIGKILL');
        await gone;
        const list = await run(['club', 'list'], env);
        expect(list.code, list.stderr).toBe(0);
        expect(list.stdout).toContain(`${clubId}\tفروشگاه آزمون`);
        expect(list.stdout).not.toContain(apiKey);
        expect(fs.existsSync(lockPath)).toBe(false);
      });
    });
  });
});

describe('vafa CLI configuration', () => {
  it('reports every bad variable at once and exits 78 without touching the data directory', async () => {
    const parent = tempDir();
    const dataDir = path.join(parent, 'never-created');
    try {
      const res = await run(
        ['club', 'list'],
        cliEnv({ dataDir }, { PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' }),
      );
      expect(res.code).toBe(78);
      expect(res.stderr).toMatch(/^\s+PORT: /m);
      expect(res.stderr).toMatch(/^\s+LOG_LEVEL: /m);
      expect(res.stderr).toMatch(/^\s+DATABASE_URL: /m);
      expect(fs.existsSync(dataDir)).toBe(false);
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
