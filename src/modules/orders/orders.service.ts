import type { Db, Queryable } from '../../db/db.js';
import { runIdempotent } from '../../db/idempotency.js';
import { AppError, notFound } from '../../errors.js';
import { hashRequest, newId } from '../../lib/ids.js';
import type { ClubsService } from '../clubs/index.js';
import type { MembersService } from '../members/index.js';
import { enqueueEvents } from '../outbox/index.js';
import type { PointsService } from '../points/index.js';
import * as repo from './orders.repo.js';
import type {
  TBatchItemResult,
  TCreateOrder,
  TCreateReturn,
  TOrder,
  TOrderReturn,
  TOrderStatus,
  TStatusChange,
} from './orders.schema.js';

const RANK: Record<Exclude<TOrderStatus, 'cancelled'>, number> = {
  placed: 0,
  paid: 1,
  shipped: 2,
  delivered: 3,
};
/** How far in the future a shop's timestamp may be (clock skew between servers), and no more. */
const MAX_FUTURE_SKEW_MS = 24 * 3600_000;

type Timestamps = Pick<repo.OrderRow, 'paid_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at'>;

/** Called in the order's transaction after members' purchases changed (tiers re-qualify on it). */
export type MemberActivityHook = (tx: Queryable, clubId: string, memberIds: string[]) => Promise<void>;

export class OrdersService {
  private activityHook: MemberActivityHook = async () => {};

  setMemberActivityHook(hook: MemberActivityHook): void {
    this.activityHook = hook;
  }

  constructor(
    private readonly db: Db,
    private readonly clubs: ClubsService,
    private readonly members: MembersService,
    private readonly points: PointsService,
    private readonly clock: () => Date,
  ) {}

