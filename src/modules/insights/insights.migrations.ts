import type { Migration } from '../../db/migrations.js';

/** The insights module's migrations: versions 5000-5999. Never edit a shipped one; add the next. */
export const INSIGHTS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 5000,
    name: 'insights: settings, runs, member snapshots',
    sql: `
create table insight_settings (
  club_id text primary key references clubs (club_id),
  -- CLV discounts each future month by (1 + rate)^m; 0.01 is about 12.7 % a year.
  monthly_discount_rate double precision not null default 0.01 check (monthly_discount_rate >= 0 and monthly_discount_rate <= 0.5),
  -- Share of revenue that is profit: CLV is a margin, not revenue.
  margin double precision not null default 0.2 check (margin > 0 and margin <= 1),
  -- Months of future purchases CLV counts.
  horizon_months integer not null default 12 check (horizon_months between 1 and 120),
  -- A buyer with no order for this many days is lapsed in the lapsed-customers report.
  lapsed_days integer not null default 180 check (lapsed_days between 1 and 3650),
  -- Snapshots of older runs are deleted (their run records stay): bounds the table at keep_runs × buyers.
  keep_runs integer not null default 40 check (keep_runs between 2 and 400),
  updated_at timestamptz not null default now()
);

-- One computation of the club's insights: what it read, the fitted models, warnings and timings.
create table insight_runs (
  club_id text not null references clubs (club_id),
  run_no bigint generated always as identity,
  run_id text not null,
  -- schedule: the daily job; api: POST /v1/insights/runs; demo: the demo loader.
  trigger text not null check (trigger in ('schedule', 'api', 'demo')),
  status text not null check (status in ('running', 'succeeded', 'failed')),
  -- Orders placed up to this instant were read; its Tehran calendar day is the models' calibration end.
  as_of timestamptz not null,
  as_of_day date not null,
  -- The club's settings the run used (discount rate, margin, horizon).
  settings jsonb not null,
  orders integer,
  buyers integer,
  repeat_buyers integer,
  -- Fitted BG/NBD and Gamma-Gamma (params, standard errors, log-likelihood, iterations), null when not fitted.
  purchase_model jsonb,
  spend_model jsonb,
  -- Plain-language problems: a model not fitted (and why), parameters at a bound, fallbacks taken.
  warnings jsonb not null default '[]'::jsonb,
  -- Milliseconds per stage (read, summarise, rfm, fit, predict, write).
  timings jsonb not null default '{}'::jsonb,
  error text,
  -- True once the run's member rows were deleted to keep the table bounded (keep_runs).
  is_purged boolean not null default false,
  started_at timestamptz not null,
  finished_at timestamptz,
  primary key (club_id, run_id),
  unique (club_id, run_no)
);
-- At most one running run per club: a second start collides here and is refused.
create unique index insight_runs_running_key on insight_runs (club_id) where status = 'running';
create index insight_runs_latest_idx on insight_runs (club_id, as_of desc, run_no desc) where status = 'succeeded';

-- One row per buyer per run: the member's insights as of the run's as_of day. Immutable once written.
create table member_insights (
  club_id text not null,
  run_id text not null,
  member_id text not null,
  -- RFM quintile scores 1-5 and the segment (docs/analytics.md for the tie rule and the map).
  r smallint not null,
  f smallint not null,
  m smallint not null,
  segment text not null,
  -- Qualifying orders (same day counted separately), distinct purchase days, net spend, days since the last.
  orders integer not null,
  purchase_days integer not null,
  revenue_rials bigint not null,
  first_purchase_day date not null,
  last_purchase_day date not null,
  recency_days integer not null,
  -- BG/NBD and Gamma-Gamma predictions; null when the model could not be fitted for the run.
  p_alive double precision,
  expected_purchases_90d double precision,
  expected_purchases_365d double precision,
  expected_avg_spend_rials double precision,
  clv_rials double precision,
  -- The documented churn-risk rule (docs/insights.md).
  is_churn_risk boolean not null,
  primary key (club_id, run_id, member_id)
);
create index member_insights_member_idx on member_insights (club_id, member_id);
`,
  },
  {
    version: 5001,
    name: 'insights: the model check of each run',
    sql: `
-- BG/NBD fitted on the orders up to 90 days before the as-of day, its predicted purchases in those 90 days
-- against the actual ones by calibration frequency (docs/insights.md); null for runs made before it existed.
alter table insight_runs add column model_check jsonb;
`,
  },
];
