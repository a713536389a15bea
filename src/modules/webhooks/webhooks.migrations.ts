import type { Migration } from '../../db/migrations.js';

/** Webhooks use versions 8000-8099 of the notifications range (8000-8999). */
export const WEBHOOKS_MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 8001,
    name: 'webhooks: settings, subscriptions, deliveries, attempts, WooCommerce connections',
    sql: `
create table webhook_settings (
  club_id text primary key references clubs (club_id),
  -- Allow subscription URLs that resolve to loopback, private or link-local addresses (same-network shops, tests).
  allow_private_urls boolean not null default false,
  updated_at timestamptz not null default now()
);

create table webhook_subscriptions (
  club_id text not null references clubs (club_id),
  subscription_id text not null,
  url text not null,
  -- Event types delivered to this URL, '*' means every type.
  event_types text[] not null,
  description text,
  -- Standard Webhooks secret (whsec_ + base64). Stored because every delivery is signed with it, the API shows it once.
  secret text not null,
  -- The secret before the last rotation: deliveries are signed with both until previous_secret_expires_at.
  previous_secret text,
  previous_secret_expires_at timestamptz,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, subscription_id)
);

-- One row per (event, subscription): the unique key makes a fan-out retried after a crash a no-op.
create table webhook_deliveries (
  club_id text not null,
  delivery_id text not null,
  event_id text not null,
  subscription_id text not null,
  event_type text not null,
  -- pending: due at next_attempt_at (also while leased by a worker), delivered, dead (attempts used up), cancelled (subscription gone).
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead', 'cancelled')),
  attempts integer not null default 0,
  -- When the next attempt is due, a claiming worker pushes it past its lease so a crash re-delivers after the lease.
  next_attempt_at timestamptz not null,
  -- The claim of the worker sending now, its result is only written while it still holds the claim.
  lease_token text,
  last_status_code integer,
  last_response_ms integer,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (club_id, delivery_id),
  unique (club_id, event_id, subscription_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_sub_idx on webhook_deliveries (club_id, subscription_id, created_at);

-- The delivery log: every attempt with its answer and response time.
create table webhook_attempts (
  club_id text not null,
  attempt_no bigint generated always as identity,
  delivery_id text not null,
  started_at timestamptz not null,
  status_code integer,
  response_ms integer not null,
  error text,
  response_snippet text,
  primary key (club_id, attempt_no)
);
create index webhook_attempts_delivery_idx on webhook_attempts (club_id, delivery_id, attempt_no);

-- An inbound WooCommerce webhook source: the shop posts to /hooks/woocommerce/{connection_id}.
create table woocommerce_connections (
  club_id text not null references clubs (club_id),
  connection_id text not null unique,
  name text not null,
  -- The secret entered in WooCommerce's webhook form, X-WC-Webhook-Signature is keyed by it.
  secret text not null,
  -- The store currency when an order does not say: IRT (Toman, x10) or IRR (rial).
  default_currency text not null default 'IRT' check (default_currency in ('IRT', 'IRR')),
  created_at timestamptz not null default now(),
  primary key (club_id, connection_id)
)`,
  },
];
