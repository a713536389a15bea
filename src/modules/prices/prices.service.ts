import type { Db, Queryable } from '../../db/db.js';
import { AppError, type FieldError, notFound, type TErrorCode } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { MembersService } from '../members/index.js';
import { enqueueEvents } from '../outbox/index.js';
import {
  bucketSeries,
  DAY_MS,
  isoDate,
  jalaliDate,
  type PriceStats,
  priceStats,
  tehranDay,
} from './history.js';
import { type ApplyOutcome, applyObservations, checkRuns, diffRuns, type PriceRun } from './intervals.js';
import * as repo from './prices.repo.js';
import {
  PRICE_LIMITS,
  type TAlert,
  type TBatchPricesResult,
  type THistory,
  type THistoryQuery,
  type TObservation,
  type TProduct,
  type TUpsertProduct,
  type TWatch,
} from './prices.schema.js';
import { buyOrWait } from './signal.js';

export const DEFAULT_DROP_THRESHOLD_PERCENT = 10;

/** One observation to ingest, with its position in the request (or file) for error reports. */
export interface IngestItem extends TObservation {
  /** Position in the request; errors name `observations.<index>`. */
  index: number;
}

export interface IngestRejection {
  index: number;
  code: TErrorCode;
  field: string;
  reason: string;
}

export interface IngestResult extends TBatchPricesResult {
  /** Per item (by position in the input): what it did, or null when rejected. */
  outcomes: Array<Exclude<ApplyOutcome, 'conflict'> | null>;
  rejected: IngestRejection[];
}

/** At most this many field errors are listed in one problem; the detail says how many there were. */
const MAX_LISTED_ERRORS = 20;

export class PricesService {
  constructor(
    private readonly db: Db,
    private readonly members: MembersService,
    private readonly clock: () => Date,
  ) {}

  async upsertProduct(
    clubId: string,
    sku: string,
    input: TUpsertProduct,
  ): Promise<{ product: TProduct; created: boolean }> {
    const fields: repo.ProductFields = { title_fa: input.titleFa };
    if (input.titleEn !== undefined) fields.title_en = input.titleEn || null;
    if (input.category !== undefined) fields.category = input.category || null;
    if (input.url !== undefined) fields.url = input.url;
    if (input.imageUrl !== undefined) fields.image_url = input.imageUrl;
    if (input.isActive !== undefined) fields.is_active = input.isActive;
    const { row, inserted } = await this.db.transaction((tx) =>
      repo.upsertProduct(tx, clubId, newId('prd'), sku, fields),
    );
    return { product: await this.toProduct(row), created: inserted };
  }

  async getProduct(clubId: string, sku: string): Promise<TProduct> {
    return this.toProduct(await this.requireProduct(this.db, clubId, sku));
  }

