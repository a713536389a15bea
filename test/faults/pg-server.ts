import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './load.js';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries on the machine (Debian's layout), or null. */
export function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/**
 * A PostgreSQL server of the test's own (its data directory, port and socket directory in a temporary
 * directory), so a fault test may stop and start it without disturbing anyone else's server. As .ci/run
 * does: initdb refuses root, so as root the binaries run as the `postgres` user (or `nobody`).
 */
export class PrivatePostgres {
  private constructor(
    readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly runAs: string[],
  ) {}

  static async create(bin: string): Promise<PrivatePostgres> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vafa-fault-pg-'));
    let runAs: string[] = [];
    if (process.getuid?.() === 0) {
      const user = (await run('id', ['postgres']).then(
        () => true,
        () => false,
      ))
        ? 'postgres'
        : 'nobody';
      const { stdout } = await run('id', ['-u', user]);
      fs.chownSync(dir, Number(stdout.trim()), -1);
      fs.chmodSync(dir, 0o755);
      runAs = ['runuser', '-u', user, '--'];
    }
    const server = new PrivatePostgres(bin, dir, await freePort(), runAs);
    await server.exec('initdb', [
      '-D',
      server.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
    ]);
    await server.start();
    return server;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const [cmd, ...pre] = this.runAs.length ? this.runAs : [path.join(this.bin, tool)];
    const full = this.runAs.length ? [...pre, path.join(this.bin, tool), ...args] : args;
    await run(cmd!, full, { timeout: 90_000 });
  }

  /**
   * Starts the server and waits until it accepts connections. fsync is off (only an operating-system
   * crash would need it), but synchronous_commit stays on: with it off, an immediate stop loses commits
   * already acknowledged (WAL still in shared memory), which this fault would rightly report as lost
   * orders.
   */
  async start(): Promise<void> {
    await this.exec('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off ` +
        '-c max_connections=100',
      'start',
    ]);
  }

  /**
   * Stops the server: `fast` rolls back open transactions and closes every connection; `immediate`
   * kills the server processes, as a crash would, and the next start recovers from the WAL.
   */
  async stop(mode: 'fast' | 'immediate'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  /** The server log's tail, for a failing run's message. */
  logTail(chars = 2000): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'server.log'), 'utf8').slice(-chars);
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
