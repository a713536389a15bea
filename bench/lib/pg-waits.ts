import pg from 'pg';
import { databaseName } from './postgres.js';
import { formatNumber, formatTable } from './stats.js';

/**
 * Samples what the bench database's sessions are doing (pg_stat_activity) every few milliseconds:
 * running on CPU, waiting for a row lock held by another transaction, for the WAL flush of a commit,
 * or idle in a transaction waiting for the application. The shares say whether PostgreSQL or the
 * application is the bottleneck, and on what.
 */
export class PgWaitSampler {
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;

  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  static async open(url: string): Promise<PgWaitSampler> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new PgWaitSampler(client, databaseName(url));
  }

  start(intervalMs = 20): void {
    this.counts.clear();
    this.samples = 0;
    this.timer = setInterval(() => {
      if (this.inflight) return;
      this.inflight = this.sample().finally(() => {
        this.inflight = null;
      });
    }, intervalMs);
  }

  private async sample(): Promise<void> {
    try {
      const { rows } = await this.client.query<{ what: string }>(
        `select case
           when state = 'idle' then 'idle (no transaction)'
           when state like 'idle in transaction%' then 'idle in transaction (waiting for the app)'
           when wait_event_type is null then 'active: on CPU'
           else 'active: ' || wait_event_type || ':' || wait_event end as what
         from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        [this.database],
      );
      this.samples++;
      for (const r of rows) this.counts.set(r.what, (this.counts.get(r.what) ?? 0) + 1);
    } catch {
      // A lost sample only makes the average a little coarser.
    }
  }

  /** Stops sampling; the average number of sessions in each state. */
  stop(): string {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const n = Math.max(1, this.samples);
    const rows = [...this.counts]
      .sort((a, b) => b[1] - a[1])
      .map(([what, c]) => [formatNumber(c / n, 2), what]);
    return `PostgreSQL sessions by state (average over ${this.samples} samples):\n${formatTable(['sessions', 'state'], rows, [1])}`;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inflight;
    await this.client.end();
  }
}
