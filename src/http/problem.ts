import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ERROR_CODES, type TErrorCode } from '../errors.js';

export const PROBLEM_TYPE_BASE = 'https://github.com/vafa-club/vafa/blob/main/docs/errors.md#';

/**
 * RFC 9457 problem details, with Vafa's stable `code` and the offending fields. Loose on purpose: a
 * problem may carry extension members that help the client act (e.g. `available` on insufficient_points).
 */
export const ZProblem = z
  .looseObject({
    type: z.string().describe('A link to the code in docs/errors.md.'),
    title: z.string().describe('A short, human-readable summary of the code.'),
    status: z.number().int(),
    detail: z.string().describe('What went wrong in this request.'),
    code: z.string().describe('Stable machine-readable error code; see docs/errors.md.'),
    instance: z.string().optional().describe('The request path.'),
    requestId: z.string().describe('Quote this when asking for help; the server log has the details.'),
    errors: z
      .array(
        z.object({
          field: z.string().describe('Dotted path of the field (lines.0.quantity).'),
          in: z.enum(['body', 'query', 'path', 'header']).optional(),
          message: z.string(),
        }),
      )
      .optional()
      .describe('One item per offending field.'),
  })
  .meta({ id: 'Problem' });
export type TProblem = z.infer<typeof ZProblem>;

const TITLES: Partial<Record<TErrorCode, string>> = {
  validation_failed: 'The request is not valid',
  malformed_request: 'The request could not be read',
  unauthenticated: 'Authentication required',
  invalid_api_key: 'Invalid API key',
  not_found: 'Not found',
  route_not_found: 'No such route',
  payload_too_large: 'Request body too large',
  internal_error: 'Internal server error',
};

function title(code: TErrorCode): string {
  return TITLES[code] ?? code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

export function problem(
  req: FastifyRequest,
  code: TErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
): TProblem {
  // Extra members come first so they can never overwrite the standard ones (a detail named `status`
  // once turned a 409 into an invalid HTTP status).
  return {
    ...extra,
    type: PROBLEM_TYPE_BASE + code,
    title: title(code),
    status: ERROR_CODES[code],
    detail,
    code,
    instance: req.url.split('?')[0] ?? req.url,
    requestId: String(req.id),
  };
}

export function sendProblem(reply: FastifyReply, body: TProblem): FastifyReply {
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

const CONTEXT_TO_IN: Record<string, 'body' | 'query' | 'path' | 'header'> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * The one error handler. AppErrors keep their code; Fastify's own 4xx (bad JSON, oversize bodies,
 * unsupported media types) get stable codes too; anything else is a generic 500 whose original is only
 * in the log, under the request id, so no stack trace ever reaches a client.
 */
export function handleError(
  err: FastifyError | Error,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (err instanceof AppError) {
    return sendProblem(reply, problem(req, err.code, err.message, err.details));
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where =
      CONTEXT_TO_IN[(err as { validationContext?: string }).validationContext ?? 'body'] ?? 'body';
    const errors = err.validation.flatMap((v) => {
      const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
      // An unknown field is named itself (zod reports it on the parent object with the keys aside).
      const keys = (v.params as { keys?: unknown }).keys;
      if (v.keyword === 'unrecognized_keys' && Array.isArray(keys) && keys.length > 0) {
        return keys.map((k) => ({
          field: path ? `${path}.${String(k)}` : String(k),
          in: where,
          message: 'unknown field',
        }));
      }
      return [{ field: path || '(root)', in: where, message: v.message ?? 'invalid' }];
    });
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return sendProblem(
      reply,
      problem(req, 'validation_failed', `${first.field}: ${first.message}${more}`, { errors }),
    );
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fe.statusCode === 413) {
    return sendProblem(
      reply,
      problem(req, 'payload_too_large', 'The request body is larger than this route accepts.'),
    );
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.statusCode === 415) {
    return sendProblem(reply, problem(req, 'unsupported_media_type', 'Send the body as application/json.'));
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Malformed JSON, empty JSON bodies, bad content length: the message says which, without internals.
    const detail =
      fe.message?.includes('__proto__') || fe.message?.includes('constructor')
        ? 'The body uses a forbidden key (__proto__ or constructor.prototype).'
        : err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
          ? 'The body is not valid JSON.'
          : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'The body is empty but the content type says JSON.'
            : 'The request could not be read.';
    return sendProblem(reply, problem(req, 'malformed_request', detail));
  }
  const pgCode = (err as { code?: string }).code;
  if (pgCode === '22021' || pgCode === '22P05' || pgCode === '54000' || pgCode === '22P02') {
    // Text PostgreSQL cannot store (a NUL character, invalid encoding, a lone UTF-16 surrogate in a jsonb
    // value: 22P02) or a value too long for an index.
    return sendProblem(
      reply,
      problem(
        req,
        'validation_failed',
        'A text value contains characters that cannot be stored (such as U+0000) or is too long.',
      ),
    );
  }
  if (isDatabaseUnavailable(pgCode, (err as Error).message)) {
    req.log.error({ err }, 'database unavailable');
    reply.header('retry-after', '5');
    return sendProblem(
      reply,
      problem(req, 'service_unavailable', 'The database is unavailable; retry shortly.'),
    );
  }
  req.log.error({ err }, 'unhandled error');
  return sendProblem(reply, problem(req, 'internal_error', 'An unexpected error occurred.'));
}

/** Server shutting down or restarting (57P0x), connection failures (08xxx), and pg's own socket errors. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated unexpectedly',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
];

/**
 * Whether an error means the database could not be reached rather than that the request was wrong: the
 * client should retry (503 with Retry-After), and a PostgreSQL restart must not read as a server bug.
 */
export function isDatabaseUnavailable(code: string | undefined, message: string | undefined): boolean {
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m));
}