  /**
   * Records price observations. Every item is checked first (time not in the future beyond the skew,
   * known sku, no other price at an instant already recorded); with `allOrNothing` any rejection throws
   * and nothing is written, otherwise rejected items are skipped and reported (CSV import). The batch is
   * one transaction of a fixed number of statements, whatever its size.
   */
  async ingest(clubId: string, items: IngestItem[], opts: { allOrNothing: boolean }): Promise<IngestResult> {
    const now = this.clock().getTime();
    const result: IngestResult = {
      received: items.length,
      created: 0,
      extended: 0,
      unchanged: 0,
      outcomes: new Array(items.length).fill(null),
      rejected: [],
    };
    const reject = (item: IngestItem, code: TErrorCode, field: string, reason: string) =>
      result.rejected.push({ index: item.index, code, field: `${field}`, reason });
    const timed: Array<IngestItem & { atMs: number }> = [];
    for (const item of items) {
      const atMs = Date.parse(item.at);
      if (atMs > now + PRICE_LIMITS.futureSkewMs)
        reject(
          item,
          'validation_failed',
          'at',
          `is in the future (more than 10 minutes after the server's clock)`,
        );
      else if (atMs < PRICE_LIMITS.earliestAt)
        reject(item, 'validation_failed', 'at', 'is before 2000-01-01');
      else timed.push({ ...item, atMs });
    }
    if (opts.allOrNothing) throwRejections(result.rejected);

    const position = new Map(items.map((item, i) => [item.index, i]));
    await this.db.transaction(async (tx) => {
      const products = await repo.lockProducts(tx, clubId, [...new Set(timed.map((t) => t.sku))]);
      const byProduct = new Map<string, Array<IngestItem & { atMs: number }>>();
      for (const item of timed) {
        const productId = products.get(item.sku)?.productId;
        if (!productId) {
          reject(item, 'not_found', 'sku', `product '${item.sku}' was not found in this club`);
          continue;
        }
        const list = byProduct.get(productId);
        if (list) list.push(item);
        else byProduct.set(productId, [item]);
      }
      if (opts.allOrNothing) throwRejections(result.rejected);
      // The runs the batch can touch: for a product whose observations all come at or after the start
      // of its latest run (the daily feed) that is the latest run alone; otherwise they are loaded.
      const windows = new Map<string, PriceRun[]>();
      const behind: Array<{ productId: string; minAt: number }> = [];
      for (const p of products.values()) {
        const list = byProduct.get(p.productId);
        if (!list) continue;
        const minAt = list.reduce((min, o) => Math.min(min, o.atMs), Infinity);
        if (!p.latest) windows.set(p.productId, []);
        else if (p.latest.validFrom <= minAt) windows.set(p.productId, [p.latest]);
        else behind.push({ productId: p.productId, minAt });
      }
      if (behind.length) {
        const loaded = await repo.loadRunWindows(
          tx,
          clubId,
          behind.map((b) => b.productId),
          behind.map((b) => b.minAt),
        );
        for (const b of behind) windows.set(b.productId, loaded.get(b.productId) ?? []);
      }
      const writes: Parameters<typeof repo.writeRuns>[2] = { deleted: [], updated: [], inserted: [] };
      const changed: Array<{ productId: string; sku: string; before: PriceRun[]; after: PriceRun[] }> = [];
      for (const [productId, list] of byProduct) {
        const before = windows.get(productId) ?? [];
        const after = before.map((r) => ({ ...r }));
        const outcomes = applyObservations(
          after,
          list.map((o) => ({ at: o.atMs, priceRials: o.priceRials, inStock: o.inStock })),
        );
        list.forEach((o, k) => {
          const outcome = outcomes[k]!;
          if (outcome === 'conflict') {
            reject(
              o,
              'idempotency_conflict',
              'priceRials',
              `another price or stock state is already recorded for '${o.sku}' at ${new Date(o.atMs).toISOString()}`,
            );
            return;
          }
          result.outcomes[position.get(o.index)!] = outcome;
          result[outcome]++;
        });
        const broken = checkRuns(after);
        if (broken) throw new Error(`price runs of ${productId} broke an invariant: ${broken}`);
        const diff = diffRuns(before, after);
        for (const validFrom of diff.deleted) writes.deleted.push({ productId, validFrom });
        for (const run of diff.updated) writes.updated.push({ productId, run });
        for (const run of diff.inserted) writes.inserted.push({ productId, run });
        if (diff.inserted.length || diff.updated.length || diff.deleted.length)
          changed.push({ productId, sku: list[0]!.sku, before, after });
      }
      if (opts.allOrNothing) throwRejections(result.rejected);
      await repo.writeRuns(tx, clubId, writes);
      await this.raiseAlerts(tx, clubId, changed);
    });
    result.rejected.sort((a, b) => a.index - b.index);
    return result;
  }

