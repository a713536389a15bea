import type { Queryable } from '../../db/db.js';
import type { TOrderStatus } from './orders.schema.js';

export interface OrderRow {
  order_id: string;
  external_id: string;
  member_id: string;
  member_external_id: string;
  placed_at: Date;
  status: TOrderStatus;
  total_rials: number;
  returned_rials: number;
  promised_delivery_at: Date | null;
  paid_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  request_hash: string;
  created_at: Date;
  updated_at: Date;
}

export interface LineRow {
  order_id: string;
  line_no: number;
  sku: string;
  category: string | null;
  quantity: number;
  unit_price_rials: number;
  returned_quantity: number;
}

export interface ReturnRow {
  return_id: string;
  order_id: string;
  external_id: string;
  amount_rials: number;
  lines: Array<{ sku: string; quantity: number }> | null;
  points_reversed: number;
  request_hash: string;
  returned_at: Date;
}

const ORDER_COLUMNS = `o.order_id, o.external_id, o.member_id, m.external_id as member_external_id, o.placed_at, o.status,
  o.total_rials, o.returned_rials, o.promised_delivery_at, o.paid_at, o.shipped_at, o.delivered_at, o.cancelled_at,
  o.request_hash, o.created_at, o.updated_at`;

export interface NewOrder {
  orderId: string;
  externalId: string;
  memberId: string;
  placedAt: Date;
  status: TOrderStatus;
  totalRials: number;
  promisedDeliveryAt: Date | null;
  paidAt: Date | null;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  cancelledAt: Date | null;
  requestHash: string;
}

/** Inserts the orders whose external id is new; returns the external ids inserted. */
export async function insertOrders(tx: Queryable, clubId: string, orders: NewOrder[]): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const { rows } = await tx.query<{ external_id: string }>(
    `insert into orders (club_id, order_id, external_id, member_id, placed_at, status, total_rials,
       promised_delivery_at, paid_at, shipped_at, delivered_at, cancelled_at, request_hash)
     select $1, o.* from unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::bigint[],
       $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::text[]) as o
     on conflict (club_id, external_id) do nothing
     returning external_id`,
    [
      clubId,
      orders.map((o) => o.orderId),
      orders.map((o) => o.externalId),
      orders.map((o) => o.memberId),
      orders.map((o) => o.placedAt),
      orders.map((o) => o.status),
      orders.map((o) => o.totalRials),
      orders.map((o) => o.promisedDeliveryAt),
      orders.map((o) => o.paidAt),
      orders.map((o) => o.shippedAt),
      orders.map((o) => o.deliveredAt),
      orders.map((o) => o.cancelledAt),
      orders.map((o) => o.requestHash),
    ],
  );
  return new Set(rows.map((r) => r.external_id));
}

export async function insertLines(
  tx: Queryable,
  clubId: string,
  lines: Array<{
    orderId: string;
    lineNo: number;
    sku: string;
    category: string | null;
    quantity: number;
    unitPriceRials: number;
  }>,
): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `insert into order_lines (club_id, order_id, line_no, sku, category, quantity, unit_price_rials)
     select $1, l.* from unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::bigint[]) as l`,
    [
      clubId,
      lines.map((l) => l.orderId),
      lines.map((l) => l.lineNo),
      lines.map((l) => l.sku),
      lines.map((l) => l.category),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unitPriceRials),
    ],
  );
}

