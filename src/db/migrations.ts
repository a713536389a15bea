import type { Db } from './db.js';

/**
 * Migrations are TypeScript strings rather than .sql files so the build carries them without a copy
 * step. They are applied in order, each once, in its own transaction; never edit one that has shipped:
 * add the next. The same SQL runs on PGlite (PostgreSQL 18 in WASM) and on PostgreSQL 15 or newer.
 *
 * Every table has `club_id` first in its primary key: it is the distribution key when a deployment
 * outgrows one machine (Citus), and it makes every query of the API a one-tenant query.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Core migrations use versions 1-999. A feature module brings its own list (see
 * src/modules/registry.ts) in its own range of 1,000 (e.g. 7000-7999), so modules never collide.
 */
export const MIGRATIONS: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: 'clubs, members, orders, ledger, outbox, idempotency',
    sql: `
create table clubs (
  club_id text primary key,
  name text not null,
  -- Default earning rule: one point per this many rials paid, rounded down.
  rials_per_point bigint not null default 10000 check (rials_per_point > 0),
  -- Points earned on an order stay pending until this many days after delivery.
  return_window_days integer not null default 14 check (return_window_days between 0 and 365),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table api_keys (
  club_id text not null references clubs (club_id),
  key_id text not null,
  name text not null,
  -- sha256 of the whole key; the key itself is shown once and never stored.
  key_hash text not null unique,
  -- The first characters of the key, so staff can tell keys apart in a listing.
  key_prefix text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  primary key (club_id, key_id)
);

create table members (
  club_id text not null references clubs (club_id),
  member_id text not null,
  -- The shop's own id for the customer; the API addresses members by it.
  external_id text not null,
  first_name text,
  last_name text,
  -- E.164 (+989xxxxxxxxx); unique in a club so a mobile identifies one member (portal sign-in).
  mobile text,
  email text,
  city text,
  province text,
  birth_date date,
  gender text check (gender in ('female', 'male', 'other')),
  consent_sms boolean not null default false,
  consent_email boolean not null default false,
  attributes jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, member_id),
  unique (club_id, external_id)
);
create unique index members_mobile_key on members (club_id, mobile) where mobile is not null;
create index members_email_idx on members (club_id, lower(email));

create table orders (
  club_id text not null references clubs (club_id),
  order_id text not null,
  -- The shop's order id: also the idempotency key of POST /v1/orders.
  external_id text not null,
  member_id text not null,
  placed_at timestamptz not null,
  status text not null check (status in ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
  total_rials bigint not null check (total_rials >= 0),
  returned_rials bigint not null default 0 check (returned_rials >= 0 and returned_rials <= total_rials),
  promised_delivery_at timestamptz,
  paid_at timestamptz,
  shipped_at timestamptz,
  delivered_at timestamptz,
  cancelled_at timestamptz,
  -- sha256 of the canonical request body: a retry with another body is a conflict, not a duplicate.
  request_hash text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, order_id),
  unique (club_id, external_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index orders_member_idx on orders (club_id, member_id, placed_at);

create table order_lines (
  club_id text not null,
  order_id text not null,
  line_no integer not null,
  sku text not null,
  category text,
  quantity integer not null check (quantity > 0),
  unit_price_rials bigint not null check (unit_price_rials >= 0),
  returned_quantity integer not null default 0 check (returned_quantity >= 0 and returned_quantity <= quantity),
  primary key (club_id, order_id, line_no),
  foreign key (club_id, order_id) references orders (club_id, order_id)
);

-- Every status the order went through, with the time the shop says it happened.
create table order_events (
  club_id text not null,
  event_no bigint generated always as identity,
  order_id text not null,
  status text not null,
  at timestamptz not null,
  recorded_at timestamptz not null default now(),
  primary key (club_id, event_no)
);
create index order_events_order_idx on order_events (club_id, order_id, event_no);

create table order_returns (
  club_id text not null,
  return_id text not null,
  order_id text not null,
  -- The shop's return id, unique within the order: the idempotency key of a return.
  external_id text not null,
  amount_rials bigint not null check (amount_rials > 0),
  lines jsonb,
  points_reversed bigint not null default 0,
  request_hash text not null,
  returned_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (club_id, return_id),
  unique (club_id, order_id, external_id),
  foreign key (club_id, order_id) references orders (club_id, order_id)
);

-- A lot is the points one source (an order) earned: it stays pending until available_at, and returns
-- and cancellation take back a share of it. Lots are what makes "pending" exact per order, and they
-- are where expiry (oldest lot first) will count from.
create table point_lots (
  club_id text not null,
  lot_id text not null,
  member_id text not null,
  source_type text not null,
  source_id text not null,
  points_earned bigint not null check (points_earned >= 0),
  points_reversed bigint not null default 0 check (points_reversed >= 0 and points_reversed <= points_earned),
  -- pending: not yet spendable; available: released to the member's available account.
  state text not null check (state in ('pending', 'available')),
  -- When a pending lot matures (delivery + the club's return window); null until delivered.
  available_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, lot_id),
  unique (club_id, source_type, source_id)
);
create index point_lots_member_idx on point_lots (club_id, member_id);
create index point_lots_maturing_idx on point_lots (club_id, available_at) where state = 'pending';

-- Cached balances of member accounts. Club-side accounts (issued, reversed, adjusted, ...) are not
-- cached: their balances are sums over ledger_entries, so no single hot row serialises every order of
-- a club. A member balance is checkable: it must equal the sum of that account's entries.
create table ledger_accounts (
  club_id text not null,
  account_id text not null,
  member_id text not null,
  kind text not null check (kind in ('available', 'pending', 'debt', 'reserved')),
  balance bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (club_id, account_id),
  -- The ledger's limits live in the database, in the same transaction that writes.
  constraint ledger_accounts_never_negative check (kind = 'debt' or balance >= 0),
  constraint ledger_accounts_debt_not_positive check (kind <> 'debt' or balance <= 0)
);
create index ledger_accounts_member_idx on ledger_accounts (club_id, member_id);

-- Append-only: every movement debits one account and credits another by the same amount, so the
-- sum over all accounts of a club is zero by construction and checkable by the auditor.
create table ledger_entries (
  club_id text not null,
  entry_no bigint generated always as identity,
  -- Deterministic per cause (earn:<order>, reverse:<return>, adjust:<idempotency key>): a retried
  -- movement collides here and is not posted twice.
  transfer_id text not null,
  debit_account text not null,
  credit_account text not null,
  amount bigint not null check (amount > 0),
  reason text not null,
  member_id text,
  source_type text not null,
  source_id text not null,
  -- The earning rule (or other rule) that produced the entry; null for manual and system movements.
  rule_id text,
  note text,
  created_at timestamptz not null default now(),
  primary key (club_id, entry_no),
  unique (club_id, transfer_id)
);
create index ledger_entries_member_idx on ledger_entries (club_id, member_id, entry_no);

create table outbox_events (
  club_id text not null,
  event_no bigint generated always as identity,
  event_id text not null,
  type text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (club_id, event_no),
  unique (club_id, event_id)
);
create index outbox_events_due_idx on outbox_events (next_attempt_at) where status = 'pending';

create table idempotency_keys (
  club_id text not null,
  idempotency_key text not null,
  route text not null,
  request_hash text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (club_id, idempotency_key)
);
`,
  },
  {
    version: 2,
    name: 'earning rules, events, expiry, redemptions',
    sql: `
-- Calendar for "per month", "per year" and birthdays: Jalali by default, Gregorian by choice.
alter table clubs add column calendar text not null default 'jalali' check (calendar in ('jalali', 'gregorian'));
-- never: points never expire; months: N months after they became available; jalali_year_end: at Nowruz.
alter table clubs add column expiry_mode text not null default 'never' check (expiry_mode in ('never', 'months', 'jalali_year_end'));
alter table clubs add column expiry_months integer not null default 12 check (expiry_months between 1 and 120);
-- Redemption: what one point is worth at checkout, the largest share of a cart points may pay, the
-- smallest redemption, and how long an uncommitted reservation holds points.
alter table clubs add column point_value_rials bigint not null default 100 check (point_value_rials > 0);
alter table clubs add column redeem_max_share_pct integer not null default 50 check (redeem_max_share_pct between 1 and 100);
alter table clubs add column redeem_min_points bigint not null default 0 check (redeem_min_points >= 0);
alter table clubs add column reservation_ttl_minutes integer not null default 30 check (reservation_ttl_minutes between 1 and 10080);

-- When the points a credit to an available account brings will expire (computed when posted, so a
-- later change of the club's expiry setting never rewrites history); null: never.
alter table ledger_entries add column expires_at timestamptz;
-- Who asked for the movement (an API key id, later a staff user); null for system movements.
alter table ledger_entries add column author text;
create index ledger_entries_rule_idx on ledger_entries (club_id, rule_id, member_id, created_at) where rule_id is not null;

create table earning_rules (
  club_id text not null references clubs (club_id),
  rule_id text not null,
  name text not null,
  kind text not null check (kind in ('rate', 'multiplier', 'product_bonus', 'first_order', 'birthday', 'event', 'tier_multiplier')),
  -- Lower runs first; unique among live rules, so the order is always explicit.
  priority integer not null,
  -- Kind-specific settings (rate, factor, skus, points, event type, limits), validated by the API schema.
  config jsonb not null,
  active_from timestamptz,
  active_to timestamptz,
  target_tiers text[] not null default '{}',
  cap_per_order bigint,
  cap_per_member_day bigint,
  cap_per_member_month bigint,
  -- When this rule applies, later rules do not.
  stop boolean not null default false,
  enabled boolean not null default true,
  version integer not null default 1,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (club_id, rule_id),
  check (active_to is null or active_from is null or active_to > active_from)
);
create unique index earning_rules_priority_key on earning_rules (club_id, priority) where archived_at is null;

create table member_events (
  club_id text not null,
  event_id text not null,
  -- The shop's id for the event: the idempotency key of POST /v1/events.
  external_id text not null,
  member_id text not null,
  type text not null,
  at timestamptz not null,
  properties jsonb not null default '{}'::jsonb,
  points bigint not null default 0,
  request_hash text not null,
  created_at timestamptz not null default now(),
  primary key (club_id, event_id),
  unique (club_id, external_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index member_events_member_idx on member_events (club_id, member_id, type, at);

create table redemptions (
  club_id text not null,
  redemption_id text not null,
  member_id text not null,
  order_external_id text not null,
  points bigint not null check (points > 0),
  value_rials bigint not null,
  -- pending: points held in the reserved account; committed: spent; voided / expired: given back.
  status text not null check (status in ('pending', 'committed', 'voided', 'expired')),
  expires_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (club_id, redemption_id),
  foreign key (club_id, member_id) references members (club_id, member_id)
);
create index redemptions_member_idx on redemptions (club_id, member_id, created_at);
create index redemptions_due_idx on redemptions (club_id, expires_at) where status = 'pending';

-- One reminder per member and expiry date, so the job can run often without repeating itself.
create table expiry_reminders (
  club_id text not null,
  member_id text not null,
  expires_at timestamptz not null,
  points bigint not null,
  created_at timestamptz not null default now(),
  primary key (club_id, member_id, expires_at)
);
`,
  },
  {
    version: 3,
    name: 'earning rules target segments',
    sql: `
-- RFM segments (from the latest insights run) a rule is limited to; empty means every member.
alter table earning_rules add column target_segments text[] not null default '{}';
`,
  },
];