  /**
   * Alerts watchers of products whose price moved past everything known before (history filled in
   * behind the current price never alerts). Each in-stock price after the old latest one is compared,
   * in time order, with the watch's reference (its peak since the last alert): reaching the target from
   * above, or falling by the club's threshold, alerts once and resets the reference to the new price.
   */
  private async raiseAlerts(
    tx: Queryable,
    clubId: string,
    changed: Array<{ productId: string; sku: string; before: PriceRun[]; after: PriceRun[] }>,
  ): Promise<void> {
    const fresh = new Map<string, { sku: string; previous: number | null; runs: PriceRun[] }>();
    for (const c of changed) {
      const latest = c.before[c.before.length - 1];
      const runs = c.after.filter((r) => !latest || r.validFrom > latest.lastSeenAt);
      if (runs.length) fresh.set(c.productId, { sku: c.sku, previous: latest?.priceRials ?? null, runs });
    }
    if (!fresh.size) return;
    const watches = await repo.lockWatchesOf(tx, clubId, [...fresh.keys()]);
    if (!watches.length) return;
    const threshold = (await repo.getDropThresholdPercent(tx, clubId)) ?? DEFAULT_DROP_THRESHOLD_PERCENT;
    const alerts: repo.NewAlert[] = [];
    const moved: repo.WatchState[] = [];
    for (const w of watches) {
      const f = fresh.get(w.product_id)!;
      let previous = f.previous;
      let ref = w.reference_price_rials;
      const target = w.target_price_rials;
      for (const r of f.runs) {
        const price = r.priceRials;
        if (r.inStock) {
          const hitTarget = target !== null && price <= target && (ref === null || ref > target);
          const hitDrop = ref !== null && price <= ref * (1 - threshold / 100);
          if (hitTarget || hitDrop) {
            alerts.push({
              alertId: newId('pal'),
              memberId: w.member_id,
              productId: w.product_id,
              reason: hitTarget ? 'target' : 'drop',
              oldPriceRials: previous,
              newPriceRials: price,
              referencePriceRials: ref,
              targetPriceRials: target,
              observedAt: r.validFrom,
            });
            ref = price;
          } else ref = ref === null ? price : Math.max(ref, price);
        }
        previous = price;
      }
      if (ref !== w.reference_price_rials) moved.push({ ...w, reference_price_rials: ref });
    }
    await repo.setWatchReferences(tx, clubId, moved);
    await repo.insertAlerts(tx, clubId, alerts);
    await enqueueEvents(
      tx,
      clubId,
      alerts.map((a) => ({
        type: 'price.alert',
        payload: {
          alertId: a.alertId,
          memberId: a.memberId,
          sku: fresh.get(a.productId)!.sku,
          reason: a.reason,
          oldPriceRials: a.oldPriceRials,
          newPriceRials: a.newPriceRials,
          referencePriceRials: a.referencePriceRials,
          targetPriceRials: a.targetPriceRials,
          observedAt: new Date(a.observedAt).toISOString(),
        },
      })),
    );
  }

  async getHistory(clubId: string, sku: string, q: THistoryQuery): Promise<THistory> {
    const product = await this.requireProduct(this.db, clubId, sku);
    const now = this.clock().getTime();
    const to = q.to ? Date.parse(q.to) : now;
    const from = q.from ? Date.parse(q.from) : to - 365 * DAY_MS;
    const bad = (field: string, message: string) =>
      new AppError('validation_failed', `${field}: ${message}`, {
        errors: [{ field, in: 'query', message }],
      });
    if (from >= to) throw bad('from', 'must be before to');
    if (to - from > PRICE_LIMITS.maxRangeDays * DAY_MS)
      throw bad('from', `the range may span at most ${PRICE_LIMITS.maxRangeDays} days`);
    if (q.resolution === 'day' && tehranDay(to) - tehranDay(from) >= PRICE_LIMITS.maxDayBuckets)
      throw bad(
        'resolution',
        `day resolution covers at most ${PRICE_LIMITS.maxDayBuckets} days; use week or month`,
      );
    const runs = await repo.loadRuns(this.db, clubId, product.product_id);
    const series = bucketSeries(runs, { from, to, now, resolution: q.resolution, calendar: q.calendar });
    return {
      sku,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      resolution: q.resolution,
      calendar: q.calendar,
      timeZone: 'Asia/Tehran',
      series: series.map((b) => ({
        start: new Date(b.start).toISOString(),
        end: new Date(b.end).toISOString(),
        date: isoDate(b.day),
        jalaliDate: jalaliDate(b.day),
        openRials: b.openRials,
        minRials: b.minRials,
        maxRials: b.maxRials,
        closeRials: b.closeRials,
      })),
      stats: toStats(priceStats(runs, now)),
      signal: buyOrWait(runs, now),
    };
  }