  /**
   * Records orders, each exactly once. The external id is the idempotency key: a known id with the
   * same body answers 200 with the order as it is now; with another body, 409. The whole batch is one
   * transaction of a fixed number of statements, so a crash leaves no half order and a batch of 1,000
   * costs about what one order does.
   */
  async createOrders(clubId: string, inputs: TCreateOrder[]): Promise<TBatchItemResult[]> {
    const settings = await this.clubs.getSettings(clubId);
    const now = this.clock();
    const results: TBatchItemResult[] = new Array(inputs.length);
    const hashes = inputs.map((o) => hashRequest(o));
    // Timestamps are checked before the transaction: a bad item fails alone, naming its field.
    const valid: number[] = [];
    inputs.forEach((o, i) => {
      const problem = checkTimes(o, now);
      if (problem)
        results[i] = {
          index: i,
          externalId: o.externalId,
          status: 400,
          error: { code: 'validation_failed', ...problem },
        };
      else valid.push(i);
    });
    await this.db.transaction(async (tx) => {
      const memberIds = await this.members.resolveMemberIds(tx, clubId, [
        ...new Set(valid.map((i) => inputs[i]!.memberExternalId)),
      ]);
      const firstByExternalId = new Map<string, number>();
      const toInsert: Array<{ index: number; row: repo.NewOrder }> = [];
      for (const i of valid) {
        const o = inputs[i]!;
        const memberId = memberIds.get(o.memberExternalId);
        if (!memberId) {
          results[i] = {
            index: i,
            externalId: o.externalId,
            status: 422,
            error: {
              code: 'member_not_found',
              field: 'memberExternalId',
              detail: `Member '${o.memberExternalId}' does not exist in this club.`,
            },
          };
          continue;
        }
        if (firstByExternalId.has(o.externalId)) continue; // answered after the first copy is known
        firstByExternalId.set(o.externalId, i);
        const statusAt = new Date(o.statusAt ?? o.placedAt);
        toInsert.push({
          index: i,
          row: {
            orderId: newId('ord'),
            externalId: o.externalId,
            memberId,
            placedAt: new Date(o.placedAt),
            status: o.status,
            totalRials: o.totalRials,
            promisedDeliveryAt: o.promisedDeliveryAt ? new Date(o.promisedDeliveryAt) : null,
            ...camelStamps(
              timestampsFor(o.status, statusAt, {
                paid_at: null,
                shipped_at: null,
                delivered_at: null,
                cancelled_at: null,
              }),
            ),
            requestHash: hashes[i]!,
          },
        });
      }
      const inserted = await repo.insertOrders(
        tx,
        clubId,
        toInsert.map((t) => t.row),
      );
      const fresh = toInsert.filter((t) => inserted.has(t.row.externalId));
      await repo.insertLines(
        tx,
        clubId,
        fresh.flatMap((t) =>
          inputs[t.index]!.lines.map((l, n) => ({
            orderId: t.row.orderId,
            lineNo: n + 1,
            sku: l.sku,
            category: l.category ?? null,
            quantity: l.quantity,
            unitPriceRials: l.unitPriceRials,
          })),
        ),
      );
      await repo.insertEvents(
        tx,
        clubId,
        fresh.flatMap((t) => {
          const first = { orderId: t.row.orderId, status: 'placed' as const, at: t.row.placedAt };
          if (t.row.status === 'placed') return [first];
          return [
            first,
            {
              orderId: t.row.orderId,
              status: t.row.status,
              at: new Date(inputs[t.index]!.statusAt ?? inputs[t.index]!.placedAt),
            },
          ];
        }),
      );
      await this.points.earnForOrders(
        tx,
        settings,
        fresh
          .filter((t) => t.row.status !== 'placed' && t.row.status !== 'cancelled')
          .map((t) => ({
            orderId: t.row.orderId,
            memberId: t.row.memberId,
            placedAt: t.row.placedAt,
            paidRials: t.row.totalRials,
            deliveredAt: t.row.deliveredAt,
            lines: inputs[t.index]!.lines,
          })),
      );
      await this.activityHook(
        tx,
        clubId,
        fresh
          .filter((t) => t.row.status !== 'placed' && t.row.status !== 'cancelled')
          .map((t) => t.row.memberId),
      );
      await enqueueEvents(
        tx,
        clubId,
        fresh.map((t) => ({
          type: 'order.created',
          payload: {
            orderId: t.row.orderId,
            externalId: t.row.externalId,
            memberId: t.row.memberId,
            status: t.row.status,
            totalRials: t.row.totalRials,
          },
        })),
      );
      // Every successful item is answered with the order as stored, so a retry sees the same shape.
      const known = await this.loadOrders(tx, clubId, [...firstByExternalId.keys()]);
      for (const [externalId, first] of firstByExternalId) {
        const order = known.get(externalId);
        const indices = valid.filter((i) => inputs[i]!.externalId === externalId && results[i] === undefined);
        for (const i of indices) {
          if (!order) continue;
          const isNew = i === first && inserted.has(externalId);
          const sameBody = order.hash === hashes[i];
          results[i] = isNew
            ? { index: i, externalId, status: 201, order: order.order }
            : sameBody
              ? { index: i, externalId, status: 200, order: order.order }
              : {
                  index: i,
                  externalId,
                  status: 409,
                  error: {
                    code: 'idempotency_conflict',
                    field: 'externalId',
                    detail: `Order '${externalId}' already exists with a different body; order changes go through /status and /returns.`,
                  },
                };
        }
      }
    });
    return results;
  }

  /**
   * What a member bought in [from, to): net spend (paid or later, not cancelled, minus returns) and the
   * number of those orders. Tier qualification reads it, inside the caller's transaction.
   */
  async memberActivity(
    db: Queryable,
    clubId: string,
    memberId: string,
    from: Date,
    to: Date,
  ): Promise<{ spendRials: number; orders: number }> {
    return repo.memberActivity(db, clubId, memberId, from, to);
  }

  async getOrder(clubId: string, externalId: string): Promise<TOrder> {
    const found = await this.loadOrders(this.db, clubId, [externalId]);
    const order = found.get(externalId);
    if (!order) throw notFound('Order', externalId, 'order_not_found');
    return order.order;
  }

