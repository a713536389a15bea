import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fieldError } from '../../errors.js';
import { normalizeIranMobile } from '../../lib/mobile.js';
import type { TUpsertMember } from '../members/index.js';
import type { TCreateOrder } from '../orders/index.js';

/**
 * The parts of a WooCommerce order (REST API v3 shape, as sent by its `order.created` and
 * `order.updated` webhooks) that Vafa uses. Everything else in the payload is ignored.
 */
export const ZWooOrder = z.object({
  id: z.number().int().positive(),
  status: z.string().max(40),
  currency: z.string().max(8).optional(),
  date_created_gmt: z.string().max(40).nullable().optional(),
  date_created: z.string().max(40).nullable().optional(),
  date_modified_gmt: z.string().max(40).nullable().optional(),
  date_paid_gmt: z.string().max(40).nullable().optional(),
  date_completed_gmt: z.string().max(40).nullable().optional(),
  total: z.union([z.string(), z.number()]),
  customer_id: z.number().int().min(0).default(0),
  billing: z
    .object({
      first_name: z.string().max(200).optional(),
      last_name: z.string().max(200).optional(),
      email: z.string().max(254).optional(),
      phone: z.string().max(64).optional(),
      city: z.string().max(200).optional(),
      state: z.string().max(200).optional(),
    })
    .partial()
    .default({}),
  line_items: z
    .array(
      z.object({
        product_id: z.number().int().optional(),
        variation_id: z.number().int().optional(),
        name: z.string().optional(),
        sku: z.string().max(64).nullable().optional(),
        quantity: z.number().int(),
        subtotal: z.union([z.string(), z.number()]).optional(),
        total: z.union([z.string(), z.number()]).optional(),
      }),
    )
    .max(500)
    .default([]),
  refunds: z
    .array(z.object({ id: z.number().int(), total: z.union([z.string(), z.number()]) }))
    .max(500)
    .default([]),
});
export type TWooOrder = z.infer<typeof ZWooOrder>;

export type TVafaStatus = TCreateOrder['status'];

/**
 * WooCommerce statuses → Vafa's: unpaid states are `placed`, `processing` (paid, to ship) is `paid`,
 * `completed` is `delivered`, `cancelled` and `failed` cancel. `refunded` changes no status: its
 * refunds arrive as returns. `trash` is ignored.
 */
export function mapWooStatus(status: string): TVafaStatus | null {
  switch (status) {
    case 'pending':
    case 'on-hold':
    case 'checkout-draft':
      return 'placed';
    case 'processing':
      return 'paid';
    case 'completed':
      return 'delivered';
    case 'cancelled':
    case 'failed':
      return 'cancelled';
    default:
      return null;
  }
}

/** Rials per unit of the order's currency; WooCommerce's Iranian stores use IRT (Toman) or IRR. */
function rialsPerUnit(currency: string | undefined, fallback: 'IRT' | 'IRR'): number {
  const c = (currency || fallback).toUpperCase();
  if (c === 'IRR') return 1;
  if (c === 'IRT' || c === 'TOMAN') return 10;
  throw fieldError('currency', `'${c}' is not supported: Vafa takes IRR (rial) and IRT (Toman) orders`);
}

function money(value: string | number | undefined, perUnit: number, field: string): number {
  const n = typeof value === 'number' ? value : Number.parseFloat(value ?? '0');
  if (!Number.isFinite(n)) throw fieldError(field, 'is not a number');
  return Math.round(Math.abs(n) * perUnit);
}

/** WooCommerce's `_gmt` times carry no zone; they are UTC. */
function gmt(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const withZone = /[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`;
  const d = new Date(withZone);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export interface WooMapping {
  memberExternalId: string;
  member: TUpsertMember;
  order: TCreateOrder;
  /** Vafa status the order should be in now; null: leave it as it is. */
  status: TVafaStatus | null;
  statusAt: string | undefined;
  refunds: Array<{ externalId: string; amountRials: number }>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Maps a WooCommerce order to Vafa: the customer (`wc-<customer_id>`, or for a guest `wc-guest-` and
 * their mobile or a hash of their email), the order (`wc-<id>`, amounts in rials), its status, and its
 * refunds as returns (`wc-refund-<id>`). Deterministic, so a repeated webhook maps the same way.
 */
export function mapWooOrder(raw: unknown, defaultCurrency: 'IRT' | 'IRR'): WooMapping {
  const parsed = ZWooOrder.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fieldError(issue.path.join('.') || '(root)', issue.message);
  }
  const o = parsed.data;
  const perUnit = rialsPerUnit(o.currency, defaultCurrency);
  const b = o.billing;
  const mobile = b.phone ? normalizeIranMobile(b.phone) : null;
  const email = b.email && EMAIL.test(b.email) ? b.email.toLowerCase() : null;
  let memberExternalId: string;
  if (o.customer_id > 0) memberExternalId = `wc-${o.customer_id}`;
  else if (mobile) memberExternalId = `wc-guest-${mobile.replace('+', '')}`;
  else if (email)
    memberExternalId = `wc-guest-${createHash('sha256').update(email).digest('hex').slice(0, 20)}`;
  else throw fieldError('billing', 'a guest order needs a phone or an email to name the customer');

  const member: TUpsertMember = {};
  if (b.first_name?.trim()) member.firstName = b.first_name.trim().slice(0, 100);
  if (b.last_name?.trim()) member.lastName = b.last_name.trim().slice(0, 100);
  if (mobile) member.mobile = mobile;
  if (email) member.email = email;
  if (b.city?.trim()) member.city = b.city.trim().slice(0, 100);
  if (b.state?.trim()) member.province = b.state.trim().slice(0, 100);

  const placedAt = gmt(o.date_created_gmt) ?? gmt(o.date_created) ?? new Date().toISOString();
  const status = mapWooStatus(o.status);
  const statusAt =
    status === 'paid'
      ? (gmt(o.date_paid_gmt) ?? gmt(o.date_modified_gmt))
      : status === 'delivered'
        ? (gmt(o.date_completed_gmt) ?? gmt(o.date_modified_gmt))
        : gmt(o.date_modified_gmt);
  const lines = o.line_items
    .filter((l) => l.quantity > 0)
    .map((l, i) => ({
      sku: (
        l.sku?.trim() || `wc-product-${l.product_id ?? i}${l.variation_id ? `-${l.variation_id}` : ''}`
      ).slice(0, 64),
      quantity: l.quantity,
      unitPriceRials: Math.round(
        money(l.subtotal ?? l.total, perUnit, `line_items.${i}.subtotal`) / l.quantity,
      ),
    }));
  const order: TCreateOrder = {
    externalId: `wc-${o.id}`,
    memberExternalId,
    placedAt,
    totalRials: money(o.total, perUnit, 'total'),
    status: status ?? 'placed',
    lines,
  };
  // statusAt must not precede placedAt; WooCommerce clocks can disagree by seconds.
  if (statusAt && statusAt >= placedAt && order.status !== 'placed') order.statusAt = statusAt;
  return {
    memberExternalId,
    member,
    order,
    status,
    statusAt,
    refunds: o.refunds.map((r) => ({
      externalId: `wc-refund-${r.id}`,
      amountRials: money(r.total, perUnit, 'refunds'),
    })),
  };
}