  async getSettings(clubId: string): Promise<{ dropThresholdPercent: number }> {
    const v = await repo.getDropThresholdPercent(this.db, clubId);
    return { dropThresholdPercent: v ?? DEFAULT_DROP_THRESHOLD_PERCENT };
  }

  async setSettings(
    clubId: string,
    input: { dropThresholdPercent: number },
  ): Promise<{ dropThresholdPercent: number }> {
    await repo.setDropThresholdPercent(this.db, clubId, input.dropThresholdPercent);
    return this.getSettings(clubId);
  }

  /**
   * Active products matching a sku or a title fragment, with their current price (the portal's picker
   * and GET /v1/products); `page` continues a listing (repo.searchProducts says how).
   */
  async searchProducts(
    clubId: string,
    text: string,
    limit: number,
    page?: { after: string | null },
  ): Promise<TProduct[]> {
    const rows = await repo.searchProducts(this.db, clubId, text.trim(), limit, page);
    const out: TProduct[] = [];
    for (const r of rows) out.push(await this.toProduct(r));
    return out;
  }

  async listWatches(clubId: string, externalId: string): Promise<{ items: TWatch[] }> {
    const memberId = await this.members.getMemberId(clubId, externalId);
    return { items: (await repo.listWatches(this.db, clubId, memberId)).map(toWatch) };
  }

  /** Watches the product (201) or changes the target of the watch (200). */
  async putWatch(
    clubId: string,
    externalId: string,
    sku: string,
    target: number | null | undefined,
  ): Promise<{ watch: TWatch; created: boolean }> {
    return this.db.transaction(async (tx) => {
      const memberId = await this.members.getMemberId(clubId, externalId, tx);
      const product = await this.requireProduct(tx, clubId, sku);
      const existing = await repo.findWatch(tx, clubId, memberId, product.product_id);
      if (!existing) {
        if (!product.is_active)
          throw new AppError('validation_failed', `sku: product '${sku}' is not active`, {
            errors: [{ field: 'sku', in: 'path', message: 'the product is not active' }],
          });
        if ((await repo.countWatches(tx, clubId, memberId)) >= PRICE_LIMITS.maxWatchesPerMember)
          throw new AppError(
            'validation_failed',
            `a member may watch at most ${PRICE_LIMITS.maxWatchesPerMember} products; remove one first`,
            { errors: [{ field: 'sku', in: 'path', message: 'too many watches' }] },
          );
      }
      const [latest] = await repo.loadLatestRuns(tx, clubId, product.product_id, 1);
      const created = await repo.upsertWatch(
        tx,
        clubId,
        memberId,
        product.product_id,
        target,
        latest?.priceRials ?? null,
      );
      const row = await repo.findWatch(tx, clubId, memberId, product.product_id);
      return { watch: toWatch(row!), created };
    });
  }

