import type { Queryable } from '../../db/db.js';
import type { PriceRun } from './intervals.js';

export interface ProductRow {
  club_id: string;
  product_id: string;
  sku: string;
  title_fa: string;
  title_en: string | null;
  category: string | null;
  url: string | null;
  image_url: string | null;
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface ProductFields {
  title_fa: string;
  title_en?: string | null;
  category?: string | null;
  url?: string | null;
  image_url?: string | null;
  is_active?: boolean;
}

const PRODUCT_COLUMNS =
  'club_id, product_id, sku, title_fa, title_en, category, url, image_url, is_active, created_at, updated_at';
const OPTIONAL_FIELDS = ['title_en', 'category', 'url', 'image_url', 'is_active'] as const;

/**
 * Inserts the product or updates the fields given (fields left out keep their value). An update that
 * changes nothing leaves updated_at alone.
 */
export async function upsertProduct(
  tx: Queryable,
  clubId: string,
  productId: string,
  sku: string,
  fields: ProductFields,
): Promise<{ row: ProductRow; inserted: boolean }> {
  const given = OPTIONAL_FIELDS.filter((f) => fields[f] !== undefined);
  const cols = ['title_fa', ...given];
  const values = [fields.title_fa, ...given.map((f) => fields[f])];
  const params = cols.map((_, i) => `$${i + 4}`);
  const { rows } = await tx.query<ProductRow & { inserted: boolean }>(
    `insert into price_products (club_id, product_id, sku, ${cols.join(', ')})
     values ($1, $2, $3, ${params.join(', ')})
     on conflict (club_id, sku) do update set ${cols.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()
     where (${cols.map((c) => `price_products.${c}`).join(', ')}) is distinct from (${cols.map((c) => `excluded.${c}`).join(', ')})
     returning ${PRODUCT_COLUMNS}, (xmax = 0) as inserted`,
    [clubId, productId, sku, ...values],
  );
  if (rows[0]) {
    const { inserted, ...row } = rows[0];
    return { row, inserted };
  }
  return { row: (await findProduct(tx, clubId, sku))!, inserted: false };
}

export async function findProduct(db: Queryable, clubId: string, sku: string): Promise<ProductRow | null> {
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from price_products where club_id = $1 and sku = $2`,
    [clubId, sku],
  );
  return rows[0] ?? null;
}

export interface LockedProduct {
  productId: string;
  /** The product's latest run, or null before its first price. */
  latest: PriceRun | null;
}

/**
 * The products of the given skus with their latest run, locked for the rest of the transaction: two
 * batches touching the same product take turns, so neither works from runs the other is changing.
 * Locked in product id order, so two batches cannot deadlock.
 */
export async function lockProducts(
  tx: Queryable,
  clubId: string,
  skus: string[],
): Promise<Map<string, LockedProduct>> {
  const { rows } = await tx.query<{
    sku: string;
    product_id: string;
    valid_from: Date | null;
    last_seen_at: Date | null;
    price_rials: number | null;
    in_stock: boolean | null;
  }>(
    `select p.sku, p.product_id, r.valid_from, r.last_seen_at, r.price_rials, r.in_stock
     from price_products p
     left join lateral (
       select valid_from, last_seen_at, price_rials, in_stock from price_runs r
       where r.club_id = p.club_id and r.product_id = p.product_id order by valid_from desc limit 1
     ) r on true
     where p.club_id = $1 and p.sku = any($2::text[])
     order by p.product_id for no key update of p`,
    [clubId, skus],
  );
  return new Map(
    rows.map((r) => [
      r.sku,
      {
        productId: r.product_id,
        latest: r.valid_from ? toRun(r as RunRow) : null,
      },
    ]),
  );
}

interface RunRow {
  product_id: string;
  valid_from: Date;
  last_seen_at: Date;
  price_rials: number;
  in_stock: boolean;
}

function toRun(r: RunRow): PriceRun {
  return {
    validFrom: r.valid_from.getTime(),
    lastSeenAt: r.last_seen_at.getTime(),
    priceRials: r.price_rials,
    inStock: r.in_stock,
  };
}

/**
 * For each product, the runs an observation at or after `minAt` can touch: the run in effect at
 * `minAt` (the latest starting at or before it) and every later run. For the daily feed that is one
 * row per product.
 */
export async function loadRunWindows(
  tx: Queryable,
  clubId: string,
  productIds: string[],
  minAts: number[],
): Promise<Map<string, PriceRun[]>> {
  const { rows } = await tx.query<RunRow>(
    `select b.product_id, r.valid_from, r.last_seen_at, r.price_rials, r.in_stock
     from unnest($2::text[], $3::timestamptz[]) as b(product_id, min_at)
     join lateral (
       select valid_from, last_seen_at, price_rials, in_stock from price_runs r
       where r.club_id = $1 and r.product_id = b.product_id
         and r.valid_from >= coalesce(
           (select max(p.valid_from) from price_runs p
            where p.club_id = $1 and p.product_id = b.product_id and p.valid_from <= b.min_at),
           b.min_at)
     ) r on true`,
    [clubId, productIds, minAts.map(iso)],
  );
  const out = new Map<string, PriceRun[]>();
  for (const r of rows) {
    const list = out.get(r.product_id);
    if (list) list.push(toRun(r));
    else out.set(r.product_id, [toRun(r)]);
  }
  for (const list of out.values()) list.sort((a, b) => a.validFrom - b.validFrom);
  return out;
}

export interface RunWrite {
  productId: string;
  run: PriceRun;
}

/** Applies a diff of runs in three set-based statements: deletes first (a start moved back is delete + insert). */
export async function writeRuns(
  tx: Queryable,
  clubId: string,
  diff: {
    deleted: Array<{ productId: string; validFrom: number }>;
    updated: RunWrite[];
    inserted: RunWrite[];
  },
): Promise<void> {
  if (diff.deleted.length) {
    await tx.query(
      `delete from price_runs r using unnest($2::text[], $3::timestamptz[]) as d(product_id, valid_from)
       where r.club_id = $1 and r.product_id = d.product_id and r.valid_from = d.valid_from`,
      [clubId, diff.deleted.map((d) => d.productId), diff.deleted.map((d) => iso(d.validFrom))],
    );
  }
  const columns = (list: RunWrite[]) => [
    list.map((w) => w.productId),
    list.map((w) => iso(w.run.validFrom)),
    list.map((w) => iso(w.run.lastSeenAt)),
    list.map((w) => w.run.priceRials),
    list.map((w) => w.run.inStock),
  ];
  if (diff.updated.length) {
    await tx.query(
      `update price_runs r set last_seen_at = u.last_seen_at, price_rials = u.price_rials, in_stock = u.in_stock
       from unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::boolean[])
         as u(product_id, valid_from, last_seen_at, price_rials, in_stock)
       where r.club_id = $1 and r.product_id = u.product_id and r.valid_from = u.valid_from`,
      [clubId, ...columns(diff.updated)],
    );
  }
  if (diff.inserted.length) {
    await tx.query(
      `insert into price_runs (club_id, product_id, valid_from, last_seen_at, price_rials, in_stock)
       select $1, * from unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::boolean[])`,
      [clubId, ...columns(diff.inserted)],
    );
  }
}

/** Every run of one product, oldest first. */
export async function loadRuns(db: Queryable, clubId: string, productId: string): Promise<PriceRun[]> {
  const { rows } = await db.query<RunRow>(
    `select product_id, valid_from, last_seen_at, price_rials, in_stock from price_runs
     where club_id = $1 and product_id = $2 order by valid_from`,
    [clubId, productId],
  );
  return rows.map(toRun);
}

/** The latest run of one product and the price before it changed to that (for the product view). */
export async function loadLatestRuns(
  db: Queryable,
  clubId: string,
  productId: string,
  count: number,
): Promise<PriceRun[]> {
  const { rows } = await db.query<RunRow>(
    `select product_id, valid_from, last_seen_at, price_rials, in_stock from price_runs
     where club_id = $1 and product_id = $2 order by valid_from desc limit $3`,
    [clubId, productId, count],
  );
  return rows.map(toRun).reverse();
}

export async function getDropThresholdPercent(db: Queryable, clubId: string): Promise<number | null> {
  const { rows } = await db.query<{ drop_threshold_percent: number }>(
    'select drop_threshold_percent from price_settings where club_id = $1',
    [clubId],
  );
  return rows[0]?.drop_threshold_percent ?? null;
}

export async function setDropThresholdPercent(db: Queryable, clubId: string, percent: number): Promise<void> {
  await db.query(
    `insert into price_settings (club_id, drop_threshold_percent) values ($1, $2)
     on conflict (club_id) do update set drop_threshold_percent = excluded.drop_threshold_percent, updated_at = now()`,
    [clubId, percent],
  );
}

export interface WatchRow {
  member_id: string;
  product_id: string;
  sku: string;
  title_fa: string;
  title_en: string | null;
  target_price_rials: number | null;
  reference_price_rials: number | null;
  current_price_rials: number | null;
  created_at: Date;
  updated_at: Date;
}

const WATCH_SELECT = `select w.member_id, w.product_id, p.sku, p.title_fa, p.title_en, w.target_price_rials,
    w.reference_price_rials, w.created_at, w.updated_at,
    (select r.price_rials from price_runs r where r.club_id = w.club_id and r.product_id = w.product_id
     order by r.valid_from desc limit 1) as current_price_rials
  from price_watches w join price_products p on p.club_id = w.club_id and p.product_id = w.product_id`;

export async function listWatches(db: Queryable, clubId: string, memberId: string): Promise<WatchRow[]> {
  const { rows } = await db.query<WatchRow>(
    `${WATCH_SELECT} where w.club_id = $1 and w.member_id = $2 order by p.sku`,
    [clubId, memberId],
  );
  return rows;
}

export async function findWatch(
  db: Queryable,
  clubId: string,
  memberId: string,
  productId: string,
): Promise<WatchRow | null> {
  const { rows } = await db.query<WatchRow>(
    `${WATCH_SELECT} where w.club_id = $1 and w.member_id = $2 and w.product_id = $3`,
    [clubId, memberId, productId],
  );
  return rows[0] ?? null;
}

export async function countWatches(db: Queryable, clubId: string, memberId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from price_watches where club_id = $1 and member_id = $2',
    [clubId, memberId],
  );
  return rows[0]!.n;
}

/** Creates the watch (its reference is the current price) or changes its target; true when created. */
export async function upsertWatch(
  tx: Queryable,
  clubId: string,
  memberId: string,
  productId: string,
  target: number | null | undefined,
  currentPrice: number | null,
): Promise<boolean> {
  const { rows } = await tx.query<{ inserted: boolean }>(
    `insert into price_watches (club_id, member_id, product_id, target_price_rials, reference_price_rials)
     values ($1, $2, $3, $4, $5)
     on conflict (club_id, member_id, product_id) do update
       set target_price_rials = case when $6 then excluded.target_price_rials else price_watches.target_price_rials end,
           updated_at = now()
     returning (xmax = 0) as inserted`,
    [clubId, memberId, productId, target ?? null, currentPrice, target !== undefined],
  );
  return rows[0]!.inserted;
}

export async function deleteWatch(
  tx: Queryable,
  clubId: string,
  memberId: string,
  productId: string,
): Promise<boolean> {
  const res = await tx.query(
    'delete from price_watches where club_id = $1 and member_id = $2 and product_id = $3',
    [clubId, memberId, productId],
  );
  return res.rowCount > 0;
}

export interface WatchState {
  member_id: string;
  product_id: string;
  target_price_rials: number | null;
  reference_price_rials: number | null;
}

/** Watches of the given products, locked: their references change with the prices being written. */
export async function lockWatchesOf(
  tx: Queryable,
  clubId: string,
  productIds: string[],
): Promise<WatchState[]> {
  const { rows } = await tx.query<WatchState>(
    `select member_id, product_id, target_price_rials, reference_price_rials from price_watches
     where club_id = $1 and product_id = any($2::text[]) order by member_id, product_id for update`,
    [clubId, productIds],
  );
  return rows;
}

export async function setWatchReferences(
  tx: Queryable,
  clubId: string,
  watches: WatchState[],
): Promise<void> {
  if (!watches.length) return;
  await tx.query(
    `update price_watches w set reference_price_rials = u.ref, updated_at = now()
     from unnest($2::text[], $3::text[], $4::bigint[]) as u(member_id, product_id, ref)
     where w.club_id = $1 and w.member_id = u.member_id and w.product_id = u.product_id`,
    [
      clubId,
      watches.map((w) => w.member_id),
      watches.map((w) => w.product_id),
      watches.map((w) => w.reference_price_rials),
    ],
  );
}

export interface NewAlert {
  alertId: string;
  memberId: string;
  productId: string;
  reason: 'target' | 'drop';
  oldPriceRials: number | null;
  newPriceRials: number;
  referencePriceRials: number | null;
  targetPriceRials: number | null;
  observedAt: number;
}

export async function insertAlerts(tx: Queryable, clubId: string, alerts: NewAlert[]): Promise<void> {
  if (!alerts.length) return;
  await tx.query(
    `insert into price_alerts (club_id, alert_id, member_id, product_id, reason, old_price_rials, new_price_rials,
       reference_price_rials, target_price_rials, observed_at)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
       $8::bigint[], $9::bigint[], $10::timestamptz[])`,
    [
      clubId,
      alerts.map((a) => a.alertId),
      alerts.map((a) => a.memberId),
      alerts.map((a) => a.productId),
      alerts.map((a) => a.reason),
      alerts.map((a) => a.oldPriceRials),
      alerts.map((a) => a.newPriceRials),
      alerts.map((a) => a.referencePriceRials),
      alerts.map((a) => a.targetPriceRials),
      alerts.map((a) => iso(a.observedAt)),
    ],
  );
}

export interface AlertRow {
  alert_no: number;
  alert_id: string;
  member_id: string;
  sku: string;
  reason: 'target' | 'drop';
  old_price_rials: number | null;
  new_price_rials: number;
  reference_price_rials: number | null;
  target_price_rials: number | null;
  observed_at: Date;
  created_at: Date;
}

/** Alerts, newest first, optionally of one member and/or one product; `beforeNo` pages. */
export async function listAlerts(
  db: Queryable,
  clubId: string,
  opts: { memberId?: string | null; productId?: string | null; beforeNo?: number | null; limit: number },
): Promise<AlertRow[]> {
  const { rows } = await db.query<AlertRow>(
    `select a.alert_no, a.alert_id, a.member_id, p.sku, a.reason, a.old_price_rials, a.new_price_rials,
       a.reference_price_rials, a.target_price_rials, a.observed_at, a.created_at
     from price_alerts a join price_products p on p.club_id = a.club_id and p.product_id = a.product_id
     where a.club_id = $1 and ($2::text is null or a.member_id = $2) and ($3::text is null or a.product_id = $3)
       and ($4::bigint is null or a.alert_no < $4)
     order by a.alert_no desc limit $5`,
    [clubId, opts.memberId ?? null, opts.productId ?? null, opts.beforeNo ?? null, opts.limit],
  );
  return rows;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Active products whose sku is the text (first), starts with it, or whose title contains it: the
 * portal's "watch a product" search and the staff's product list. The exact sku uses the unique index;
 * the rest scans with a limit. `page` continues a listing: the exact match was on the first page, so
 * later pages leave it out and go on by sku after `after` (null: from the first sku).
 */
export async function searchProducts(
  db: Queryable,
  clubId: string,
  text: string,
  limit: number,
  page?: { after: string | null },
): Promise<ProductRow[]> {
  const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await db.query<ProductRow>(
    `select ${PRODUCT_COLUMNS} from price_products
      where club_id = $1 and is_active
        and (sku = $2 or lower(sku) like lower($3) or title_fa ilike $4 or title_en ilike $4)
        ${page ? 'and sku <> $2 and ($6::text is null or sku > $6)' : ''}
      order by (sku = $2) desc, sku limit $5`,
    [clubId, text, `${like.slice(1)}`, like, limit, ...(page ? [page.after] : [])],
  );
  return rows;
}
