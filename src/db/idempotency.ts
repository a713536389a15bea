import { AppError } from '../errors.js';
import type { Db, Queryable } from './db.js';

export interface IdempotentResult<T> {
  status: number;
  body: T;
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

export const ZIdempotencyKeyLimits = { min: 1, max: 255 } as const;

/**
 * Runs a write at most once per (club, Idempotency-Key). The key row and the write commit in one
 * transaction, so a crash leaves either both or neither; a concurrent request with the same key waits
 * on the key's unique index and then reads the stored answer. A reused key with another body or route
 * is a conflict (409), as in Stripe's API.
 */
export async function runIdempotent<T>(
  db: Db,
  opts: { clubId: string; key: string | undefined; route: string; requestHash: string },
  fn: (tx: Queryable) => Promise<{ status: number; body: T }>,
): Promise<IdempotentResult<T>> {
  const { key } = opts;
  if (key === undefined) {
    const result = await db.transaction(fn);
    return { ...result, replayed: false };
  }
  if (key.length < ZIdempotencyKeyLimits.min || key.length > ZIdempotencyKeyLimits.max) {
    throw new AppError('validation_failed', 'Idempotency-Key: must be 1 to 255 characters', {
      errors: [{ field: 'Idempotency-Key', in: 'header', message: 'must be 1 to 255 characters' }],
    });
  }
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      `insert into idempotency_keys (club_id, idempotency_key, route, request_hash, status_code, response)
       values ($1, $2, $3, $4, 0, 'null'::jsonb) on conflict do nothing`,
      [opts.clubId, key, opts.route, opts.requestHash],
    );
    if (claimed.rowCount === 0) {
      const { rows } = await tx.query<{
        route: string;
        request_hash: string;
        status_code: number;
        response: T;
      }>(
        `select route, request_hash, status_code, response from idempotency_keys
         where club_id = $1 and idempotency_key = $2`,
        [opts.clubId, key],
      );
      const prior = rows[0]!;
      if (prior.route !== opts.route || prior.request_hash !== opts.requestHash) {
        throw new AppError(
          'idempotency_conflict',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
        );
      }
      return { status: prior.status_code, body: prior.response, replayed: true };
    }
    const result = await fn(tx);
    await tx.query(
      `update idempotency_keys set status_code = $3, response = $4::jsonb where club_id = $1 and idempotency_key = $2`,
      [opts.clubId, key, result.status, JSON.stringify(result.body)],
    );
    return { ...result, replayed: false };
  });
}
