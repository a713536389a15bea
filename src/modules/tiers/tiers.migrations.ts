import type { Migration } from '../../db/migrations.js';

/** The tiers module owns versions 3000-3999. */
export const TIERS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 3000,
    name: 'tiers: settings, definitions, member tiers, history',
    sql: `
create table tier_settings (
  club_id text primary key references clubs (club_id),
  -- What qualifies over a rolling 12 months: net spend (rials), net points earned, or paid orders.
  measure text not null default 'spend' check (measure in ('spend', 'points', 'orders')),
  -- 'review': downgrades only at the member's yearly review date; 'never': tiers only go up.
  downgrade text not null default 'review' check (downgrade in ('review', 'never')),
  -- Reviews a member may fail in a row and keep the tier.
  grace_reviews integer not null default 1 check (grace_reviews between 0 and 3),
  -- Calendar of the dates in member-facing messages.
  calendar text not null default 'jalali' check (calendar in ('jalali', 'gregorian')),
  updated_at timestamptz not null default now()
);

create table tiers (
  club_id text not null references clubs (club_id),
  -- Stable across edits of the list while the key stays, so member rows keep pointing at it.
  tier_id text not null,
  tier_key text not null,
  -- 1 for the lowest tier; thresholds strictly increase with rank.
  rank integer not null check (rank >= 1),
  name_fa text not null,
  name_en text not null,
  -- The least value of the club's measure over the rolling 12 months that qualifies.
  threshold bigint not null check (threshold >= 0),
  -- The benefits as the API returns them (TBenefits): checkout enforces them.
  benefits jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (club_id, tier_id),
  unique (club_id, tier_key),
  unique (club_id, rank)
);

create table member_tiers (
  club_id text not null references clubs (club_id),
  member_id text not null,
  -- The current tier; null below every threshold (or when the tier was deleted).
  tier_id text,
  -- When the member reached the current tier.
  since timestamptz,
  -- The next downgrade review: a year after the last upgrade, then yearly.
  review_at timestamptz,
  -- Reviews failed in a row while keeping the tier (grace); reset by an upgrade or a passed review.
  grace_used integer not null default 0,
  -- A tier set by hand that the member never drops below.
  floor_tier_id text,
  floor_reason text,
  floor_author text,
  floor_set_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (club_id, member_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index member_tiers_review_idx on member_tiers (club_id, review_at) where review_at is not null;

create table tier_history (
  club_id text not null references clubs (club_id),
  change_no bigint generated always as identity,
  member_id text not null,
  at timestamptz not null,
  -- upgrade, downgrade, grace (a failed review, tier kept), floor_set, floor_cleared, removed.
  kind text not null,
  -- Tier keys (not ids) so the history reads the same after the tier list changes.
  from_key text,
  to_key text,
  -- What caused it: qualified, review, grace, manual, tiers_edited.
  reason text not null,
  -- The staff's reason for a manual change.
  note text,
  author text,
  measure_value bigint,
  primary key (club_id, change_no)
);
create index tier_history_member_idx on tier_history (club_id, member_id, change_no);
`,
  },
];
