/**
 * Prices benchmark: N products × D days of daily prices (a seeded random walk: the price changes on
 * about 1 day in 10), then three figures:
 *
 * - import: observations per second through POST /v1/prices/batch (10,000 per request, in-process via
 *   app.inject, so JSON, validation and the transaction are all counted), for the first
 *   `--import-products` products over all D days, sent day by day as a daily feed would;
 * - storage: the size of price_runs (table and index) once all N products carry D days; the products
 *   not imported through the API are written straight as runs (the same runs the API would make);
 * - history latency: GET /v1/products/{sku}/price-history?resolution=day for one year, for random
 *   products, p50 and p99 (in-process, full request path), after a warm-up.
 *
 *   npx tsx bench/prices.ts                                  # PostgreSQL, 100,000 products × 730 days
 *   npx tsx bench/prices.ts --backend pglite --products 5000  # PGlite, smaller
 *
 * Options: --backend postgres|pglite, --url postgres://… (server; a database vafa_bench_prices is
 * created and dropped), --products N, --days D, --import-products N, --queries N, --keep, --sql-timing
 * (time per SQL statement during the import).
 */
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { type Db, openDb } from '../src/db/db.js';
import { migrate } from '../src/db/migrations.js';
import { pricesModule } from '../src/modules/prices/index.js';
import type { PriceRun } from '../src/modules/prices/intervals.js';
import { dropDatabase, recreateDatabase, withDatabase } from './lib/postgres.js';
import { TimedDb } from './lib/sql-timing.js';
import { formatNumber, quantile } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'postgres' },
    url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432' },
    products: { type: 'string' },
    days: { type: 'string', default: '730' },
    'import-products': { type: 'string' },
    queries: { type: 'string', default: '2000' },
    keep: { type: 'boolean', default: false },
    'sql-timing': { type: 'boolean', default: false },
  },
});
const backend = args.backend === 'pglite' ? 'pglite' : 'postgres';
const PRODUCTS = Number(args.products ?? (backend === 'pglite' ? 5_000 : 100_000));
const DAYS = Number(args.days);
const IMPORT_PRODUCTS = Math.min(
  PRODUCTS,
  Number(args['import-products'] ?? (backend === 'pglite' ? 1_000 : 10_000)),
);
const QUERIES = Number(args.queries);
const BATCH = 10_000;
const DAY_MS = 86_400_000;
// Noon in Tehran (08:30 UTC) of each day, ending today.
const TODAY_NOON = Math.floor(Date.now() / DAY_MS) * DAY_MS + 8.5 * 3600_000 - DAY_MS;
const dayAt = (d: number) => TODAY_NOON - (DAYS - 1 - d) * DAY_MS;
const skuOf = (p: number) => `SKU-${String(p).padStart(7, '0')}`;

/** mulberry32: tiny and seeded, so every run sees the same prices. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The daily prices of product p: changes on ~10% of days, by -8%..+10% (prices drift up), in 1,000s of rials. */
function dailyPrices(p: number): Int32Array {
  const rnd = random(p * 7919 + 1);
  const out = new Int32Array(DAYS);
  let price = Math.round((100 + rnd() * 50_000) * 1000) / 1000;
  for (let d = 0; d < DAYS; d++) {
    if (rnd() < 0.1) price = Math.max(1, Math.round(price * (0.92 + rnd() * 0.18)));
    out[d] = Math.round(price);
  }
  return out;
}

function runsOf(p: number): PriceRun[] {
  const prices = dailyPrices(p);
  const runs: PriceRun[] = [];
  for (let d = 0; d < DAYS; d++) {
    const priceRials = prices[d]! * 1000;
    const last = runs[runs.length - 1];
    if (last && last.priceRials === priceRials) last.lastSeenAt = dayAt(d);
    else runs.push({ validFrom: dayAt(d), lastSeenAt: dayAt(d), priceRials, inStock: true });
  }
  return runs;
}

