/**
 * Every error a client can see has a stable code. The code is the contract; the message is for people.
 * `docs/errors.md` lists the same table: keep them together.
 */
export const ERROR_CODES = {
  /** The request body, query or path did not match the schema; `errors` names each field. */
  validation_failed: 400,
  /** The body is not valid JSON, or the content type is not supported. */
  malformed_request: 400,
  /** No `Authorization: Bearer <key>` header was sent. */
  unauthenticated: 401,
  /** The API key is unknown or has been revoked. */
  invalid_api_key: 401,
  /** The resource does not exist in this club (another club's ids answer this too, never data). */
  not_found: 404,
  /** The member named in the body (`memberExternalId`) does not exist in this club; create it first. */
  member_not_found: 422,
  /** Another member of this club already has this mobile number. */
  duplicate_mobile: 409,
  /** The order named in the path does not exist in this club. */
  order_not_found: 404,
  /** The route does not exist. */
  route_not_found: 404,
  /** The same idempotency key (or order/return externalId) was used before with a different body. */
  idempotency_conflict: 409,
  /** A request with the same idempotency key is still being processed; retry later. */
  idempotency_in_progress: 409,
  /** The order cannot move from its current status to the requested one (e.g. delivered → paid). */
  invalid_status_transition: 409,
  /** A return or cancellation is not possible in the order's current status. */
  order_not_returnable: 409,
  /** The return asks for more than is left to return on the order. */
  return_exceeds_order: 409,
  /** The member does not have enough available points for this movement. */
  insufficient_points: 409,
  /** The redemption is committed, voided or expired, so it cannot become what was asked. */
  redemption_not_pending: 409,
  /** More points than the club lets pay for this cart (its maximum share). */
  redemption_limit_exceeded: 409,
  /** The coupon cannot be redeemed for this member and cart; `reason` says why (expired, used, ...). */
  coupon_not_valid: 422,
  /** The coupon use cannot be released: unknown order, already released, or the club keeps uses. */
  coupon_not_releasable: 409,
  /** The reward cannot be issued now: out of stock, outside its window, not for this tier, or limit reached. */
  reward_unavailable: 409,
  /** The campaign's budget (points or rials, total or per member) is spent: nothing was granted. */
  campaign_budget_spent: 409,
  /** The discount is deeper than the club's guardrail and no override with a reason was given. */
  discount_guardrail_exceeded: 422,
  /** Another campaign with the same exclusivity key runs in an overlapping window. */
  campaign_window_overlap: 409,
  /** The campaign is not running (draft, paused, ended, or outside its window). */
  campaign_not_active: 409,
  /** The referral was refused by a fraud check and recorded with its `reason`. */
  referral_refused: 422,
  /** The raffle is closed or already drawn. */
  raffle_not_open: 409,
  /** A staff role may not use this route (docs/dashboard.md has the role table). */
  forbidden: 403,
  /** A staff session write came without the session's `x-csrf-token` header, or with another one. */
  csrf_token_invalid: 403,
  /** Staff sign-in: the email or password is wrong (the answer does not say which). */
  invalid_credentials: 401,
  /** Staff sign-in is locked after repeated failures; `Retry-After` says when to try again. */
  account_locked: 429,
  /** A staff user with this email already exists. */
  staff_email_taken: 409,
  /** No insights run has finished for this club yet, or the member is not in the latest snapshot. */
  insights_not_ready: 404,
  /** Another insights run of this club is still running; wait for it to finish. */
  insights_run_in_progress: 409,
  /** The complaint cannot move from its status to the requested one (e.g. resolved → new). */
  complaint_transition_forbidden: 409,
  /** A complaint is resolved without a root cause from the club's list. */
  root_cause_required: 422,
  /** The survey link has expired; the member can no longer answer through it. */
  survey_link_expired: 410,
  /** The survey link was already used to answer. */
  survey_already_answered: 409,
  /** The member has no delivered order with this product, so a review would not be a verified purchase. */
  purchase_not_verified: 422,
  /** The member already reviewed this product; edit that review instead. */
  review_exists: 409,
  /** Portal sign-in: the one-time code is wrong, expired or was never sent (the answer does not say which). */
  otp_invalid: 401,
  /** Portal sign-in: five wrong codes burned this one-time code; ask for a new one. */
  otp_attempts_exceeded: 429,
  /** Portal sign-in: the club's SMS gateway failed to take the code's SMS; `Retry-After` says when to retry. */
  sms_unavailable: 503,
  /** The embedded database is held by another running Vafa process. */
  database_locked: 409,
  /** The request body is larger than the route's limit. */
  payload_too_large: 413,
  /** The media type is not `application/json`. */
  unsupported_media_type: 415,
  /** Too many requests for the key, staff user or address (src/http/rate-limit.ts); see `Retry-After`. */
  rate_limited: 429,
  /** The database could not be reached; the request may be retried. */
  service_unavailable: 503,
  /** An unexpected error; the log has the details under the request id. */
  internal_error: 500,
} as const satisfies Record<string, number>;

export type TErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  /** JSON path of the offending field, dotted (`lines.0.quantity`). */
  field: string;
  /** Where the field is: body (default), query, path or header. */
  in?: 'body' | 'query' | 'path' | 'header';
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: TErrorCode,
    message: string,
    readonly details: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code];
  }
}

export function notFound(what: string, id: string, code: TErrorCode = 'not_found'): AppError {
  return new AppError(code, `${what} '${id}' was not found in this club.`);
}

export function fieldError(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}
