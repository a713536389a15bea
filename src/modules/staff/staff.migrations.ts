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
];
