import type { Migration } from '../../db/migrations.js';

/** The rewards module owns versions 4000-4299. Never edit a shipped one: add the next. */
export const REWARDS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 4000,
    name: 'rewards: discount settings, coupon batches, coupons, uses, rewards catalog, issues',
    sql: `
create table discount_settings (
  club_id text primary key references clubs (club_id),
  -- The deepest discount any coupon, reward or campaign may give, as a percent of the cart (seed 004:
  -- a too-deep purchase prize ruined a market). Deeper needs an override with a reason.
  max_discount_pct integer not null default 30 check (max_discount_pct between 1 and 100),
  -- Whether a return or cancellation gives a coupon use back (one-use codes become usable again).
  release_on_return boolean not null default true,
  updated_at timestamptz not null default now()
);

-- A batch is one offer: every code in it gives the same discount under the same conditions.
create table coupon_batches (
  club_id text not null references clubs (club_id),
  batch_id text not null,
  name text not null,
  -- fixed: amount_rials off; percent: percent off the eligible lines, capped; free_shipping; gift: a gift item.
  kind text not null check (kind in ('fixed', 'percent', 'free_shipping', 'gift')),
  amount_rials bigint check (amount_rials >= 0),
  percent integer check (percent between 1 and 100),
  max_discount_rials bigint check (max_discount_rials >= 0),
  min_cart_rials bigint not null default 0 check (min_cart_rials >= 0),
  -- When not empty, only lines of these categories count (and at least one must be in the cart).
  categories text[] not null default '{}',
  gift_sku text,
  gift_value_rials bigint,
  -- The code prefix (upper case) and where codes came from.
  prefix text not null default '',
  source text not null check (source in ('bulk', 'import', 'reward', 'campaign', 'referral')),
  uses_per_code integer not null default 1 check (uses_per_code between 1 and 1000000),
  valid_from timestamptz,
  valid_to timestamptz,
  -- Total discount the batch may give; spent_rials moves only by an atomic conditional update.
  budget_rials bigint check (budget_rials >= 0),
  spent_rials bigint not null default 0 check (spent_rials >= 0),
  codes_count bigint not null default 0,
  is_active boolean not null default true,
  guardrail_override_reason text,
  guardrail_override_author text,
  created_at timestamptz not null default now(),
  primary key (club_id, batch_id),
  check (valid_to is null or valid_from is null or valid_to > valid_from),
  check (budget_rials is null or spent_rials <= budget_rials)
);

create table coupons (
  club_id text not null,
  -- Normalized: upper case, no spaces or hyphens. Unique per club.
  code text not null,
  batch_id text not null,
  -- A code bound to one member (a reward, a referral welcome) works for that member only.
  member_id text,
  uses integer not null default 0 check (uses >= 0),
  max_uses integer not null check (max_uses >= 1),
  -- A per-code end (issued reward coupons last coupon_valid_days); the batch window applies too.
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (club_id, code),
  foreign key (club_id, batch_id) references coupon_batches (club_id, batch_id),
  check (uses <= max_uses)
);
create index coupons_batch_idx on coupons (club_id, batch_id, created_at);
create index coupons_member_idx on coupons (club_id, member_id) where member_id is not null;

-- One use of a code on one order: redeeming again for the same order answers the same use.
create table coupon_uses (
  club_id text not null,
  code text not null,
  order_external_id text not null,
  member_id text not null,
  discount_rials bigint not null check (discount_rials >= 0),
  request_hash text not null,
  status text not null check (status in ('redeemed', 'released')),
  redeemed_at timestamptz not null,
  released_at timestamptz,
  release_reason text,
  primary key (club_id, code, order_external_id)
);
create index coupon_uses_order_idx on coupon_uses (club_id, order_external_id);

create table rewards (
  club_id text not null references clubs (club_id),
  reward_id text not null,
  kind text not null check (kind in ('fixed_discount', 'percent_discount', 'free_shipping', 'gift_item', 'raffle_ticket', 'donation')),
  name_fa text not null,
  name_en text,
  description text,
  -- Points it costs; 0 means free (campaigns and referrals give rewards away).
  cost_points bigint not null check (cost_points >= 0),
  -- Kind settings: amount, percent and cap, minimum cart, categories, gift sku, raffle id, cause.
  config jsonb not null,
  -- null: unlimited. issued counts against it by an atomic conditional update.
  stock bigint check (stock >= 0),
  issued bigint not null default 0 check (issued >= 0),
  limit_per_member integer check (limit_per_member >= 1),
  valid_from timestamptz,
  valid_to timestamptz,
  -- Days an issued coupon stays usable.
  coupon_valid_days integer not null default 30 check (coupon_valid_days between 1 and 3650),
  target_tiers text[] not null default '{}',
  is_active boolean not null default true,
  -- The coupon batch that holds the codes this reward issues (discount, shipping and gift kinds).
  batch_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, reward_id),
  check (stock is null or issued <= stock),
  check (valid_to is null or valid_from is null or valid_to > valid_from)
);

create table reward_issues (
  club_id text not null,
  issue_id text not null,
  reward_id text not null,
  member_id text not null,
  points bigint not null,
  -- The two-phase redemption that paid for it (null for a free reward).
  redemption_id text,
  coupon_code text,
  -- redeem (paid with points), campaign, referral, raffle.
  source text not null,
  source_id text,
  details jsonb not null default '{}'::jsonb,
  status text not null check (status in ('issued', 'voided')),
  created_at timestamptz not null,
  primary key (club_id, issue_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index reward_issues_member_idx on reward_issues (club_id, reward_id, member_id);
-- The cause of an issue (an Idempotency-Key, a campaign grant, a referral) issues at most once.
create unique index reward_issues_source_key on reward_issues (club_id, source, source_id)
  where source_id is not null and status = 'issued';
`,
  },
];