  /**
   * Moves the order forward (placed → paid → shipped → delivered; steps may be skipped) or cancels
   * it. The same status again is a no-op answering the order; a step backwards or out of cancelled
   * is a 409. Paying earns the order's points; delivering starts its return window; cancelling takes
   * back everything it earned.
   */
  async changeStatus(
    clubId: string,
    externalId: string,
    input: TStatusChange,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: TOrder; replayed: boolean }> {
    const settings = await this.clubs.getSettings(clubId);
    const now = this.clock();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
      throw new AppError('validation_failed', 'at: is more than a day in the future', {
        errors: [{ field: 'at', in: 'body', message: 'is more than a day in the future' }],
      });
    }
    return runIdempotent(
      this.db,
      { clubId, key: idempotencyKey, route: `order-status:${externalId}`, requestHash: hashRequest(input) },
      async (tx) => {
        const order = await repo.lockOrder(tx, clubId, externalId);
        if (!order) throw notFound('Order', externalId, 'order_not_found');
        if (order.status === input.status)
          return { status: 200, body: await this.requireOrder(tx, clubId, externalId) };
        if (order.status === 'cancelled') {
          throw new AppError(
            'invalid_status_transition',
            `Order '${externalId}' is cancelled; it cannot become ${input.status}.`,
            { from: order.status, to: input.status },
          );
        }
        if (at < order.placed_at) {
          throw new AppError('validation_failed', 'at: is before the order was placed', {
            errors: [{ field: 'at', in: 'body', message: 'is before the order was placed' }],
          });
        }
        if (input.status !== 'cancelled' && RANK[input.status] < RANK[order.status]) {
          throw new AppError(
            'invalid_status_transition',
            `Order '${externalId}' is ${order.status}; it cannot go back to ${input.status}.`,
            { from: order.status, to: input.status },
          );
        }
        const stamps = timestampsFor(input.status, at, order);
        await repo.updateOrderState(tx, clubId, order.order_id, {
          ...stamps,
          status: input.status,
          returned_rials: order.returned_rials,
        });
        await repo.insertEvents(tx, clubId, [{ orderId: order.order_id, status: input.status, at }]);
        if (input.status === 'cancelled') {
          await this.points.reverseOrderShare(
            tx,
            clubId,
            order.order_id,
            { returnedRials: order.total_rials, totalRials: order.total_rials },
            {
              transferId: `cancel:${order.order_id}`,
              reason: 'reverse_cancel',
              sourceType: 'order',
              sourceId: order.order_id,
            },
          );
        } else {
          if (order.status === 'placed') {
            const lines = await repo.findLines(tx, clubId, [order.order_id]);
            await this.points.earnForOrders(tx, settings, [
              {
                orderId: order.order_id,
                memberId: order.member_id,
                placedAt: order.placed_at,
                paidRials: order.total_rials,
                deliveredAt: stamps.delivered_at,
                lines: lines.map((l) => ({
                  sku: l.sku,
                  category: l.category,
                  quantity: l.quantity,
                  unitPriceRials: l.unit_price_rials,
                })),
              },
            ]);
          } else if (input.status === 'delivered') {
            await this.points.markDelivered(tx, settings, order.order_id, at);
          }
        }
        await this.activityHook(tx, clubId, [order.member_id]);
        await enqueueEvents(tx, clubId, [
          {
            type: 'order.status_changed',
            payload: {
              orderId: order.order_id,
              externalId,
              memberId: order.member_id,
              from: order.status,
              to: input.status,
              at: at.toISOString(),
            },
          },
        ]);
        return { status: 200, body: await this.requireOrder(tx, clubId, externalId) };
      },
    );
  }

  /**
   * Records a return by amount or by lines, once per return external id, and takes back the returned
   * share of the order's points.
   */
  async createReturn(
    clubId: string,
    orderExternalId: string,
    input: TCreateReturn,
  ): Promise<{ status: number; body: { return: TOrderReturn; order: TOrder } }> {
    const now = this.clock();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
      throw new AppError('validation_failed', 'at: is more than a day in the future', {
        errors: [{ field: 'at', in: 'body', message: 'is more than a day in the future' }],
      });
    }
    const requestHash = hashRequest(input);
    return this.db.transaction(async (tx) => {
      const order = await repo.lockOrder(tx, clubId, orderExternalId);
      if (!order) throw notFound('Order', orderExternalId, 'order_not_found');
      const prior = await repo.findReturn(tx, clubId, order.order_id, input.externalId);
      if (prior) {
        if (prior.request_hash !== requestHash) {
          throw new AppError(
            'idempotency_conflict',
            `Return '${input.externalId}' of order '${orderExternalId}' already exists with a different body.`,
            {
              errors: [
                { field: 'externalId', in: 'body', message: 'already used for another return of this order' },
              ],
            },
          );
        }
        return {
          status: 200,
          body: { return: toReturn(prior), order: await this.requireOrder(tx, clubId, orderExternalId) },
        };
      }
      if (order.status === 'placed' || order.status === 'cancelled') {
        throw new AppError(
          'order_not_returnable',
          `Order '${orderExternalId}' is ${order.status}; only paid, shipped or delivered orders take returns.`,
          { status: order.status },
        );
      }
      let amount: number;
      let byLine: Array<{ lineNo: number; quantity: number }> = [];
      if (input.lines) {
        ({ amount, byLine } = allocateLines(await repo.findLines(tx, clubId, [order.order_id]), input.lines));
      } else {
        amount = input.amountRials!;
      }
      const left = order.total_rials - order.returned_rials;
      if (amount > left) {
        throw new AppError(
          'return_exceeds_order',
          `The return is ${amount} rials but only ${left} rials of order '${orderExternalId}' are left to return.`,
          {
            errors: [
              {
                field: input.lines ? 'lines' : 'amountRials',
                in: 'body',
                message: `at most ${left} rials are left to return`,
              },
            ],
          },
        );
      }
      const returnId = newId('ret');
      const returned = order.returned_rials + amount;
      await repo.insertReturn(tx, clubId, {
        returnId,
        orderId: order.order_id,
        externalId: input.externalId,
        amountRials: amount,
        lines: input.lines ?? null,
        requestHash,
        returnedAt: at,
      });
      await repo.addReturnedQuantities(tx, clubId, order.order_id, byLine);
      await repo.updateOrderState(tx, clubId, order.order_id, { ...order, returned_rials: returned });
      const reversed = await this.points.reverseOrderShare(
        tx,
        clubId,
        order.order_id,
        { returnedRials: returned, totalRials: order.total_rials },
        {
          transferId: `return:${returnId}`,
          reason: 'reverse_return',
          sourceType: 'return',
          sourceId: returnId,
        },
      );
      await repo.setReturnPoints(tx, clubId, returnId, reversed);
      await this.activityHook(tx, clubId, [order.member_id]);
      await enqueueEvents(tx, clubId, [
        {
          type: 'order.returned',
          payload: {
            orderId: order.order_id,
            externalId: orderExternalId,
            returnId,
            amountRials: amount,
            pointsReversed: reversed,
          },
        },
      ]);
      const saved = (await repo.findReturn(tx, clubId, order.order_id, input.externalId))!;
      return {
        status: 201,
        body: { return: toReturn(saved), order: await this.requireOrder(tx, clubId, orderExternalId) },
      };
    });
  }

  private async requireOrder(db: Queryable, clubId: string, externalId: string): Promise<TOrder> {
    const order = (await this.loadOrders(db, clubId, [externalId])).get(externalId);
    if (!order) throw notFound('Order', externalId, 'order_not_found');
    return order.order;
  }

  private async loadOrders(
    db: Queryable,
    clubId: string,
    externalIds: string[],
  ): Promise<Map<string, { order: TOrder; hash: string }>> {
    if (externalIds.length === 0) return new Map();
    const rows = await repo.findOrdersByExternalIds(db, clubId, externalIds);
    const ids = rows.map((r) => r.order_id);
    // Sequential on purpose: inside a transaction these share one connection.
    const lines = await repo.findLines(db, clubId, ids);
    const returns = await repo.findReturns(db, clubId, ids);
    const points = await this.points.getOrderPoints(db, clubId, ids);
    const linesBy = groupBy(lines, (l) => l.order_id);
    const returnsBy = groupBy(returns, (r) => r.order_id);
    return new Map(
      rows.map((r) => [
        r.external_id,
        {
          hash: r.request_hash,
          order: {
            id: r.order_id,
            externalId: r.external_id,
            memberExternalId: r.member_external_id,
            placedAt: r.placed_at.toISOString(),
            status: r.status,
            totalRials: r.total_rials,
            returnedRials: r.returned_rials,
            promisedDeliveryAt: iso(r.promised_delivery_at),
            paidAt: iso(r.paid_at),
            shippedAt: iso(r.shipped_at),
            deliveredAt: iso(r.delivered_at),
            cancelledAt: iso(r.cancelled_at),
            lines: (linesBy.get(r.order_id) ?? []).map((l) => ({
              sku: l.sku,
              category: l.category,
              quantity: l.quantity,
              unitPriceRials: l.unit_price_rials,
              returnedQuantity: l.returned_quantity,
            })),
            returns: (returnsBy.get(r.order_id) ?? []).map(toReturn),
            points: points.get(r.order_id) ?? { earned: 0, reversed: 0, state: 'none', availableAt: null },
            createdAt: r.created_at.toISOString(),
            updatedAt: r.updated_at.toISOString(),
          },
        },
      ]),
    );
  }
}