async function main(): Promise<void> {
  const dbUrl = backend === 'postgres' ? withDatabase(args.url!, 'vafa_bench_prices') : undefined;
  if (dbUrl) await recreateDatabase(dbUrl);
  const raw = await openDb({ databaseUrl: dbUrl, dataDir: null, poolMax: 4 });
  const timed = args['sql-timing'] ? new TimedDb(raw) : null;
  const db: Db = timed ?? raw;
  const line = (s: string) => process.stdout.write(`${s}\n`);
  line(
    `prices bench on ${backend}: ${formatNumber(PRODUCTS)} products × ${DAYS} days ` +
      `(${formatNumber(PRODUCTS * DAYS)} observations); import measured on ${formatNumber(IMPORT_PRODUCTS)} products`,
  );
  try {
    await migrate(db, pricesModule.migrations);
    const { app, ctx } = await buildApp({ db, modules: [pricesModule] });
    await app.ready();
    const { club, apiKey } = await ctx.services.clubs.createClub('Bench club');
    const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };

    // Products, straight into the table (PUT /v1/products is not what is measured).
    for (let from = 0; from < PRODUCTS; from += 50_000) {
      const n = Math.min(50_000, PRODUCTS - from);
      await db.query(
        `insert into price_products (club_id, product_id, sku, title_fa, title_en)
         select $1, 'prd_' || lpad(i::text, 7, '0'), 'SKU-' || lpad(i::text, 7, '0'), 'کالا ' || i, 'Product ' || i
         from generate_series($2::int, $3::int) as i`,
        [club.id, from, from + n - 1],
      );
    }

    // Import: day by day, 10,000 products per request, through the endpoint.
    const prices = Array.from({ length: IMPORT_PRODUCTS }, (_, p) => dailyPrices(p));
    let observations = 0;
    const started = performance.now();
    for (let d = 0; d < DAYS; d++) {
      const at = new Date(dayAt(d)).toISOString();
      for (let from = 0; from < IMPORT_PRODUCTS; from += BATCH) {
        const items = [];
        for (let p = from; p < Math.min(from + BATCH, IMPORT_PRODUCTS); p++)
          items.push({ sku: skuOf(p), priceRials: prices[p]![d]! * 1000, at, inStock: true });
        const res = await app.inject({
          method: 'POST',
          url: '/v1/prices/batch',
          headers: auth,
          payload: JSON.stringify({ observations: items }),
        });
        if (res.statusCode !== 200)
          throw new Error(`batch answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
        observations += items.length;
      }
      if (process.stdout.isTTY && d % 10 === 0)
        process.stdout.write(
          `\r  import: day ${d + 1}/${DAYS}, ${formatNumber(observations)} observations   `,
        );
    }
    const importS = (performance.now() - started) / 1000;
    if (process.stdout.isTTY) process.stdout.write('\r');
    line(
      `import: ${formatNumber(observations)} observations in ${importS.toFixed(1)} s = ` +
        `${formatNumber(observations / importS)} observations/s (batches of ${formatNumber(BATCH)})`,
    );
    if (timed) {
      line(timed.report());
      timed.reset();
    }

    // The other products: their runs written directly, in chunks.
    const fillStarted = performance.now();
    let chunk: Array<{ p: number; r: PriceRun }> = [];
    const flush = async () => {
      if (!chunk.length) return;
      await db.query(
        `insert into price_runs (club_id, product_id, valid_from, last_seen_at, price_rials, in_stock)
         select $1, * from unnest($2::text[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::boolean[])`,
        [
          club.id,
          chunk.map((c) => `prd_${String(c.p).padStart(7, '0')}`),
          chunk.map((c) => new Date(c.r.validFrom).toISOString()),
          chunk.map((c) => new Date(c.r.lastSeenAt).toISOString()),
          chunk.map((c) => c.r.priceRials),
          chunk.map((c) => c.r.inStock),
        ],
      );
      chunk = [];
    };
    for (let p = IMPORT_PRODUCTS; p < PRODUCTS; p++) {
      for (const r of runsOf(p)) chunk.push({ p, r });
      if (chunk.length >= 50_000) await flush();
    }
    await flush();
    await db.query('analyze price_runs');
    await db.query('analyze price_products');
    line(
      `fill: ${formatNumber(PRODUCTS - IMPORT_PRODUCTS)} more products as runs in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`,
    );

    // The imported products must have exactly the runs the generator implies.
    const check = await db.query<{ n: number }>(
      `select count(*)::int as n from price_runs where club_id = $1 and product_id < $2`,
      [club.id, `prd_${String(IMPORT_PRODUCTS).padStart(7, '0')}`],
    );
    const expected = Array.from({ length: IMPORT_PRODUCTS }, (_, p) => runsOf(p).length).reduce(
      (a, b) => a + b,
      0,
    );
    if (check.rows[0]!.n !== expected)
      throw new Error(`imported runs ${check.rows[0]!.n} != expected ${expected}`);

    const size = await db.query<{ runs: number; table_bytes: number; index_bytes: number }>(
      `select (select count(*) from price_runs)::bigint as runs,
              pg_table_size('price_runs')::bigint as table_bytes,
              pg_indexes_size('price_runs')::bigint as index_bytes`,
    );
    const s = size.rows[0]!;
    const total = s.table_bytes + s.index_bytes;
    line(
      `storage: ${formatNumber(s.runs)} runs for ${formatNumber(PRODUCTS * DAYS)} observations ` +
        `(${((PRODUCTS * DAYS) / s.runs).toFixed(1)} observations per row); price_runs ${(total / 2 ** 20).toFixed(0)} MiB ` +
        `(table ${(s.table_bytes / 2 ** 20).toFixed(0)} MiB + index ${(s.index_bytes / 2 ** 20).toFixed(0)} MiB), ` +
        `${(total / s.runs).toFixed(0)} bytes per run, ${(total / (PRODUCTS * DAYS)).toFixed(1)} bytes per observation`,
    );

    // History latency: one year at day resolution, random products.
    const from = new Date(Date.now() - 365 * DAY_MS).toISOString();
    const rnd = random(42);
    const ask = async () => {
      const sku = skuOf(Math.floor(rnd() * PRODUCTS));
      const t0 = performance.now();
      const res = await app.inject({
        method: 'GET',
        url: `/v1/products/${sku}/price-history?resolution=day&from=${encodeURIComponent(from)}`,
        headers: { authorization: auth.authorization },
      });
      const ms = performance.now() - t0;
      if (res.statusCode !== 200)
        throw new Error(`history answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
      return { ms, body: res.body };
    };
    for (let i = 0; i < Math.min(200, QUERIES); i++) await ask();
    const samples: number[] = [];
    let buckets = 0;
    for (let i = 0; i < QUERIES; i++) {
      const { ms, body } = await ask();
      samples.push(ms);
      if (i === 0) buckets = (JSON.parse(body) as { series: unknown[] }).series.length;
    }
    line(
      `history (1 year, day resolution, ${buckets} buckets; ${formatNumber(QUERIES)} requests): ` +
        `p50 ${quantile(samples, 0.5).toFixed(2)} ms, p99 ${quantile(samples, 0.99).toFixed(2)} ms, ` +
        `max ${Math.max(...samples).toFixed(2)} ms`,
    );
    await app.close();
  } finally {
    await db.close();
    if (dbUrl && !args.keep) await dropDatabase(dbUrl);
  }
}

await main();
