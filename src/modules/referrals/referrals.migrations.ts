import type { Migration } from '../../db/migrations.js';

/** The referrals module owns versions 4600-4999. Never edit a shipped one: add the next. */
export const REFERRALS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 4600,
    name: 'referrals: settings, codes, referrals, invoices, cooperation ratings',
    sql: `
create table referral_settings (
  club_id text primary key references clubs (club_id),
  -- Points the new member gets on signing up with a code, and an optional catalog reward too.
  welcome_points bigint not null default 200 check (welcome_points >= 0),
  welcome_reward_id text,
  -- Points the referrer gets once the referee's first paid order outlives the return window.
  referrer_points bigint not null default 500 check (referrer_points >= 0),
  -- Referrals one member may make per (Jalali) month.
  monthly_cap integer not null default 10 check (monthly_cap between 1 and 1000),
  -- A referee must have joined at most this many days before using a code, with no order yet.
  referee_max_age_days integer not null default 7 check (referee_max_age_days between 0 and 365),
  link_base_url text not null default 'https://shop.example/r/',
  -- Discount eligibility (seed 004): weights of loyalty, payment record, cooperation and referrals.
  weight_loyalty integer not null default 40 check (weight_loyalty between 0 and 100),
  weight_payment integer not null default 30 check (weight_payment between 0 and 100),
  weight_cooperation integer not null default 20 check (weight_cooperation between 0 and 100),
  weight_referrals integer not null default 10 check (weight_referrals between 0 and 100),
  eligible_threshold integer not null default 60 check (eligible_threshold between 0 and 100),
  updated_at timestamptz not null default now()
);

create table referral_codes (
  club_id text not null references clubs (club_id),
  member_id text not null,
  code text not null,
  created_at timestamptz not null,
  primary key (club_id, member_id),
  unique (club_id, code),
  foreign key (club_id, member_id) references members (club_id, member_id)
);

create table referrals (
  club_id text not null references clubs (club_id),
  referral_id text not null,
  code text not null,
  -- Null when the code was unknown (a refused referral is still recorded).
  referrer_member_id text,
  referee_member_id text not null,
  -- pending: waiting for the referee's first paid order to outlive the return window.
  status text not null check (status in ('pending', 'rewarded', 'refused')),
  -- Why it was refused: unknown_code, self_referral, same_mobile, same_email, same_device, monthly_cap,
  -- referee_not_new, already_referred.
  reason text,
  device_id text,
  welcome_points bigint not null default 0,
  referrer_points bigint not null default 0,
  qualifying_order_id text,
  created_at timestamptz not null,
  rewarded_at timestamptz,
  primary key (club_id, referral_id)
);
create unique index referrals_referee_key on referrals (club_id, referee_member_id) where status <> 'refused';
create index referrals_referrer_idx on referrals (club_id, referrer_member_id, created_at);
create index referrals_pending_idx on referrals (club_id, created_at) where status = 'pending';

-- B2B invoices: the payment record of the eligibility score (on-time share, days late).
create table invoices (
  club_id text not null references clubs (club_id),
  invoice_id text not null,
  external_id text not null,
  member_id text not null,
  amount_rials bigint not null check (amount_rials > 0),
  due_at timestamptz not null,
  paid_at timestamptz,
  created_at timestamptz not null,
  primary key (club_id, invoice_id),
  unique (club_id, external_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index invoices_member_idx on invoices (club_id, member_id);

-- Quality of cooperation: staff rate a member 1-5 with a note; the latest rating counts.
create table cooperation_ratings (
  club_id text not null references clubs (club_id),
  rating_no bigint generated always as identity,
  member_id text not null,
  rating integer not null check (rating between 1 and 5),
  note text,
  author text,
  rated_at timestamptz not null,
  primary key (club_id, rating_no),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index cooperation_ratings_member_idx on cooperation_ratings (club_id, member_id, rating_no);
`,
  },
];