/** The timestamps an order has after moving from `from` to `to` at `at`; steps skipped get `at` too. */
function timestampsFor(to: TOrderStatus, at: Date, current: Timestamps): Timestamps {
  const next: Timestamps = {
    paid_at: current.paid_at,
    shipped_at: current.shipped_at,
    delivered_at: current.delivered_at,
    cancelled_at: current.cancelled_at,
  };
  if (to === 'cancelled') {
    next.cancelled_at = at;
    return next;
  }
  const rank = RANK[to];
  if (rank >= 1 && !next.paid_at) next.paid_at = at;
  if (rank >= 2 && !next.shipped_at) next.shipped_at = at;
  if (rank >= 3 && !next.delivered_at) next.delivered_at = at;
  return next;
}

function camelStamps(
  t: Timestamps,
): Pick<repo.NewOrder, 'paidAt' | 'shippedAt' | 'deliveredAt' | 'cancelledAt'> {
  return {
    paidAt: t.paid_at,
    shippedAt: t.shipped_at,
    deliveredAt: t.delivered_at,
    cancelledAt: t.cancelled_at,
  };
}

function checkTimes(o: TCreateOrder, now: Date): { field: string; detail: string } | null {
  const limit = now.getTime() + MAX_FUTURE_SKEW_MS;
  if (Date.parse(o.placedAt) > limit)
    return { field: 'placedAt', detail: 'placedAt: is more than a day in the future' };
  if (o.statusAt && Date.parse(o.statusAt) > limit)
    return { field: 'statusAt', detail: 'statusAt: is more than a day in the future' };
  if (o.statusAt && Date.parse(o.statusAt) < Date.parse(o.placedAt))
    return { field: 'statusAt', detail: 'statusAt: is before placedAt' };
  return null;
}

