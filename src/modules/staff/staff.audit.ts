import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/db.js';
import { AppError } from '../../errors.js';
import { INTERNAL_REQUEST_HEADER, INTERNAL_REQUEST_TOKEN } from '../../http/rate-limit.js';
import type { TApp } from '../../http/types.js';
import * as repo from './staff.repo.js';

/**
 * The audit log: who changed what, when, and the resource before and after.
 *
 * Why a hook around the route rather than a line in each service's transaction: the writes it covers
 * live in a dozen modules, and an entry written by each service would be one more thing every new route
 * must remember. Here every /v1 write is covered the moment it is registered, and the snapshots are the
 * resource as the API itself shows it (its GET route, read with the caller's own credentials, so a role
 * never sees more through the log than through the API).
 *
 * What it guarantees, and what not:
 * - No change goes unrecorded: the entry is written before the handler runs, with the resource as it
 *   was, and completed after it with the status and the resource as it is. A process that dies between
 *   the two leaves an entry with no status ("outcome unknown"), never a change with no entry. A refused
 *   request (4xx) changed nothing and its entry is removed.
 * - The client's 2xx is sent only after the entry is complete (the hook runs before the answer leaves).
 * - "Before" and "after" are read just before and just after the change, not inside its transaction: a
 *   second writer changing the same resource in that instant shows up in both entries. Staff edits of
 *   configuration rarely race; the sequence of entries still shows every change and who made it.
 */

/** Writes that change nothing (dry runs), for every caller. */
const DRY_RUNS =
  /^\/v1\/(orders\/simulate|notifications\/templates\/preview|segments\/preview|coupons\/validate|members\/:externalId\/redemptions\/quote)$/;

/**
 * What a shop's backend does in its normal course (ingest, checkout, member-side actions): not
 * configuration, and millions a day, so API-key calls to these are not audited. Staff calls always are.
 * A route not listed here is audited for API keys too, so a new configuration route is covered at once.
 */
const API_KEY_TRANSACTIONAL = [
  /^\/v1\/orders(\/|$)/,
  // A shop syncs its customers into members as they sign up or change: ingest, not configuration.
  /^\/v1\/members\/:externalId$/,
  /^\/v1\/events$/,
  /^\/v1\/prices(\/batch)?$/,
  /^\/v1\/products\/:sku$/,
  /^\/v1\/members\/:externalId\/(redemptions|watches|rewards|cooperation-ratings)(\/|$)/,
  /^\/v1\/coupons\//,
  /^\/v1\/referrals$/,
  /^\/v1\/campaigns\/:campaignId\/claims$/,
  /^\/v1\/raffles\/:raffleId\/entries$/,
  /^\/v1\/invoices(\/|$)/,
  /^\/v1\/reviews$/,
  /^\/v1\/reviews\/:reviewId\/votes$/,
  /^\/v1\/surveys\/invitations$/,
  /^\/v1\/complaints$/,
  /^\/v1\/notifications\/sms\/inbound$/,
  /^\/v1\/insights\/runs$/,
];

/** Reads that are themselves worth recording: everything Vafa holds about one person, taken away. */
const AUDITED_READS = /^\/v1\/members\/:externalId\/export$/;

/**
 * Routes whose snapshots would copy the personal data the action is about into the log: the erasure
 * (its "before" would keep what it erased) and the export.
 */
const NO_SNAPSHOT = /^\/v1\/members\/:externalId\/(export|erase)$/;

/** Whether this call is audited. `isStaff`: made with a dashboard session. */
export function isAudited(method: string, route: string, isStaff: boolean): boolean {
  if (!route.startsWith('/v1/')) return false;
  if (method === 'GET' || method === 'HEAD') return AUDITED_READS.test(route);
  if (DRY_RUNS.test(route)) return false;
  if (isStaff) return true;
  return !API_KEY_TRANSACTIONAL.some((p) => p.test(route));
}

