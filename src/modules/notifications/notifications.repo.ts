import type { Queryable } from '../../db/db.js';
import type { TChannel, TLanguage } from './render.js';

export interface SettingsRow {
  club_id: string;
  default_language: TLanguage;
  quiet_start: string;
  quiet_end: string;
  public_base_url: string | null;
  sms_stop_keyword: string;
  sms_provider: 'log' | 'http';
  sms_base_url: string | null;
  sms_api_key: string | null;
  sms_sender: string | null;
  email_provider: 'log' | 'smtp';
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_secure: boolean;
  smtp_user: string | null;
  smtp_password: string | null;
  email_from: string | null;
  unsubscribe_secret: string;
  updated_at: Date;
}

export type SettingsPatch = Partial<Omit<SettingsRow, 'club_id' | 'unsubscribe_secret' | 'updated_at'>>;

const SETTINGS_FIELDS = [
  'default_language',
  'quiet_start',
  'quiet_end',
  'public_base_url',
  'sms_stop_keyword',
  'sms_provider',
  'sms_base_url',
  'sms_api_key',
  'sms_sender',
  'email_provider',
  'smtp_host',
  'smtp_port',
  'smtp_secure',
  'smtp_user',
  'smtp_password',
  'email_from',
] as const;

/** The club's settings, created with defaults on first read. */
export async function ensureSettings(db: Queryable, clubId: string, newSecret: string): Promise<SettingsRow> {
  await db.query(
    `insert into notification_settings (club_id, unsubscribe_secret) values ($1, $2) on conflict (club_id) do nothing`,
    [clubId, newSecret],
  );
  const { rows } = await db.query<SettingsRow>('select * from notification_settings where club_id = $1', [
    clubId,
  ]);
  return rows[0]!;
}

export async function updateSettings(
  db: Queryable,
  clubId: string,
  patch: SettingsPatch,
): Promise<SettingsRow> {
  const given = SETTINGS_FIELDS.filter((f) => patch[f] !== undefined);
  const sets = given.map((f, i) => `${f} = $${i + 2}`);
  sets.push('updated_at = now()');
  const { rows } = await db.query<SettingsRow>(
    `update notification_settings set ${sets.join(', ')} where club_id = $1 returning *`,
    [clubId, ...given.map((f) => patch[f])],
  );
  return rows[0]!;
}

