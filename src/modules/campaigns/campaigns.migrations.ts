import type { Migration } from '../../db/migrations.js';

/** The campaigns module owns versions 4300-4599. Never edit a shipped one: add the next. */
export const CAMPAIGNS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 4300,
    name: 'campaigns: campaigns, target snapshot, usage, grants, raffles',
    sql: `
create table campaigns (
  club_id text not null references clubs (club_id),
  campaign_id text not null,
  name text not null,
  description text,
  status text not null check (status in ('draft', 'active', 'paused', 'ended')),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The member filters (TSegment) that pick the target.
  segment jsonb not null,
  -- points, coupon, reward or purchase_prize, with its settings in grant_config.
  grant_kind text not null check (grant_kind in ('points', 'coupon', 'reward', 'purchase_prize')),
  grant_config jsonb not null,
  -- Budgets (null: none) and what was spent; spent moves only by atomic conditional updates.
  budget_points bigint check (budget_points >= 0),
  budget_rials bigint check (budget_rials >= 0),
  spent_points bigint not null default 0 check (spent_points >= 0),
  spent_rials bigint not null default 0 check (spent_rials >= 0),
  grants_count bigint not null default 0,
  cap_per_member_points bigint check (cap_per_member_points >= 0),
  cap_per_member_rials bigint check (cap_per_member_rials >= 0),
  cap_per_member_grants integer check (cap_per_member_grants >= 1),
  -- Share of the target held out as the control group, and the seed that makes the split reproducible.
  control_pct numeric(5, 2) not null check (control_pct >= 0 and control_pct < 100),
  seed text not null,
  -- Campaigns with the same key may not overlap in time.
  exclusivity_key text,
  depth_pct numeric(6, 2) not null default 0,
  coupon_batch_id text,
  guardrail_override_reason text,
  guardrail_override_author text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (club_id, campaign_id),
  check (ends_at > starts_at),
  check (budget_points is null or spent_points <= budget_points),
  check (budget_rials is null or spent_rials <= budget_rials)
);
create index campaigns_exclusive_idx on campaigns (club_id, exclusivity_key) where exclusivity_key is not null;

-- The target as it was when the campaign started (members who qualify later are added on their
-- first grant), each in the treated or the control group.
create table campaign_members (
  club_id text not null,
  campaign_id text not null,
  member_id text not null,
  grp text not null check (grp in ('treated', 'control')),
  assigned_at timestamptz not null,
  primary key (club_id, campaign_id, member_id)
);

-- What one member got from one campaign: the per-member caps are checked here by conditional updates.
create table campaign_usage (
  club_id text not null,
  campaign_id text not null,
  member_id text not null,
  points bigint not null default 0,
  rials bigint not null default 0,
  grants integer not null default 0,
  primary key (club_id, campaign_id, member_id)
);

create table campaign_grants (
  club_id text not null,
  campaign_id text not null,
  grant_id text not null,
  member_id text not null,
  -- The cause: one grant per member and reference (a purchase-prize order, an event, or 'once').
  reference text not null,
  points bigint not null default 0,
  rials bigint not null default 0,
  coupon_code text,
  issue_id text,
  -- pending: budget taken, the grant being made; granted; failed: the undo gave the budget back.
  status text not null check (status in ('pending', 'granted', 'failed')),
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (club_id, campaign_id, grant_id),
  unique (club_id, campaign_id, member_id, reference)
);

create table raffles (
  club_id text not null references clubs (club_id),
  raffle_id text not null,
  name text not null,
  description text,
  status text not null check (status in ('open', 'drawn')),
  -- Points per entry; 0: members enter by qualifying (the segment).
  entry_cost_points bigint not null check (entry_cost_points >= 0),
  max_entries_per_member integer not null check (max_entries_per_member >= 1),
  segment jsonb not null,
  closes_at timestamptz not null,
  prizes jsonb not null,
  -- sha256 of the secret seed, published when the raffle opens; the seed is revealed at the draw.
  seed_commitment text not null,
  secret_seed text not null,
  public_seed text,
  drawn_at timestamptz,
  created_at timestamptz not null,
  primary key (club_id, raffle_id)
);

create table raffle_entries (
  club_id text not null,
  raffle_id text not null,
  entry_id text not null,
  member_id text not null,
  via text not null check (via in ('points', 'qualified', 'reward')),
  redemption_id text,
  created_at timestamptz not null,
  primary key (club_id, raffle_id, entry_id)
);
create index raffle_entries_member_idx on raffle_entries (club_id, raffle_id, member_id);

create table raffle_winners (
  club_id text not null,
  raffle_id text not null,
  rank integer not null,
  entry_id text not null,
  member_id text not null,
  prize jsonb not null,
  granted_at timestamptz,
  primary key (club_id, raffle_id, rank)
);
`,
  },
];