/** The resource type: the fixed segments before the first parameter (`members`, `notifications/templates`). */
export function resourceTypeOf(route: string): string {
  const segments = route.replace(/^\/v1\//, '').split('/');
  const first = segments.findIndex((s) => s.startsWith(':'));
  return (first < 0 ? segments : segments.slice(0, first)).join('/');
}

/**
 * Where the resource a write changes can be read: the same path when it has a GET route (PUT
 * /v1/members/:externalId), else the nearest ancestor that has one (POST /v1/complaints/:id/transitions
 * reads /v1/complaints/:id; POST …/points/adjustments reads …/points). When the ancestor is a list and
 * a parameter was dropped on the way (PUT /v1/rules/:ruleId reads GET /v1/rules), `pick` names the
 * parameter whose item to take from the list. A POST to a list is a create: nothing before, and after,
 * the created item (by the id the answer gave) read through its own GET route or picked from the list.
 */
export interface ReadPlan {
  readRoute: string | null;
  /** The path parameter naming the item to take from a list answer. */
  pick: string | null;
  isCreate: boolean;
}

/** `findGet(pattern)`: the registered GET route matching the pattern (parameter names ignored), or null. */
export function planRead(method: string, route: string, findGet: (route: string) => string | null): ReadPlan {
  if (method === 'POST') {
    const item = findGet(`${route}/:vafaItem`);
    if (item) return { readRoute: item, pick: null, isCreate: true };
    if (findGet(route)) return { readRoute: route, pick: CREATED, isCreate: true };
  }
  let cur = route;
  let pick: string | null = null;
  while (cur.startsWith('/v1/')) {
    const found = findGet(cur);
    if (found) return { readRoute: found, pick, isCreate: false };
    const cut = cur.lastIndexOf('/');
    const last = cur.slice(cut + 1);
    if (last.startsWith(':')) pick = last.slice(1);
    cur = cur.slice(0, cut);
  }
  return { readRoute: null, pick: null, isCreate: method === 'POST' };
}

/** `pick` for a create into a list: the item is the one whose id the answer gave. */
const CREATED = '(created)';

const SECRET_NAME = /secret|password|token|apikey|api_key/i;
const SECRET_VALUE = /^(vafa_sk_|whsec_)/;
/** Snapshots larger than this are replaced by a note of their size: the log is not a backup. */
export const SNAPSHOT_MAX_BYTES = 64 * 1024;

/** A copy with secrets replaced by "[redacted]": an API key's value, signing secrets, passwords, tokens. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 32) return '[too deep]';
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? '[redacted]' : value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        SECRET_NAME.test(k) && v !== null && typeof v !== 'boolean' ? '[redacted]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

function capped(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > SNAPSHOT_MAX_BYTES ? { truncated: true, bytes: text.length } : value;
}

/** The item of a list answer whose id (or key, externalId, code) is `id`; the whole answer without an id. */
export function pickItem(body: unknown, id: string | null): unknown {
  if (id === null) return body;
  const lists: unknown[][] = [];
  if (Array.isArray(body)) lists.push(body);
  else if (body !== null && typeof body === 'object')
    for (const v of Object.values(body)) if (Array.isArray(v)) lists.push(v);
  for (const list of lists)
    for (const item of list)
      if (item !== null && typeof item === 'object') {
        const o = item as Record<string, unknown>;
        if ([o.id, o.key, o.externalId, o.code].includes(id)) return item;
      }
  return null;
}

interface Pending {
  auditNo: string;
  clubId: string;
  plan: ReadPlan;
  snapshot: boolean;
  params: Record<string, string>;
}

const PENDING = Symbol('vafa.audit');

/**
 * Installs the audit hooks on the /v1 scope. `app` is that scope: its hooks run after authentication
 * (so the caller is known) and validation (so a malformed request opens no entry).
 */
export function registerAuditHooks(app: TApp, db: Db, clock: () => Date): void {
  const findGet = (route: string): string | null => {
    const found = app.findRoute({ method: 'GET', url: route });
    if (!found) return null;
    // The registered pattern, with its own parameter names (findRoute maps them to the ones asked).
    const names = Object.entries(found.params as Record<string, string>);
    let pattern = route;
    for (const [name, asked] of names) pattern = pattern.replace(asked, `:${name}`);
    return pattern;
  };

  async function read(req: FastifyRequest, route: string, params: Record<string, string>): Promise<unknown> {
    const path = route.replace(/:(\w+)/g, (_, p: string) => encodeURIComponent(params[p] ?? ''));
    const headers: Record<string, string> = { [INTERNAL_REQUEST_HEADER]: INTERNAL_REQUEST_TOKEN };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    if (req.headers.cookie) headers.cookie = req.headers.cookie;
    const res = await app.inject({ method: 'GET', url: path, headers });
    if (res.statusCode !== 200) return null;
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      return null;
    }
  }

  const pickParam = (plan: ReadPlan, params: Record<string, string>, createdId: string | null) =>
    plan.pick === null ? null : plan.pick === CREATED ? createdId : (params[plan.pick] ?? null);

  app.addHook('preHandler', async (req) => {
    if (req.headers[INTERNAL_REQUEST_HEADER] === INTERNAL_REQUEST_TOKEN) return;
    const route = req.routeOptions.url;
    if (!route || !req.clubId) return;
    const isStaff = req.apiKeyId.startsWith('staff:');
    if (!isAudited(req.method, route, isStaff)) return;
    const params = (req.params ?? {}) as Record<string, string>;
    const snapshot = !NO_SNAPSHOT.test(route) && req.method !== 'GET';
    const plan: ReadPlan = snapshot
      ? planRead(req.method, route, findGet)
      : { readRoute: null, pick: null, isCreate: false };
    const before =
      plan.readRoute && !plan.isCreate
        ? pickItem(await read(req, plan.readRoute, params), pickParam(plan, params, null))
        : null;
    const names = [...route.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const auditNo = await repo.insertAudit(db, {
      clubId: req.clubId,
      at: clock(),
      actorKind: isStaff ? 'staff' : 'api_key',
      actorId: isStaff ? req.apiKeyId.slice('staff:'.length) : req.apiKeyId,
      method: req.method,
      route,
      path: req.url.split('?')[0] ?? req.url,
      resourceType: resourceTypeOf(route),
      resourceId: names.length ? names.map((n) => params[n] ?? '').join('/') : null,
      requestId: String(req.id),
      before: capped(redact(before)),
    });
    (req as unknown as Record<symbol, Pending>)[PENDING] = {
      auditNo,
      clubId: req.clubId,
      plan,
      snapshot,
      params,
    };
  });

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload) => {
    const holder = req as unknown as Record<symbol, Pending | undefined>;
    const pending = holder[PENDING];
    if (!pending) return payload;
    holder[PENDING] = undefined;
    const status = reply.statusCode;
    if (status >= 400 && status < 500) {
      await repo.deleteAudit(db, pending.clubId, pending.auditNo);
      return payload;
    }
    const { plan } = pending;
    let answered: unknown = null;
    let createdId: string | null = null;
    if (plan.isCreate && typeof payload === 'string') {
      try {
        answered = JSON.parse(payload) as unknown;
        const id = (answered as { id?: unknown } | null)?.id;
        if (typeof id === 'string') createdId = id;
      } catch {
        // Not JSON (a CSV answer): nothing to show.
      }
    }
    let after: unknown = null;
    if (pending.snapshot && status < 400) {
      if (plan.readRoute && (!plan.isCreate || createdId !== null)) {
        const param = plan.isCreate && plan.pick === null ? /:(\w+)$/.exec(plan.readRoute)?.[1] : undefined;
        const params = param && createdId ? { ...pending.params, [param]: createdId } : pending.params;
        after = pickItem(await read(req, plan.readRoute, params), pickParam(plan, params, createdId));
      }
      // Without a GET that shows it, what the create answered is the item as stored.
      if (after === null && plan.isCreate) after = answered;
    }
    try {
      await repo.completeAudit(db, pending.clubId, pending.auditNo, {
        status,
        resourceId: createdId,
        after: capped(redact(after)),
      });
    } catch (err) {
      // The change is made; its entry stays open ("outcome unknown") rather than the answer being lost.
      req.log.error({ err, auditNo: pending.auditNo }, 'audit entry could not be completed');
    }
    return payload;
  });
}