export interface TemplateRow {
  club_id: string;
  template_id: string;
  event_type: string;
  channel: TChannel;
  language: TLanguage;
  subject: string | null;
  body: string;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

export async function upsertTemplate(
  db: Queryable,
  t: {
    clubId: string;
    id: string;
    eventType: string;
    channel: TChannel;
    language: TLanguage;
    subject: string | null;
    body: string;
    isActive: boolean;
  },
): Promise<{ row: TemplateRow; inserted: boolean }> {
  const { rows } = await db.query<TemplateRow & { inserted: boolean }>(
    `insert into message_templates (club_id, template_id, event_type, channel, language, subject, body, is_active)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (club_id, event_type, channel, language) do update set subject = excluded.subject,
       body = excluded.body, is_active = excluded.is_active, updated_at = now()
     returning *, (xmax = 0) as inserted`,
    [t.clubId, t.id, t.eventType, t.channel, t.language, t.subject, t.body, t.isActive],
  );
  const { inserted, ...row } = rows[0]!;
  return { row, inserted };
}

export async function listTemplates(db: Queryable, clubId: string): Promise<TemplateRow[]> {
  const { rows } = await db.query<TemplateRow>(
    'select * from message_templates where club_id = $1 order by event_type, channel, language limit 1000',
    [clubId],
  );
  return rows;
}

export async function deleteTemplate(
  db: Queryable,
  clubId: string,
  key: { eventType: string; channel: TChannel; language: TLanguage },
): Promise<boolean> {
  const res = await db.query(
    'delete from message_templates where club_id = $1 and event_type = $2 and channel = $3 and language = $4',
    [clubId, key.eventType, key.channel, key.language],
  );
  return res.rowCount > 0;
}

export async function findTemplates(
  db: Queryable,
  clubId: string,
  eventType: string,
  channel: TChannel,
): Promise<TemplateRow[]> {
  const { rows } = await db.query<TemplateRow>(
    `select * from message_templates where club_id = $1 and event_type = $2 and channel = $3 and is_active`,
    [clubId, eventType, channel],
  );
  return rows;
}

export interface FanOutMessageEvent {
  clubId: string;
  eventId: string;
  type: string;
  memberId: string;
}

/**
 * One message per (event with a member, channel that has an active template for the event type).
 * The id derives from the pair and existing pairs are skipped: a repeated fan-out adds nothing.
 */
export async function fanOutMessages(
  tx: Queryable,
  events: FanOutMessageEvent[],
  now: Date,
): Promise<number> {
  if (events.length === 0) return 0;
  const res = await tx.query(
    `insert into member_messages (club_id, message_id, event_id, event_type, member_id, channel, next_attempt_at)
     select distinct e.club_id, 'msg_' || substr(md5(e.event_id || ':' || t.channel), 1, 24), e.event_id, e.type,
            e.member_id, t.channel, $5::timestamptz
     from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as e(club_id, event_id, type, member_id)
     join message_templates t on t.club_id = e.club_id and t.event_type = e.type and t.is_active
     on conflict (club_id, event_id, channel) do nothing`,
    [
      events.map((e) => e.clubId),
      events.map((e) => e.eventId),
      events.map((e) => e.type),
      events.map((e) => e.memberId),
      now,
    ],
  );
  return res.rowCount;
}

export interface MessageRow {
  club_id: string;
  message_id: string;
  event_id: string;
  event_type: string;
  member_id: string;
  channel: TChannel;
  status: 'pending' | 'sent' | 'skipped' | 'dead';
  language: TLanguage | null;
  recipient: string | null;
  subject: string | null;
  body: string | null;
  attempts: number;
  next_attempt_at: Date;
  held_until: Date | null;
  skip_reason: string | null;
  last_error: string | null;
  provider: string | null;
  provider_message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface ClaimedMessage extends MessageRow {
  payload: Record<string, unknown> | null;
  event_created_at: Date | null;
}

const MESSAGE_COLUMNS = `club_id, message_id, event_id, event_type, member_id, channel, status, language, recipient,
  subject, body, attempts, next_attempt_at, held_until, skip_reason, last_error, provider, provider_message_id,
  created_at, sent_at`;

/** Claims due messages under a lease (see webhooks' claimDue: the same scheme). */
export async function claimDueMessages(
  tx: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
  token: string,
): Promise<ClaimedMessage[]> {
  const { rows } = await tx.query<ClaimedMessage>(
    `with due as (
       select club_id, message_id from member_messages
       where status = 'pending' and next_attempt_at <= $1
       order by next_attempt_at limit $3 for update skip locked
     ), claimed as (
       update member_messages m set next_attempt_at = $2, attempts = m.attempts + 1, lease_token = $4, updated_at = now()
       from due where m.club_id = due.club_id and m.message_id = due.message_id
       returning m.*
     )
     select ${MESSAGE_COLUMNS.split(',')
       .map((c) => `c.${c.trim()}`)
       .join(', ')}, o.payload, o.created_at as event_created_at
     from claimed c left join outbox_events o on o.club_id = c.club_id and o.event_id = c.event_id`,
    [now, leaseUntil, limit, token],
  );
  return rows;
}

export async function finishMessage(
  db: Queryable,
  m: {
    clubId: string;
    messageId: string;
    token: string;
    status: MessageRow['status'];
    nextAttemptAt: Date;
    /** For a hold: give the attempt back (waiting is not trying). */
    uncountAttempt?: boolean;
    heldUntil?: Date | null;
    skipReason?: string | null;
    lastError?: string | null;
    language?: string | null;
    recipient?: string | null;
    subject?: string | null;
    body?: string | null;
    provider?: string | null;
    providerMessageId?: string | null;
    sentAt?: Date | null;
  },
): Promise<boolean> {
  const res = await db.query(
    `update member_messages set status = $4, next_attempt_at = $5,
       attempts = case when $6::boolean then greatest(attempts - 1, 0) else attempts end,
       held_until = $7, skip_reason = $8, last_error = $9,
       language = coalesce($10, language), recipient = coalesce($11, recipient), subject = coalesce($12, subject),
       body = coalesce($13, body), provider = coalesce($14, provider),
       provider_message_id = coalesce($15, provider_message_id), sent_at = coalesce($16, sent_at),
       lease_token = null, updated_at = now()
     where club_id = $1 and message_id = $2 and lease_token = $3`,
    [
      m.clubId,
      m.messageId,
      m.token,
      m.status,
      m.nextAttemptAt,
      m.uncountAttempt ?? false,
      m.heldUntil ?? null,
      m.skipReason ?? null,
      m.lastError ?? null,
      m.language ?? null,
      m.recipient ?? null,
      m.subject ?? null,
      m.body ?? null,
      m.provider ?? null,
      m.providerMessageId ?? null,
      m.sentAt ?? null,
    ],
  );
  return res.rowCount > 0;
}

export async function listMessages(
  db: Queryable,
  clubId: string,
  opts: { memberId?: string | undefined; status?: string | undefined; limit: number },
): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `select ${MESSAGE_COLUMNS} from member_messages
     where club_id = $1 and ($2::text is null or member_id = $2) and ($3::text is null or status = $3)
     order by created_at desc, message_id limit $4`,
    [clubId, opts.memberId ?? null, opts.status ?? null, opts.limit],
  );
  return rows;
}