  async deleteWatch(clubId: string, externalId: string, sku: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const memberId = await this.members.getMemberId(clubId, externalId, tx);
      const product = await this.requireProduct(tx, clubId, sku);
      if (!(await repo.deleteWatch(tx, clubId, memberId, product.product_id)))
        throw notFound('Watch of product', sku);
    });
  }

  async listAlerts(
    clubId: string,
    opts: { externalId?: string; sku?: string | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ items: TAlert[]; nextCursor: string | null }> {
    const memberId = opts.externalId ? await this.members.getMemberId(clubId, opts.externalId) : null;
    const productId = opts.sku ? (await this.requireProduct(this.db, clubId, opts.sku)).product_id : null;
    const rows = await repo.listAlerts(this.db, clubId, {
      memberId,
      productId,
      beforeNo: opts.cursor ? Number(opts.cursor) : null,
      limit: opts.limit + 1,
    });
    const page = rows.slice(0, opts.limit);
    return {
      items: page.map(toAlert),
      nextCursor: rows.length > opts.limit ? String(page[page.length - 1]!.alert_no) : null,
    };
  }

  private async requireProduct(db: Queryable, clubId: string, sku: string): Promise<repo.ProductRow> {
    const row = await repo.findProduct(db, clubId, sku);
    if (!row) throw notFound('Product', sku);
    return row;
  }

  private async toProduct(row: repo.ProductRow): Promise<TProduct> {
    // The latest runs are enough for the current price: a streak rarely spans more than a few stock flips.
    const runs = await repo.loadLatestRuns(this.db, row.club_id, row.product_id, 20);
    const current = priceStats(runs, this.clock().getTime()).current;
    return {
      id: row.product_id,
      sku: row.sku,
      titleFa: row.title_fa,
      titleEn: row.title_en,
      category: row.category,
      url: row.url,
      imageUrl: row.image_url,
      isActive: row.is_active,
      currentPrice: current && {
        priceRials: current.priceRials,
        inStock: current.inStock,
        since: new Date(current.since).toISOString(),
        lastSeenAt: new Date(current.lastSeenAt).toISOString(),
      },
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }
}

/** Turns rejections into one problem: the first one's code, every field listed (up to 20). */
function throwRejections(rejected: IngestRejection[]): void {
  if (!rejected.length) return;
  const sorted = [...rejected].sort((a, b) => a.index - b.index);
  const first = sorted[0]!;
  const errors: FieldError[] = sorted.slice(0, MAX_LISTED_ERRORS).map((r) => ({
    field: `observations.${r.index}.${r.field}`,
    in: 'body',
    message: r.reason,
  }));
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more)` : '';
  throw new AppError(
    first.code,
    `observations.${first.index}.${first.field}: ${first.reason}${more}. Nothing was written.`,
    {
      errors,
    },
  );
}

function toStats(s: PriceStats): THistory['stats'] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    current: s.current && {
      priceRials: s.current.priceRials,
      inStock: s.current.inStock,
      since: iso(s.current.since),
      lastSeenAt: iso(s.current.lastSeenAt),
    },
    previousPriceRials: s.previousPriceRials,
    changeRials: s.changeRials,
    changePercent: s.changePercent,
    windows: s.windows,
    allTimeLow: s.allTimeLow && { ...s.allTimeLow, lastAt: iso(s.allTimeLow.lastAt) },
    allTimeHighRials: s.allTimeHighRials,
    firstSeenAt: s.firstSeenAt === null ? null : iso(s.firstSeenAt),
  };
}

function toWatch(r: repo.WatchRow): TWatch {
  return {
    sku: r.sku,
    titleFa: r.title_fa,
    titleEn: r.title_en,
    targetPriceRials: r.target_price_rials,
    referencePriceRials: r.reference_price_rials,
    currentPriceRials: r.current_price_rials,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toAlert(r: repo.AlertRow): TAlert {
  return {
    id: r.alert_id,
    memberId: r.member_id,
    sku: r.sku,
    reason: r.reason,
    oldPriceRials: r.old_price_rials,
    newPriceRials: r.new_price_rials,
    referencePriceRials: r.reference_price_rials,
    targetPriceRials: r.target_price_rials,
    observedAt: r.observed_at.toISOString(),
    createdAt: r.created_at.toISOString(),
  };
}