export function decodeAuditCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,19}$/.test(text)) {
    throw new AppError('validation_failed', 'cursor: not a cursor this API returned', {
      errors: [{ field: 'cursor', in: 'query', message: 'not a cursor this API returned' }],
    });
  }
  return text;
}

export function encodeAuditCursor(auditNo: string): string {
  return Buffer.from(auditNo).toString('base64url');
}

export interface TAuditEntry {
  id: string;
  at: string;
  actor: { kind: 'staff' | 'api_key'; id: string; label: string | null };
  method: string;
  route: string;
  path: string;
  resource: { type: string; id: string | null };
  status: number | null;
  before: unknown;
  after: unknown;
  requestId: string;
  redactedAt: string | null;
}

/** Reading the log: newest first, by actor and by resource. */
export class AuditLog {
  constructor(private readonly db: Db) {}

  async list(
    clubId: string,
    q: {
      cursor?: string | undefined;
      limit: number;
      actor?: string | undefined;
      resource?: string | undefined;
    },
  ): Promise<{ items: TAuditEntry[]; nextCursor: string | null }> {
    const colon = q.resource?.indexOf(':') ?? -1;
    const rows = await repo.listAudit(this.db, clubId, {
      beforeNo: q.cursor ? decodeAuditCursor(q.cursor) : undefined,
      actor: q.actor,
      resourceType: q.resource ? (colon < 0 ? q.resource : q.resource.slice(0, colon)) : undefined,
      resourceId: q.resource && colon >= 0 ? q.resource.slice(colon + 1) : undefined,
      limit: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({
        id: r.audit_no,
        at: r.at.toISOString(),
        actor: { kind: r.actor_kind, id: r.actor_id, label: r.actor_label },
        method: r.method,
        route: r.route,
        path: r.path,
        resource: { type: r.resource_type, id: r.resource_id },
        status: r.status,
        before: r.before ?? null,
        after: r.after ?? null,
        requestId: r.request_id,
        redactedAt: r.redacted_at ? r.redacted_at.toISOString() : null,
      })),
      nextCursor: rows.length > q.limit && last ? encodeAuditCursor(last.audit_no) : null,
    };
  }
}