export async function retryMessage(
  db: Queryable,
  clubId: string,
  id: string,
  now: Date,
): Promise<MessageRow | null> {
  const { rows } = await db.query<MessageRow>(
    `update member_messages set status = 'pending', attempts = 0, next_attempt_at = $3, lease_token = null,
       skip_reason = null, updated_at = now()
     where club_id = $1 and message_id = $2 and status in ('dead', 'skipped') returning ${MESSAGE_COLUMNS}`,
    [clubId, id, now],
  );
  return rows[0] ?? null;
}

/** What a message needs to know about its member. Read-only: the members module owns the table. */
export interface RecipientRow {
  member_id: string;
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
  email: string | null;
  consent_sms: boolean;
  consent_email: boolean;
  language: string | null;
  club_name: string;
}

export async function findRecipient(
  db: Queryable,
  clubId: string,
  memberId: string,
): Promise<RecipientRow | null> {
  const { rows } = await db.query<RecipientRow>(
    `select m.member_id, m.external_id, m.first_name, m.last_name, m.mobile, m.email, m.consent_sms, m.consent_email,
            m.attributes ->> 'language' as language, c.name as club_name
     from members m join clubs c on c.club_id = m.club_id
     where m.club_id = $1 and m.member_id = $2`,
    [clubId, memberId],
  );
  return rows[0] ?? null;
}

export async function findClubName(db: Queryable, clubId: string): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>('select name from clubs where club_id = $1', [clubId]);
  return rows[0]?.name ?? null;
}

// ---- The outbox dispatcher ----

export interface DueEventRow {
  club_id: string;
  event_no: number;
  event_id: string;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

/** Locks a batch of due events; other dispatchers skip them (and take the next batch). */
export async function lockDueEvents(tx: Queryable, now: Date, limit: number): Promise<DueEventRow[]> {
  const { rows } = await tx.query<DueEventRow>(
    `select club_id, event_no, event_id, type, payload, attempts, created_at from outbox_events
     where status = 'pending' and next_attempt_at <= $1
     order by next_attempt_at, event_no limit $2 for update skip locked`,
    [now, limit],
  );
  return rows;
}

export async function lockEvent(tx: Queryable, clubId: string, eventNo: number): Promise<DueEventRow | null> {
  const { rows } = await tx.query<DueEventRow>(
    `select club_id, event_no, event_id, type, payload, attempts, created_at from outbox_events
     where club_id = $1 and event_no = $2 and status = 'pending' for update skip locked`,
    [clubId, eventNo],
  );
  return rows[0] ?? null;
}

export async function markDispatched(tx: Queryable, events: DueEventRow[], now: Date): Promise<void> {
  await tx.query(
    `update outbox_events o set status = 'dispatched', delivered_at = $3, last_error = null
     from unnest($1::text[], $2::bigint[]) as e(club_id, event_no)
     where o.club_id = e.club_id and o.event_no = e.event_no`,
    [events.map((e) => e.club_id), events.map((e) => e.event_no), now],
  );
}

export async function markEventFailed(
  db: Queryable,
  e: { clubId: string; eventNo: number; dead: boolean; nextAttemptAt: Date; error: string },
): Promise<void> {
  await db.query(
    `update outbox_events set attempts = attempts + 1, status = case when $3 then 'dead' else status end,
       next_attempt_at = $4, last_error = $5
     where club_id = $1 and event_no = $2`,
    [e.clubId, e.eventNo, e.dead, e.nextAttemptAt, e.error.slice(0, 1000)],
  );
}

/** Queues dead (or, with `all`, dispatched) events of a club again for dispatch. */
export async function requeueEvents(
  db: Queryable,
  clubId: string,
  opts: { eventId?: string | undefined; since?: Date | undefined; now: Date; limit: number },
): Promise<number> {
  const res = await db.query(
    `update outbox_events set status = 'pending', attempts = 0, next_attempt_at = $4, last_error = null
     where club_id = $1 and status in ('dead', 'dispatched') and ($2::text is null or event_id = $2)
       and ($3::timestamptz is null or created_at >= $3)
       and event_no in (select event_no from outbox_events where club_id = $1 and status in ('dead', 'dispatched')
         and ($2::text is null or event_id = $2) and ($3::timestamptz is null or created_at >= $3)
         order by event_no limit $5)`,
    [clubId, opts.eventId ?? null, opts.since ?? null, opts.now, opts.limit],
  );
  return res.rowCount;
}

export async function countOutbox(db: Queryable, clubId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from outbox_events where club_id = $1 group by status',
    [clubId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
