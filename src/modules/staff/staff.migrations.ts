import type { Migration } from '../../db/migrations.js';

/** The staff module owns versions 9000-9499. */
export const STAFF_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 9000,
    name: 'staff: dashboard users and sessions',
    sql: `
create table staff_users (
  club_id text not null references clubs (club_id),
  user_id text not null,
  -- Lower-cased; sign-in names no club, so an address identifies one staff user across all clubs.
  email text not null,
  -- scrypt$N$r$p$salt$hash (base64): the parameters travel with the hash so they can be raised later.
  password_hash text not null,
  -- What the user may see and do in the dashboard (docs/dashboard.md has the table).
  role text not null check (role in ('owner', 'marketer', 'support', 'analyst')),
  -- Failed sign-ins in a row; reset by a successful one. Reaching the limit sets locked_until.
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, user_id)
);
create unique index staff_users_email_key on staff_users (email);

create table staff_sessions (
  club_id text not null references clubs (club_id),
  -- sha256 of the random cookie value: a leaked table does not yield usable sessions.
  session_hash text not null,
  user_id text not null,
  created_at timestamptz not null,
  -- Absolute end of the session; sign-out deletes the row earlier.
  expires_at timestamptz not null,
  primary key (club_id, session_hash),
  foreign key (club_id, user_id) references staff_users (club_id, user_id) on delete cascade
);
create unique index staff_sessions_hash_key on staff_sessions (session_hash);
create index staff_sessions_expiry_idx on staff_sessions (expires_at);
`,
  },
  {
    version: 9001,
    name: 'staff: audit log of staff actions and configuration changes',
    sql: `
create table staff_audit_log (
  club_id text not null references clubs (club_id),
  -- Ascending in the order entries were opened; the listing pages by it, newest first.
  audit_no bigint generated always as identity,
  -- When the action was received.
  at timestamptz not null,
  -- Who: a staff user (dashboard session) or an API key.
  actor_kind text not null check (actor_kind in ('staff', 'api_key')),
  -- stf_… or the API key id.
  actor_id text not null,
  -- The staff email or the key's name as they were at the time (both can change or go later).
  actor_label text,
  method text not null,
  -- The route pattern (/v1/rules/:ruleId) and the path called (/v1/rules/rul_…).
  route text not null,
  path text not null,
  -- What was changed: the route's resource type (rules, members, notifications/templates) and id
  -- (path parameters joined by '/', or the id a create returned); null for club-wide settings.
  resource_type text not null,
  resource_id text,
  request_id text not null,
  -- The HTTP status answered; null while the action runs, and for ever if the process died during it
  -- (written before the change, so no change goes unrecorded; the outcome is then unknown).
  status integer,
  -- The resource as its GET route showed it just before and just after, secrets redacted; null when
  -- there was none (a create, a delete) or the route keeps no snapshot (member export and erase).
  before jsonb,
  after jsonb,
  -- Set when a member's erasure removed personal data from this entry.
  redacted_at timestamptz,
  primary key (club_id, audit_no)
);
create index staff_audit_log_actor_idx on staff_audit_log (club_id, actor_id, audit_no);
create index staff_audit_log_resource_idx on staff_audit_log (club_id, resource_type, resource_id, audit_no);
`,
  },
];
