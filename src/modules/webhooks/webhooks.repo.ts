import type { Queryable } from '../../db/db.js';

export interface SubscriptionRow {
  club_id: string;
  subscription_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  club_id: string;
  delivery_id: string;
  event_id: string;
  subscription_id: string;
  event_type: string;
  status: 'pending' | 'delivered' | 'dead' | 'cancelled';
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_response_ms: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

export interface AttemptRow {
  attempt_no: number;
  started_at: Date;
  status_code: number | null;
  response_ms: number;
  error: string | null;
  response_snippet: string | null;
}

/** A claimed delivery with what is needed to send it. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  is_active: boolean | null;
  payload: Record<string, unknown> | null;
  event_created_at: Date | null;
  allow_private_urls: boolean | null;
}

const SUB_COLUMNS = `club_id, subscription_id, url, event_types, description, secret, previous_secret,
  previous_secret_expires_at, is_active, created_at, updated_at`;
const DELIVERY_COLUMNS = `club_id, delivery_id, event_id, subscription_id, event_type, status, attempts, next_attempt_at,
  last_status_code, last_response_ms, last_error, created_at, delivered_at`;

export async function findAllowPrivate(db: Queryable, clubId: string): Promise<boolean> {
  const { rows } = await db.query<{ allow_private_urls: boolean }>(
    'select allow_private_urls from webhook_settings where club_id = $1',
    [clubId],
  );
  return rows[0]?.allow_private_urls ?? false;
}

export async function upsertSettings(db: Queryable, clubId: string, allowPrivate: boolean): Promise<void> {
  await db.query(
    `insert into webhook_settings (club_id, allow_private_urls) values ($1, $2)
     on conflict (club_id) do update set allow_private_urls = excluded.allow_private_urls, updated_at = now()`,
    [clubId, allowPrivate],
  );
}

export async function insertSubscription(
  db: Queryable,
  s: {
    clubId: string;
    id: string;
    url: string;
    eventTypes: string[];
    description: string | null;
    secret: string;
  },
): Promise<SubscriptionRow> {
  const { rows } = await db.query<SubscriptionRow>(
    `insert into webhook_subscriptions (club_id, subscription_id, url, event_types, description, secret)
     values ($1, $2, $3, $4::text[], $5, $6) returning ${SUB_COLUMNS}`,
    [s.clubId, s.id, s.url, s.eventTypes, s.description, s.secret],
  );
  return rows[0]!;
}

export async function findSubscription(
  db: Queryable,
  clubId: string,
  id: string,
): Promise<SubscriptionRow | null> {
  const { rows } = await db.query<SubscriptionRow>(
    `select ${SUB_COLUMNS} from webhook_subscriptions where club_id = $1 and subscription_id = $2`,
    [clubId, id],
  );
  return rows[0] ?? null;
}

export async function listSubscriptions(db: Queryable, clubId: string): Promise<SubscriptionRow[]> {
  const { rows } = await db.query<SubscriptionRow>(
    `select ${SUB_COLUMNS} from webhook_subscriptions where club_id = $1 order by created_at limit 200`,
    [clubId],
  );
  return rows;
}

export async function countSubscriptions(db: Queryable, clubId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from webhook_subscriptions where club_id = $1',
    [clubId],
  );
  return rows[0]!.n;
}

export async function updateSubscription(
  db: Queryable,
  clubId: string,
  id: string,
  patch: {
    url?: string | undefined;
    eventTypes?: string[] | undefined;
    description?: string | null | undefined;
    isActive?: boolean | undefined;
  },
): Promise<SubscriptionRow | null> {
  const { rows } = await db.query<SubscriptionRow>(
    `update webhook_subscriptions set
       url = coalesce($3, url),
       event_types = coalesce($4::text[], event_types),
       description = case when $5::boolean then $6 else description end,
       is_active = coalesce($7, is_active),
       updated_at = now()
     where club_id = $1 and subscription_id = $2 returning ${SUB_COLUMNS}`,
    [
      clubId,
      id,
      patch.url ?? null,
      patch.eventTypes ?? null,
      patch.description !== undefined,
      patch.description ?? null,
      patch.isActive ?? null,
    ],
  );
  return rows[0] ?? null;
}

export async function rotateSecret(
  db: Queryable,
  clubId: string,
  id: string,
  secret: string,
  previousUntil: Date,
): Promise<SubscriptionRow | null> {
  const { rows } = await db.query<SubscriptionRow>(
    `update webhook_subscriptions set previous_secret = secret, previous_secret_expires_at = $4, secret = $3,
       updated_at = now()
     where club_id = $1 and subscription_id = $2 returning ${SUB_COLUMNS}`,
    [clubId, id, secret, previousUntil],
  );
  return rows[0] ?? null;
}

export async function deleteSubscription(tx: Queryable, clubId: string, id: string): Promise<boolean> {
  await tx.query(
    `update webhook_deliveries set status = 'cancelled', lease_token = null, updated_at = now()
     where club_id = $1 and subscription_id = $2 and status = 'pending'`,
    [clubId, id],
  );
  const res = await tx.query(
    'delete from webhook_subscriptions where club_id = $1 and subscription_id = $2',
    [clubId, id],
  );
  return res.rowCount > 0;
}

export interface FanOutEvent {
  clubId: string;
  eventId: string;
  type: string;
  createdAt: Date;
}

/**
 * One delivery per (event, matching active subscription created before the event). The delivery id
 * is derived from the pair and the insert skips existing pairs, so a fan-out repeated after a crash
 * adds nothing.
 */
export async function fanOut(tx: Queryable, events: FanOutEvent[], now: Date): Promise<number> {
  if (events.length === 0) return 0;
  const res = await tx.query(
    `insert into webhook_deliveries (club_id, delivery_id, event_id, subscription_id, event_type, next_attempt_at)
     select e.club_id, 'whd_' || substr(md5(e.event_id || ':' || s.subscription_id), 1, 24), e.event_id,
            s.subscription_id, e.type, $5
     from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) as e(club_id, event_id, type, created_at)
     join webhook_subscriptions s on s.club_id = e.club_id and s.is_active
       and (e.type = any(s.event_types) or '*' = any(s.event_types)) and s.created_at <= e.created_at
     on conflict (club_id, event_id, subscription_id) do nothing`,
    [
      events.map((e) => e.clubId),
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.createdAt),
      now,
    ],
  );
  return res.rowCount;
}

