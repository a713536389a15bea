import type { Migration } from '../../db/migrations.js';

/** Notifications use versions 8100-8999 (webhooks has 8000-8099). */
export const NOTIFICATIONS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 8101,
    name: 'notifications: outbox dispatch state, settings, templates, member messages',
    sql: `
-- An outbox event is 'dispatched' once the dispatcher has fanned it out into per-consumer deliveries
-- (webhook deliveries, member messages), each of those then has its own state and retries.
alter table outbox_events drop constraint if exists outbox_events_status_check;
alter table outbox_events add constraint outbox_events_status_check
  check (status in ('pending', 'dispatched', 'delivered', 'dead'));

create table notification_settings (
  club_id text primary key references clubs (club_id),
  -- Language of members who have not chosen one (attributes.language).
  default_language text not null default 'fa' check (default_language in ('fa', 'en')),
  -- No SMS between these Tehran wall-clock times (HH:MM), held until the end. Equal times: no quiet hours.
  quiet_start text not null default '22:00',
  quiet_end text not null default '08:00',
  -- Base URL of this Vafa server as members reach it, for unsubscribe links.
  public_base_url text,
  -- A member who texts this word back (or STOP, or لغو) stops receiving SMS.
  sms_stop_keyword text not null default 'لغو',
  sms_provider text not null default 'log' check (sms_provider in ('log', 'http')),
  sms_base_url text,
  -- Secrets: stored because sending needs them, never logged, shown by the API only as a hint.
  sms_api_key text,
  sms_sender text,
  email_provider text not null default 'log' check (email_provider in ('log', 'smtp')),
  smtp_host text,
  smtp_port integer,
  smtp_secure boolean not null default false,
  smtp_user text,
  smtp_password text,
  email_from text,
  -- Keys the HMAC of unsubscribe links, so a link cannot be forged for another member.
  unsubscribe_secret text not null,
  updated_at timestamptz not null default now()
);

create table message_templates (
  club_id text not null references clubs (club_id),
  template_id text not null,
  event_type text not null,
  channel text not null check (channel in ('sms', 'email')),
  language text not null check (language in ('fa', 'en')),
  -- Email only.
  subject text,
  body text not null,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, template_id),
  unique (club_id, event_type, channel, language)
);

-- One message per (event, channel): the unique key makes a fan-out retried after a crash a no-op.
create table member_messages (
  club_id text not null,
  message_id text not null,
  event_id text not null,
  event_type text not null,
  member_id text not null,
  channel text not null check (channel in ('sms', 'email')),
  -- pending: due at next_attempt_at (held for quiet hours, leased by a worker, or waiting to retry),
  -- sent, skipped (no consent, no address, no template), dead (attempts used up).
  status text not null default 'pending' check (status in ('pending', 'sent', 'skipped', 'dead')),
  language text,
  -- What was sent, kept for the member's message history.
  recipient text,
  subject text,
  body text,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  lease_token text,
  -- Set while an SMS waits for quiet hours to end.
  held_until timestamptz,
  skip_reason text,
  last_error text,
  provider text,
  provider_message_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  primary key (club_id, message_id),
  unique (club_id, event_id, channel)
);
create index member_messages_due_idx on member_messages (next_attempt_at) where status = 'pending';
create index member_messages_member_idx on member_messages (club_id, member_id, created_at)`,
  },
];