export async function insertEvents(
  tx: Queryable,
  clubId: string,
  events: Array<{ orderId: string; status: TOrderStatus; at: Date }>,
): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into order_events (club_id, order_id, status, at)
     select $1, e.* from unnest($2::text[], $3::text[], $4::timestamptz[]) as e`,
    [clubId, events.map((e) => e.orderId), events.map((e) => e.status), events.map((e) => e.at)],
  );
}

export async function findOrdersByExternalIds(
  db: Queryable,
  clubId: string,
  externalIds: string[],
): Promise<OrderRow[]> {
  const { rows } = await db.query<OrderRow>(
    `select ${ORDER_COLUMNS} from orders o join members m on m.club_id = o.club_id and m.member_id = o.member_id
     where o.club_id = $1 and o.external_id = any($2::text[])`,
    [clubId, externalIds],
  );
  return rows;
}

export async function lockOrder(tx: Queryable, clubId: string, externalId: string): Promise<OrderRow | null> {
  const { rows } = await tx.query<OrderRow>(
    `select ${ORDER_COLUMNS} from orders o join members m on m.club_id = o.club_id and m.member_id = o.member_id
     where o.club_id = $1 and o.external_id = $2 for update of o`,
    [clubId, externalId],
  );
  return rows[0] ?? null;
}

export async function updateOrderState(
  tx: Queryable,
  clubId: string,
  orderId: string,
  s: Pick<OrderRow, 'status' | 'paid_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at' | 'returned_rials'>,
): Promise<void> {
  await tx.query(
    `update orders set status = $3, paid_at = $4, shipped_at = $5, delivered_at = $6, cancelled_at = $7,
       returned_rials = $8, updated_at = now()
     where club_id = $1 and order_id = $2`,
    [clubId, orderId, s.status, s.paid_at, s.shipped_at, s.delivered_at, s.cancelled_at, s.returned_rials],
  );
}

export async function findLines(db: Queryable, clubId: string, orderIds: string[]): Promise<LineRow[]> {
  const { rows } = await db.query<LineRow>(
    `select order_id, line_no, sku, category, quantity, unit_price_rials, returned_quantity from order_lines
     where club_id = $1 and order_id = any($2::text[]) order by order_id, line_no`,
    [clubId, orderIds],
  );
  return rows;
}

export async function findReturns(db: Queryable, clubId: string, orderIds: string[]): Promise<ReturnRow[]> {
  const { rows } = await db.query<ReturnRow>(
    `select return_id, order_id, external_id, amount_rials, lines, points_reversed, request_hash, returned_at
     from order_returns where club_id = $1 and order_id = any($2::text[]) order by returned_at, created_at`,
    [clubId, orderIds],
  );
  return rows;
}

export async function findReturn(
  db: Queryable,
  clubId: string,
  orderId: string,
  externalId: string,
): Promise<ReturnRow | null> {
  const { rows } = await db.query<ReturnRow>(
    `select return_id, order_id, external_id, amount_rials, lines, points_reversed, request_hash, returned_at
     from order_returns where club_id = $1 and order_id = $2 and external_id = $3`,
    [clubId, orderId, externalId],
  );
  return rows[0] ?? null;
}

export async function insertReturn(
  tx: Queryable,
  clubId: string,
  r: {
    returnId: string;
    orderId: string;
    externalId: string;
    amountRials: number;
    lines: unknown;
    requestHash: string;
    returnedAt: Date;
  },
): Promise<void> {
  await tx.query(
    `insert into order_returns (club_id, return_id, order_id, external_id, amount_rials, lines, request_hash, returned_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`,
    [
      clubId,
      r.returnId,
      r.orderId,
      r.externalId,
      r.amountRials,
      r.lines === null ? null : JSON.stringify(r.lines),
      r.requestHash,
      r.returnedAt,
    ],
  );
}

export async function setReturnPoints(
  tx: Queryable,
  clubId: string,
  returnId: string,
  points: number,
): Promise<void> {
  await tx.query('update order_returns set points_reversed = $3 where club_id = $1 and return_id = $2', [
    clubId,
    returnId,
    points,
  ]);
}

export async function addReturnedQuantities(
  tx: Queryable,
  clubId: string,
  orderId: string,
  byLine: Array<{ lineNo: number; quantity: number }>,
): Promise<void> {
  if (byLine.length === 0) return;
  await tx.query(
    `update order_lines l set returned_quantity = l.returned_quantity + r.quantity
     from unnest($3::int[], $4::int[]) as r(line_no, quantity)
     where l.club_id = $1 and l.order_id = $2 and l.line_no = r.line_no`,
    [clubId, orderId, byLine.map((l) => l.lineNo), byLine.map((l) => l.quantity)],
  );
}

/** Net spend (paid, not cancelled, minus returns) and the count of such orders placed in [from, to). */
export async function memberActivity(
  db: Queryable,
  clubId: string,
  memberId: string,
  from: Date,
  to: Date,
): Promise<{ spendRials: number; orders: number }> {
  const { rows } = await db.query<{ spend: number; orders: number }>(
    `select coalesce(sum(total_rials - returned_rials), 0)::bigint as spend, count(*)::int as orders
     from orders
     where club_id = $1 and member_id = $2 and placed_at >= $3 and placed_at < $4
       and status in ('paid', 'shipped', 'delivered')`,
    [clubId, memberId, from, to],
  );
  return { spendRials: rows[0]?.spend ?? 0, orders: rows[0]?.orders ?? 0 };
}

/**
 * memberActivity for every member of a club in one scan (the auditor's read), with the last time an
 * order that counts (paid, shipped, delivered) was written: each such write re-evaluated the member's tier.
 */
export async function activityByMember(
  db: Queryable,
  clubId: string,
  from: Date,
  to: Date,
): Promise<Map<string, { spendRials: number; orders: number; lastCountedWriteAt: Date }>> {
  const { rows } = await db.query<{ member_id: string; spend: number; orders: number; last_at: Date }>(
    `select member_id,
            coalesce(sum(total_rials - returned_rials) filter (where placed_at >= $2 and placed_at < $3), 0)::bigint as spend,
            (count(*) filter (where placed_at >= $2 and placed_at < $3))::int as orders,
            max(updated_at) as last_at
     from orders
     where club_id = $1 and status in ('paid', 'shipped', 'delivered')
     group by member_id`,
    [clubId, from, to],
  );
  return new Map(
    rows.map((r) => [r.member_id, { spendRials: r.spend, orders: r.orders, lastCountedWriteAt: r.last_at }]),
  );
}