/**
 * Claims due deliveries for one worker: `for update skip locked` keeps two workers off the same rows,
 * and moving next_attempt_at past the lease keeps them off it until the worker reports or dies. The
 * attempt is counted at claim, so a delivery that crashes its worker every time still dead-letters.
 */
export async function claimDue(
  tx: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
  token: string,
): Promise<ClaimedDelivery[]> {
  const { rows } = await tx.query<ClaimedDelivery>(
    `with due as (
       select club_id, delivery_id from webhook_deliveries
       where status = 'pending' and next_attempt_at <= $1
       order by next_attempt_at limit $3 for update skip locked
     ), claimed as (
       update webhook_deliveries d set next_attempt_at = $2, attempts = d.attempts + 1, lease_token = $4, updated_at = now()
       from due where d.club_id = due.club_id and d.delivery_id = due.delivery_id
       returning d.*
     )
     select c.club_id, c.delivery_id, c.event_id, c.subscription_id, c.event_type, c.status, c.attempts,
            c.next_attempt_at, c.last_status_code, c.last_response_ms, c.last_error, c.created_at, c.delivered_at,
            s.url, s.secret, s.previous_secret, s.previous_secret_expires_at, s.is_active,
            o.payload, o.created_at as event_created_at, coalesce(ws.allow_private_urls, false) as allow_private_urls
     from claimed c
     left join webhook_subscriptions s on s.club_id = c.club_id and s.subscription_id = c.subscription_id
     left join outbox_events o on o.club_id = c.club_id and o.event_id = c.event_id
     left join webhook_settings ws on ws.club_id = c.club_id`,
    [now, leaseUntil, limit, token],
  );
  return rows;
}

