import type { Queryable } from '../../db/db.js';
import { newId } from '../../lib/ids.js';

export interface OutboxEvent {
  /** Dotted event type: `member.created`, `order.created`, `points.earned`, ... */
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Writes events in the caller's transaction: they exist exactly when the change that raised them
 * commits. Delivery (webhooks, messages) reads them later; receivers deduplicate by event id.
 */
export async function enqueueEvents(tx: Queryable, clubId: string, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into outbox_events (club_id, event_id, type, payload)
     select $1, e.id, e.type, e.payload::jsonb from unnest($2::text[], $3::text[], $4::text[]) as e(id, type, payload)`,
    [
      clubId,
      events.map(() => newId('evt')),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.payload)),
    ],
  );
}

export interface OutboxRow {
  club_id: string;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  created_at: Date;
}

export async function listEvents(
  db: Queryable,
  clubId: string,
  opts: { afterEventNo?: number; limit: number; type?: string },
): Promise<Array<OutboxRow & { event_no: number }>> {
  const { rows } = await db.query<OutboxRow & { event_no: number }>(
    `select club_id, event_no, event_id, type, payload, status, attempts, created_at from outbox_events
     where club_id = $1 and event_no > $2 and ($3::text is null or type = $3)
     order by event_no limit $4`,
    [clubId, opts.afterEventNo ?? 0, opts.type ?? null, opts.limit],
  );
  return rows;
}
