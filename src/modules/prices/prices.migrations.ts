import type { Migration } from '../../db/migrations.js';

/** The prices module's migrations: versions 7000-7999. Never edit a shipped one; add the next. */
export const PRICES_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 7000,
    name: 'prices: products, price runs, settings, watches, alerts',
    sql: `
create table price_products (
  club_id text not null references clubs (club_id),
  product_id text not null,
  -- The shop's product id; the API addresses products by it.
  sku text not null,
  title_fa text not null,
  title_en text,
  category text,
  url text,
  image_url text,
  -- Inactive products keep their history but are not offered to watch.
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, product_id),
  unique (club_id, sku)
);

-- A run of consecutive observations with the same price and stock state: only its first and last
-- observation are kept, so an unchanged price sent every day is one row (see docs/prices.md).
-- The price at an instant is the one of the run with the latest valid_from at or before it.
create table price_runs (
  club_id text not null,
  product_id text not null,
  -- The run's first observation.
  valid_from timestamptz not null,
  -- The run's last observation (the price was still this then).
  last_seen_at timestamptz not null,
  price_rials bigint not null check (price_rials > 0),
  in_stock boolean not null,
  primary key (club_id, product_id, valid_from),
  foreign key (club_id, product_id) references price_products (club_id, product_id),
  check (last_seen_at >= valid_from)
-- Room on each page so the daily "same price again" update of last_seen_at (no indexed column) is a
-- HOT update: no index write, and the old version is pruned in place.
) with (fillfactor = 90);

create table price_settings (
  club_id text primary key references clubs (club_id),
  -- A watched price that falls by at least this percent from its peak since the last alert alerts.
  drop_threshold_percent numeric(5, 2) not null default 10 check (drop_threshold_percent between 1 and 90),
  updated_at timestamptz not null default now()
);

create table price_watches (
  club_id text not null,
  member_id text not null,
  product_id text not null,
  -- Alert when the price reaches this (optional).
  target_price_rials bigint check (target_price_rials > 0),
  -- The highest price since the watch began or since its last alert: drops are measured from it, so
  -- one drop alerts once, and a repeat of the same price never does.
  reference_price_rials bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, member_id, product_id),
  foreign key (club_id, member_id) references members (club_id, member_id),
  foreign key (club_id, product_id) references price_products (club_id, product_id)
);
create index price_watches_product_idx on price_watches (club_id, product_id);

create table price_alerts (
  club_id text not null,
  alert_no bigint generated always as identity,
  alert_id text not null,
  member_id text not null,
  product_id text not null,
  -- target: the price reached the member's target; drop: it fell by the club's threshold.
  reason text not null check (reason in ('target', 'drop')),
  old_price_rials bigint,
  new_price_rials bigint not null,
  reference_price_rials bigint,
  target_price_rials bigint,
  -- The observation that raised it.
  observed_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (club_id, alert_no),
  unique (club_id, alert_id)
);
create index price_alerts_member_idx on price_alerts (club_id, member_id, alert_no);
create index price_alerts_product_idx on price_alerts (club_id, product_id, alert_no);
`,
  },
];