/**
 * Applies pending migrations. On PostgreSQL an advisory lock keeps two starting processes from
 * migrating at once; PGlite has one process by construction (the data-directory lock).
 */
export async function migrate(
  db: Db,
  modules: ReadonlyArray<Migration> = [],
): Promise<{ applied: number[] }> {
  const all = [...MIGRATIONS, ...modules].sort((a, b) => a.version - b.version);
  const versions = new Set<number>();
  for (const m of all) {
    if (versions.has(m.version)) throw new Error(`two migrations have version ${m.version}`);
    versions.add(m.version);
  }
  const applied: number[] = [];
  await db.exec(`create table if not exists schema_migrations (
    version integer primary key,
    name text not null,
    applied_at timestamptz not null default now()
  )`);
  await db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('select pg_advisory_xact_lock(7461746)');
    const done = new Set(
      (await tx.query<{ version: number }>('select version from schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of all) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
  });
  // PGlite has no autovacuum, so its planner never learns table sizes by itself: a foreign-key check
  // planned on an empty table stays a sequential scan (the ingest bench saw 3.1 s per batch of 1,000
  // against 57 ms after ANALYZE). Analysing at start is cheap; the demo loader and imports do it again.
  if (db.kind === 'pglite') await db.exec('analyze');
  return { applied };
}

// Statements are run one by one inside the migration's transaction (the extended protocol takes one
// statement at a time). The migrations use no semicolons inside strings or bodies, which keeps this simple.
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*\n/)
    .map((s) => s.replace(/--[^\n]*\n/g, '\n').trim())
    .filter((s) => s.length > 0);
}