/** Maps a return by SKU onto the order's lines (first lines first) and prices it at the lines' unit prices. */
function allocateLines(
  lines: repo.LineRow[],
  wanted: Array<{ sku: string; quantity: number }>,
): { amount: number; byLine: Array<{ lineNo: number; quantity: number }> } {
  const left = new Map(lines.map((l) => [l.line_no, l.quantity - l.returned_quantity]));
  const byLine = new Map<number, number>();
  let amount = 0;
  wanted.forEach((w, i) => {
    let need = w.quantity;
    for (const l of lines) {
      if (l.sku !== w.sku || need === 0) continue;
      const take = Math.min(need, left.get(l.line_no)!);
      if (take <= 0) continue;
      left.set(l.line_no, left.get(l.line_no)! - take);
      byLine.set(l.line_no, (byLine.get(l.line_no) ?? 0) + take);
      amount += take * l.unit_price_rials;
      need -= take;
    }
    if (need > 0) {
      const exists = lines.some((l) => l.sku === w.sku);
      throw new AppError(
        exists ? 'return_exceeds_order' : 'validation_failed',
        exists
          ? `lines.${i}.quantity: more than is left to return of ${w.sku}`
          : `lines.${i}.sku: '${w.sku}' is not on this order`,
        {
          errors: [
            {
              field: exists ? `lines.${i}.quantity` : `lines.${i}.sku`,
              in: 'body',
              message: exists ? 'more than is left to return' : 'not on this order',
            },
          ],
        },
      );
    }
  });
  return { amount, byLine: [...byLine].map(([lineNo, quantity]) => ({ lineNo, quantity })) };
}

function toReturn(r: repo.ReturnRow): TOrderReturn {
  return {
    id: r.return_id,
    externalId: r.external_id,
    amountRials: r.amount_rials,
    lines: r.lines,
    pointsReversed: r.points_reversed,
    returnedAt: r.returned_at.toISOString(),
  };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