export async function insertAttempt(
  tx: Queryable,
  a: {
    clubId: string;
    deliveryId: string;
    startedAt: Date;
    statusCode: number | null;
    responseMs: number;
    error: string | null;
    snippet: string | null;
  },
): Promise<void> {
  await tx.query(
    `insert into webhook_attempts (club_id, delivery_id, started_at, status_code, response_ms, error, response_snippet)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [a.clubId, a.deliveryId, a.startedAt, a.statusCode, a.responseMs, a.error, a.snippet],
  );
}

/** Writes an attempt's outcome, only while the worker still holds its claim; false when it lost it. */
export async function finishDelivery(
  tx: Queryable,
  d: {
    clubId: string;
    deliveryId: string;
    token: string;
    status: 'pending' | 'delivered' | 'dead' | 'cancelled';
    nextAttemptAt: Date;
    statusCode: number | null;
    responseMs: number | null;
    error: string | null;
    now: Date;
  },
): Promise<boolean> {
  const res = await tx.query(
    `update webhook_deliveries set status = $4, next_attempt_at = $5, last_status_code = $6, last_response_ms = $7,
       last_error = $8, lease_token = null, updated_at = now(),
       delivered_at = case when $4 = 'delivered' then $9::timestamptz else delivered_at end
     where club_id = $1 and delivery_id = $2 and lease_token = $3`,
    [d.clubId, d.deliveryId, d.token, d.status, d.nextAttemptAt, d.statusCode, d.responseMs, d.error, d.now],
  );
  return res.rowCount > 0;
}

export async function listDeliveries(
  db: Queryable,
  clubId: string,
  opts: {
    subscriptionId?: string | undefined;
    status?: string | undefined;
    eventId?: string | undefined;
    limit: number;
  },
): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `select ${DELIVERY_COLUMNS} from webhook_deliveries
     where club_id = $1 and ($2::text is null or subscription_id = $2) and ($3::text is null or status = $3)
       and ($4::text is null or event_id = $4)
     order by created_at desc, delivery_id limit $5`,
    [clubId, opts.subscriptionId ?? null, opts.status ?? null, opts.eventId ?? null, opts.limit],
  );
  return rows;
}

export async function findDelivery(db: Queryable, clubId: string, id: string): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>(
    `select ${DELIVERY_COLUMNS} from webhook_deliveries where club_id = $1 and delivery_id = $2`,
    [clubId, id],
  );
  return rows[0] ?? null;
}

export async function listAttempts(db: Queryable, clubId: string, deliveryId: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(
    `select attempt_no, started_at, status_code, response_ms, error, response_snippet from webhook_attempts
     where club_id = $1 and delivery_id = $2 order by attempt_no limit 100`,
    [clubId, deliveryId],
  );
  return rows;
}

/** Puts a delivery back in the queue with a fresh set of attempts (manual replay). */
export async function replayDelivery(
  db: Queryable,
  clubId: string,
  id: string,
  now: Date,
): Promise<DeliveryRow | null> {
  const { rows } = await db.query<DeliveryRow>(
    `update webhook_deliveries set status = 'pending', attempts = 0, next_attempt_at = $3, lease_token = null,
       updated_at = now()
     where club_id = $1 and delivery_id = $2 and status <> 'cancelled' returning ${DELIVERY_COLUMNS}`,
    [clubId, id, now],
  );
  return rows[0] ?? null;
}

/**
 * Replays the subscription's matching events since a time: new deliveries for events it never had
 * (it was created later, or was inactive), and dead or delivered ones queued again.
 */
export async function replaySubscription(
  tx: Queryable,
  clubId: string,
  sub: SubscriptionRow,
  since: Date,
  onlyDead: boolean,
  now: Date,
  limit: number,
): Promise<number> {
  const res = await tx.query(
    `insert into webhook_deliveries (club_id, delivery_id, event_id, subscription_id, event_type, next_attempt_at)
     select o.club_id, 'whd_' || substr(md5(o.event_id || ':' || $2), 1, 24), o.event_id, $2, o.type, $5
     from outbox_events o
     where o.club_id = $1 and o.created_at >= $4 and (o.type = any($3::text[]) or '*' = any($3::text[]))
     order by o.event_no limit $7
     on conflict (club_id, event_id, subscription_id) do update
       set status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at, lease_token = null, updated_at = now()
       where webhook_deliveries.status = 'dead' or (not $6::boolean and webhook_deliveries.status = 'delivered')`,
    [clubId, sub.subscription_id, sub.event_types, since, now, onlyDead, limit],
  );
  return res.rowCount;
}

export interface WooConnectionRow {
  club_id: string;
  connection_id: string;
  name: string;
  secret: string;
  default_currency: 'IRT' | 'IRR';
  created_at: Date;
}

export async function insertWooConnection(
  db: Queryable,
  c: { clubId: string; id: string; name: string; secret: string; currency: 'IRT' | 'IRR' },
): Promise<WooConnectionRow> {
  const { rows } = await db.query<WooConnectionRow>(
    `insert into woocommerce_connections (club_id, connection_id, name, secret, default_currency)
     values ($1, $2, $3, $4, $5) returning *`,
    [c.clubId, c.id, c.name, c.secret, c.currency],
  );
  return rows[0]!;
}

/** By connection id alone: the inbound route knows no club until the connection names it. */
export async function findWooConnection(
  db: Queryable,
  connectionId: string,
): Promise<WooConnectionRow | null> {
  const { rows } = await db.query<WooConnectionRow>(
    'select * from woocommerce_connections where connection_id = $1',
    [connectionId],
  );
  return rows[0] ?? null;
}

export async function listWooConnections(db: Queryable, clubId: string): Promise<WooConnectionRow[]> {
  const { rows } = await db.query<WooConnectionRow>(
    'select * from woocommerce_connections where club_id = $1 order by created_at limit 100',
    [clubId],
  );
  return rows;
}
