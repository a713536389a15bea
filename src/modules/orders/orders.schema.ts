import { z } from 'zod';
import { ZExternalId } from '../members/index.js';

/** Largest amount accepted anywhere: 10^15 rials (100 trillion Toman) keeps sums exact in JS numbers. */
export const MAX_RIALS = 1_000_000_000_000_000;
export const MAX_ORDER_LINES = 500;
export const MAX_BATCH_ORDERS = 1000;

export const ORDER_STATUSES = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export const ZOrderStatus = z.enum(ORDER_STATUSES);
export type TOrderStatus = z.infer<typeof ZOrderStatus>;

const ZRials = z.number().int().min(0).max(MAX_RIALS);
const ZTime = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 time with a zone, e.g. 2026-03-01T10:00:00+03:30.');

export const ZOrderLineInput = z.strictObject({
  sku: z.string().trim().min(1).max(64),
  category: z.string().trim().max(100).optional(),
  quantity: z.number().int().min(1).max(100_000),
  unitPriceRials: ZRials,
});

export const ZCreateOrder = z
  .strictObject({
    externalId: ZExternalId.describe('The shop’s order id; also the idempotency key of this request.'),
    memberExternalId: ZExternalId,
    placedAt: ZTime,
    totalRials: ZRials.describe('What the customer paid, in rials (discounts and shipping included).'),
    status: ZOrderStatus.default('placed'),
    statusAt: ZTime.optional().describe('When the given status happened; defaults to placedAt.'),
    promisedDeliveryAt: ZTime.optional(),
    lines: z.array(ZOrderLineInput).max(MAX_ORDER_LINES).default([]),
  })
  .meta({ id: 'CreateOrder' });
export type TCreateOrder = z.infer<typeof ZCreateOrder>;

export const ZOrderPath = z.strictObject({ externalId: ZExternalId });

export const ZStatusChange = z.strictObject({
  status: ZOrderStatus,
  at: ZTime.optional().describe('When it happened; defaults to now.'),
});
export type TStatusChange = z.infer<typeof ZStatusChange>;

export const ZCreateReturn = z
  .strictObject({
    externalId: ZExternalId.describe('The shop’s return id, unique within the order; the idempotency key.'),
    amountRials: z.number().int().min(1).max(MAX_RIALS).optional(),
    lines: z
      .array(
        z.strictObject({
          sku: z.string().trim().min(1).max(64),
          quantity: z.number().int().min(1).max(100_000),
        }),
      )
      .min(1)
      .max(MAX_ORDER_LINES)
      .optional(),
    at: ZTime.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.amountRials === undefined) === (v.lines === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['amountRials'],
        message: 'give exactly one of amountRials or lines',
      });
    }
  })
  .meta({ id: 'CreateReturn' });
export type TCreateReturn = z.infer<typeof ZCreateReturn>;

export const ZOrderLine = z.object({
  sku: z.string(),
  category: z.string().nullable(),
  quantity: z.number().int(),
  unitPriceRials: z.number().int(),
  returnedQuantity: z.number().int(),
});

export const ZOrderReturn = z
  .object({
    id: z.string(),
    externalId: z.string(),
    amountRials: z.number().int(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.number().int() })).nullable(),
    pointsReversed: z.number().int(),
    returnedAt: z.string(),
  })
  .meta({ id: 'OrderReturn' });
export type TOrderReturn = z.infer<typeof ZOrderReturn>;

export const ZOrder = z
  .object({
    id: z.string().describe('Vafa id (`ord_…`).'),
    externalId: z.string(),
    memberExternalId: z.string(),
    placedAt: z.string(),
    status: ZOrderStatus,
    totalRials: z.number().int(),
    returnedRials: z.number().int(),
    promisedDeliveryAt: z.string().nullable(),
    paidAt: z.string().nullable(),
    shippedAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    lines: z.array(ZOrderLine),
    returns: z.array(ZOrderReturn),
    points: z.object({
      earned: z.number().int(),
      reversed: z.number().int(),
      state: z
        .enum(['none', 'pending', 'available'])
        .describe('none until paid; pending inside the return window.'),
      availableAt: z.string().nullable(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Order' });
export type TOrder = z.infer<typeof ZOrder>;

export const ZBatchOrders = z.strictObject({
  orders: z.array(ZCreateOrder).min(1).max(MAX_BATCH_ORDERS),
});

export const ZBatchItemResult = z.object({
  index: z.number().int(),
  externalId: z.string(),
  status: z
    .number()
    .int()
    .describe('201 created, 200 already known (same body), 409 conflict, 422 unknown member.'),
  order: ZOrder.optional(),
  error: z.object({ code: z.string(), detail: z.string(), field: z.string().optional() }).optional(),
});
export const ZBatchResult = z.object({
  created: z.number().int(),
  duplicates: z.number().int(),
  failed: z.number().int(),
  results: z.array(ZBatchItemResult),
});
export type TBatchItemResult = z.infer<typeof ZBatchItemResult>;

export const ZReturnResult = z.object({ return: ZOrderReturn, order: ZOrder });
