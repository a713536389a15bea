import type { Migration } from '../../db/migrations.js';

/** The member portal owns versions 9500-9999. */
export const PORTAL_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 9500,
    name: 'portal: one-time sign-in codes and member sessions',
    sql: `
create table portal_otps (
  club_id text not null references clubs (club_id),
  otp_id text not null,
  -- E.164, as typed by the visitor and normalised; kept even when no member has it, so the limits
  -- apply the same and the answer does not reveal who is a member.
  mobile text not null,
  -- null when no member of the club has this mobile: no SMS was sent and no code can match.
  member_id text,
  -- sha256 of salt and code; the code itself is only ever in the SMS.
  code_hash text not null,
  salt text not null,
  -- The requesting address, for the per-address limit.
  ip text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  -- Wrong tries so far; at the limit the code is dead.
  attempts integer not null default 0,
  -- Set when the code opened a session: a code works once.
  used_at timestamptz,
  primary key (club_id, otp_id)
);
create index portal_otps_mobile_idx on portal_otps (club_id, mobile, created_at desc);
create index portal_otps_ip_idx on portal_otps (club_id, ip, created_at desc);
create index portal_otps_created_idx on portal_otps (created_at);

create table portal_sessions (
  club_id text not null references clubs (club_id),
  -- sha256 of the random cookie value: a leaked table does not yield usable sessions.
  session_hash text not null,
  member_id text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (club_id, session_hash),
  foreign key (club_id, member_id) references members (club_id, member_id) on delete cascade
);
create unique index portal_sessions_hash_key on portal_sessions (session_hash);
create index portal_sessions_expiry_idx on portal_sessions (expires_at);
`,
  },
];
