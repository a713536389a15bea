import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.js';
import { AppError, notFound, type TErrorCode } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { isSameSignature, maskSecret, wooCommerceSignature } from './signing.js';
import * as repo from './webhooks.repo.js';
import { mapWooOrder } from './woocommerce.js';

export interface WooReceipt {
  /** What happened: `ping`, `ignored` (a topic Vafa does not take), or `order`. */
  outcome: 'ping' | 'ignored' | 'order';
  memberExternalId?: string;
  orderExternalId?: string;
  /** True when this delivery created the order; false for an update or a repeated delivery. */
  orderCreated?: boolean;
  status?: string;
  /** Refund ids recorded as returns by this delivery (repeats are not counted). */
  returnsRecorded?: string[];
}

export class WooCommerceService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
  ) {}

  async createConnection(
    clubId: string,
    input: { name: string; secret?: string | undefined; defaultCurrency: 'IRT' | 'IRR' },
  ) {
    const secret = input.secret ?? randomBytes(24).toString('base64url');
    const row = await repo.insertWooConnection(this.db, {
      clubId,
      id: newId('wc'),
      name: input.name,
      secret,
      currency: input.defaultCurrency,
    });
    return { ...toConnection(row), secret };
  }

  async listConnections(clubId: string) {
    return (await repo.listWooConnections(this.db, clubId)).map(toConnection);
  }

  /**
   * Verifies and applies one WooCommerce webhook delivery. The signature is checked over the raw
   * bytes before anything is parsed. Applying is idempotent: the member is upserted, the order is
   * created once (its id is the key), moved to the mapped status when that is a step forward, and each
   * refund becomes a return keyed by the refund id.
   */
  async receive(
    connectionId: string,
    headers: { signature: string | undefined; topic: string | undefined; contentType: string | undefined },
    rawBody: Buffer,
  ): Promise<WooReceipt> {
    const conn = await repo.findWooConnection(this.db, connectionId);
    if (!conn) throw notFound('WooCommerce connection', connectionId);
    // WooCommerce pings a new webhook with a form body `webhook_id=N`; answering 200 keeps it active.
    if (!headers.topic && /^webhook_id=\d+$/.test(rawBody.toString('utf8').trim()))
      return { outcome: 'ping' };
    const expected = wooCommerceSignature(conn.secret, rawBody);
    if (!headers.signature || !isSameSignature(headers.signature.trim(), expected)) {
      throw new AppError(
        'unauthenticated',
        'X-WC-Webhook-Signature does not match the body: check the secret entered in WooCommerce.',
      );
    }
    const topic = headers.topic ?? '';
    if (topic !== 'order.created' && topic !== 'order.updated') return { outcome: 'ignored' };
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new AppError('malformed_request', 'The body is not valid JSON.');
    }
    const m = mapWooOrder(payload, conn.default_currency);
    const clubId = conn.club_id;
    const { members, orders } = this.services;

    try {
      await members.upsertMember(clubId, m.memberExternalId, m.member);
    } catch (err) {
      // The mobile belongs to another member (a guest who later registered): keep the member without it.
      if (!(err instanceof AppError && err.code === 'duplicate_mobile')) throw err;
      const { mobile: _dropped, ...rest } = m.member;
      await members.upsertMember(clubId, m.memberExternalId, rest);
    }

    let created = false;
    const existing = await orders.getOrder(clubId, m.order.externalId).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'order_not_found') return null;
      throw err;
    });
    if (!existing) {
      const [result] = await orders.createOrders(clubId, [m.order]);
      if (result && result.status >= 400 && result.status !== 409) {
        throw new AppError(
          (result.error?.code as TErrorCode | undefined) ?? 'validation_failed',
          result.error?.detail ?? 'The order could not be recorded.',
        );
      }
      created = result?.status === 201;
    }
    let status = existing?.status ?? m.order.status;
    if (!created && m.status && m.status !== status) {
      try {
        const changed = await orders.changeStatus(clubId, m.order.externalId, {
          status: m.status,
          ...(m.statusAt ? { at: m.statusAt } : {}),
        });
        status = changed.body.status;
      } catch (err) {
        // WooCommerce lets staff move an order backwards; Vafa's statuses only go forward. Ignored.
        if (!(err instanceof AppError && err.code === 'invalid_status_transition')) throw err;
      }
    }
    const returnsRecorded: string[] = [];
    for (const r of m.refunds) {
      if (r.amountRials <= 0) continue;
      try {
        const res = await orders.createReturn(clubId, m.order.externalId, {
          externalId: r.externalId,
          amountRials: r.amountRials,
        });
        if (res.status === 201) returnsRecorded.push(r.externalId);
      } catch (err) {
        // A refund of an unpaid order, or more than is left: nothing to take back in Vafa.
        const code = err instanceof AppError ? err.code : '';
        if (code !== 'order_not_returnable' && code !== 'return_exceeds_order') throw err;
      }
    }
    return {
      outcome: 'order',
      memberExternalId: m.memberExternalId,
      orderExternalId: m.order.externalId,
      orderCreated: created,
      status,
      returnsRecorded,
    };
  }
}

function toConnection(row: repo.WooConnectionRow) {
  return {
    id: row.connection_id,
    name: row.name,
    deliveryPath: `/hooks/woocommerce/${row.connection_id}`,
    secretHint: maskSecret(row.secret) ?? '',
    defaultCurrency: row.default_currency,
    createdAt: row.created_at.toISOString(),
  };
}
