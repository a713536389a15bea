import { z } from 'zod';
import { ZProblem } from './problem.js';

/** Problem responses for the OpenAPI document: every route lists the statuses it can answer. */
export function problems(...statuses: number[]): Record<number, typeof ZProblem> {
  const out: Record<number, typeof ZProblem> = {};
  for (const s of [400, 401, ...statuses]) out[s] = ZProblem;
  return out;
}

export const ZIdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(
      'Makes the request safe to retry: the same key answers the first result and writes nothing again.',
    ),
});

export const SECURITY = [{ bearerAuth: [] }];
