import type { Db, Queryable } from '../../db/db.js';
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from '../webhooks/index.js';
import * as repo from './notifications.repo.js';

/** An outbox event as consumers see it. */
export interface DispatchEvent {
  clubId: string;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * A consumer turns events into its own delivery rows, inside the dispatcher's transaction. It must be
 * idempotent (insert … on conflict do nothing on a (club, event, consumer) key): a dispatch repeated
 * after a crash calls it again with the same events.
 */
export interface OutboxConsumer {
  name: string;
  fanOut(tx: Queryable, events: DispatchEvent[]): Promise<number>;
}

export interface DispatcherOptions {
  /** Events locked and fanned out per transaction. */
  batchSize: number;
  /** A consumer failing on one event this many times makes it dead (replayable). */
  retry: RetryPolicy;
}

export const DEFAULT_DISPATCHER: DispatcherOptions = {
  batchSize: 200,
  retry: { ...DEFAULT_RETRY, maxAttempts: 10, baseDelayMs: 5_000 },
};

/**
 * Moves events from the outbox to the consumers. A batch is locked with `for update skip locked` (two
 * dispatchers never take the same events), fanned out into every consumer's rows and marked
 * `dispatched` in one transaction, so after a crash an event is either dispatched with all its
 * deliveries or still pending. When a batch fails, its events are retried one by one so one bad event
 * cannot hold up the rest; an event failing `maxAttempts` times is `dead`.
 */
export class OutboxDispatcher {
  private readonly opts: DispatcherOptions;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
    private readonly consumers: OutboxConsumer[],
    opts: Partial<DispatcherOptions> = {},
  ) {
    this.opts = { ...DEFAULT_DISPATCHER, ...opts };
  }

  async dispatchDue(budgetMs = 10_000): Promise<{ dispatched: number; failed: number }> {
    const stats = { dispatched: 0, failed: 0 };
    const started = Date.now();
    while (Date.now() - started < budgetMs) {
      let batch: repo.DueEventRow[] = [];
      try {
        batch = await this.db.transaction(async (tx) => {
          const events = await repo.lockDueEvents(tx, this.clock(), this.opts.batchSize);
          if (events.length > 0) await this.fanOut(tx, events);
          return events;
        });
        stats.dispatched += batch.length;
      } catch {
        const one = await this.dispatchOneByOne();
        stats.dispatched += one.dispatched;
        stats.failed += one.failed;
        if (one.dispatched + one.failed === 0) break;
        continue;
      }
      if (batch.length < this.opts.batchSize) break;
    }
    return stats;
  }

  private async fanOut(tx: Queryable, events: repo.DueEventRow[]): Promise<void> {
    const list: DispatchEvent[] = events.map((e) => ({
      clubId: e.club_id,
      eventId: e.event_id,
      type: e.type,
      payload: e.payload,
      createdAt: e.created_at,
    }));
    for (const c of this.consumers) await c.fanOut(tx, list);
    await repo.markDispatched(tx, events, this.clock());
  }

  private async dispatchOneByOne(): Promise<{ dispatched: number; failed: number }> {
    const stats = { dispatched: 0, failed: 0 };
    const candidates = await this.db.transaction((tx) =>
      repo.lockDueEvents(tx, this.clock(), this.opts.batchSize),
    );
    for (const c of candidates) {
      try {
        const done = await this.db.transaction(async (tx) => {
          const e = await repo.lockEvent(tx, c.club_id, c.event_no);
          if (!e) return false;
          await this.fanOut(tx, [e]);
          return true;
        });
        if (done) stats.dispatched++;
      } catch (err) {
        stats.failed++;
        const attempts = c.attempts + 1;
        await repo.markEventFailed(this.db, {
          clubId: c.club_id,
          eventNo: c.event_no,
          dead: attempts >= this.opts.retry.maxAttempts,
          nextAttemptAt: new Date(this.clock().getTime() + backoffMs(attempts, this.opts.retry)),
          error: `${(err as Error).message ?? String(err)}`,
        });
      }
    }
    return stats;
  }
}
