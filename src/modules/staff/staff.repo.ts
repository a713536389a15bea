import type { Queryable } from '../../db/db.js';
import type { TStaffRole } from './staff.roles.js';

export interface StaffUserRow {
  club_id: string;
  user_id: string;
  email: string;
  password_hash: string;
  role: TStaffRole;
  failed_attempts: number;
  locked_until: Date | null;
  disabled_at: Date | null;
  created_at: Date;
}

const USER_COLUMNS =
  'club_id, user_id, email, password_hash, role, failed_attempts, locked_until, disabled_at, created_at';

export async function insertUser(
  tx: Queryable,
  u: { clubId: string; userId: string; email: string; passwordHash: string; role: TStaffRole; at: Date },
): Promise<StaffUserRow | null> {
  const { rows } = await tx.query<StaffUserRow>(
    `insert into staff_users (club_id, user_id, email, password_hash, role, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $6)
     on conflict (email) do nothing
     returning ${USER_COLUMNS}`,
    [u.clubId, u.userId, u.email, u.passwordHash, u.role, u.at],
  );
  return rows[0] ?? null;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<StaffUserRow | null> {
  const { rows } = await db.query<StaffUserRow>(`select ${USER_COLUMNS} from staff_users where email = $1`, [
    email,
  ]);
  return rows[0] ?? null;
}

export async function listUsers(db: Queryable, clubId: string): Promise<StaffUserRow[]> {
  const { rows } = await db.query<StaffUserRow>(
    `select ${USER_COLUMNS} from staff_users where club_id = $1 order by created_at, user_id limit 500`,
    [clubId],
  );
  return rows;
}

/** Counts a failure and, at the limit, locks until `lockUntil`; atomic so parallel guesses all count. */
export async function recordFailure(
  db: Queryable,
  clubId: string,
  userId: string,
  limit: number,
  lockUntil: Date,
  at: Date,
): Promise<{ failed_attempts: number; locked_until: Date | null }> {
  const { rows } = await db.query<{ failed_attempts: number; locked_until: Date | null }>(
    `update staff_users
        set failed_attempts = case when failed_attempts + 1 >= $3 then 0 else failed_attempts + 1 end,
            locked_until = case when failed_attempts + 1 >= $3 then $4::timestamptz else locked_until end,
            updated_at = $5
      where club_id = $1 and user_id = $2
      returning failed_attempts, locked_until`,
    [clubId, userId, limit, lockUntil, at],
  );
  return rows[0]!;
}

export async function recordSuccess(db: Queryable, clubId: string, userId: string, at: Date): Promise<void> {
  await db.query(
    `update staff_users set failed_attempts = 0, locked_until = null, updated_at = $3
      where club_id = $1 and user_id = $2`,
    [clubId, userId, at],
  );
}

export async function insertSession(
  db: Queryable,
  s: { clubId: string; hash: string; userId: string; at: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `insert into staff_sessions (club_id, session_hash, user_id, created_at, expires_at)
     values ($1, $2, $3, $4, $5)`,
    [s.clubId, s.hash, s.userId, s.at, s.expiresAt],
  );
}

export interface SessionRow {
  club_id: string;
  user_id: string;
  email: string;
  role: TStaffRole;
  expires_at: Date;
}

export async function findSession(db: Queryable, hash: string): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow>(
    `select s.club_id, s.user_id, u.email, u.role, s.expires_at
       from staff_sessions s
       join staff_users u on u.club_id = s.club_id and u.user_id = s.user_id
      where s.session_hash = $1 and u.disabled_at is null`,
    [hash],
  );
  return rows[0] ?? null;
}

export async function deleteSession(db: Queryable, hash: string): Promise<void> {
  await db.query('delete from staff_sessions where session_hash = $1', [hash]);
}

/** Removes expired sessions, at most `limit` a call, so one sweep never holds the table long. */
export async function deleteExpiredSessions(db: Queryable, at: Date, limit: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `with gone as (
       delete from staff_sessions where session_hash in (
         select session_hash from staff_sessions where expires_at <= $1 limit $2)
       returning 1)
     select count(*)::int as n from gone`,
    [at, limit],
  );
  return rows[0]?.n ?? 0;
}

export interface OverviewTotalsRow {
  members: number;
  active_members: number;
  buyers: number;
  repeat_buyers: number;
  points_available: string;
  points_pending: string;
  point_value_rials: string;
}

/** Headline figures of the overview; `activeSince` bounds "active" (an order placed since then). */
export async function overviewTotals(
  db: Queryable,
  clubId: string,
  activeSince: Date,
): Promise<OverviewTotalsRow> {
  const { rows } = await db.query<OverviewTotalsRow>(
    `with per_member as (
       select member_id, count(*) as n, max(placed_at) as last_at
         from orders where club_id = $1 and status <> 'cancelled' group by member_id)
     select
       (select count(*) from members where club_id = $1)::int as members,
       (select count(*) from per_member where last_at >= $2)::int as active_members,
       (select count(*) from per_member)::int as buyers,
       (select count(*) from per_member where n >= 2)::int as repeat_buyers,
       (select coalesce(sum(balance), 0) from ledger_accounts where club_id = $1 and kind = 'available')::text
         as points_available,
       (select coalesce(sum(balance), 0) from ledger_accounts where club_id = $1 and kind = 'pending')::text
         as points_pending,
       (select point_value_rials from clubs where club_id = $1)::text as point_value_rials`,
    [clubId, activeSince],
  );
  return rows[0]!;
}

export interface OverviewMonthRow {
  start: Date;
  orders: number;
  buyers: number;
  returning_buyers: number;
  new_buyers: number;
  revenue_rials: string;
  points_earned: string;
  points_redeemed: string;
  points_expired: string;
}

/** Per month (the given boundaries, so the caller picks the calendar): orders, buyers and points. */
export async function overviewMonths(
  db: Queryable,
  clubId: string,
  starts: Date[],
  ends: Date[],
): Promise<OverviewMonthRow[]> {
  const { rows } = await db.query<OverviewMonthRow>(
    `with b as (select s, e from unnest($2::timestamptz[], $3::timestamptz[]) as t(s, e)),
     valid as (select member_id, placed_at, total_rials - returned_rials as net
                 from orders where club_id = $1 and status <> 'cancelled'),
     firsts as (select member_id, min(placed_at) as first_at from valid group by member_id),
     o as (
       select b.s, count(*)::int as orders, count(distinct v.member_id)::int as buyers,
              count(distinct v.member_id) filter (where f.first_at < b.s)::int as returning_buyers,
              sum(v.net)::text as revenue_rials
         from b join valid v on v.placed_at >= b.s and v.placed_at < b.e
         join firsts f on f.member_id = v.member_id
        group by b.s),
     n as (
       select b.s, count(*)::int as new_buyers
         from b join firsts f on f.first_at >= b.s and f.first_at < b.e group by b.s),
     p as (
       select b.s,
              coalesce(sum(l.amount) filter (where l.reason in ('earn_purchase', 'earn_event')), 0)::text
                as points_earned,
              coalesce(sum(l.amount) filter (where l.reason = 'redeem_commit'), 0)::text as points_redeemed,
              coalesce(sum(l.amount) filter (where l.reason = 'expire'), 0)::text as points_expired
         from b join ledger_entries l on l.club_id = $1 and l.created_at >= b.s and l.created_at < b.e
        group by b.s)
     select b.s as start, coalesce(o.orders, 0) as orders, coalesce(o.buyers, 0) as buyers,
            coalesce(o.returning_buyers, 0) as returning_buyers, coalesce(n.new_buyers, 0) as new_buyers,
            coalesce(o.revenue_rials, '0') as revenue_rials, coalesce(p.points_earned, '0') as points_earned,
            coalesce(p.points_redeemed, '0') as points_redeemed, coalesce(p.points_expired, '0') as points_expired
       from b left join o on o.s = b.s left join n on n.s = b.s left join p on p.s = b.s
      order by b.s`,
    [clubId, starts, ends],
  );
  return rows;
}

export interface MemberOrderRow {
  external_id: string;
  placed_at: Date;
  status: string;
  total_rials: string;
  returned_rials: string;
  line_count: number;
}

/** A member's latest orders, newest first; null when the member does not exist in the club. */
export async function listMemberOrders(
  db: Queryable,
  clubId: string,
  memberExternalId: string,
  limit: number,
): Promise<MemberOrderRow[] | null> {
  const { rows: m } = await db.query<{ member_id: string }>(
    'select member_id from members where club_id = $1 and external_id = $2',
    [clubId, memberExternalId],
  );
  if (!m[0]) return null;
  const { rows } = await db.query<MemberOrderRow>(
    `select o.external_id, o.placed_at, o.status, o.total_rials::text, o.returned_rials::text,
            (select count(*) from order_lines l where l.club_id = o.club_id and l.order_id = o.order_id)::int
              as line_count
       from orders o where o.club_id = $1 and o.member_id = $2
      order by o.placed_at desc limit $3`,
    [clubId, m[0].member_id, limit],
  );
  return rows;
}

export interface AuditRow {
  audit_no: string;
  at: Date;
  actor_kind: 'staff' | 'api_key';
  actor_id: string;
  actor_label: string | null;
  method: string;
  route: string;
  path: string;
  resource_type: string;
  resource_id: string | null;
  request_id: string;
  status: number | null;
  before: unknown;
  after: unknown;
  redacted_at: Date | null;
}

/**
 * Opens an audit entry before the change runs, with the actor's email or key name as they are now; the
 * entry is completed (or removed, for a refused request) by `completeAudit`.
 */
export async function insertAudit(
  db: Queryable,
  a: {
    clubId: string;
    at: Date;
    actorKind: 'staff' | 'api_key';
    actorId: string;
    method: string;
    route: string;
    path: string;
    resourceType: string;
    resourceId: string | null;
    requestId: string;
    before: unknown;
  },
): Promise<string> {
  const { rows } = await db.query<{ audit_no: string }>(
    `insert into staff_audit_log (club_id, at, actor_kind, actor_id, actor_label, method, route, path,
       resource_type, resource_id, request_id, before)
     values ($1, $2, $3, $4,
       case when $3 = 'staff'
         then (select email from staff_users where club_id = $1 and user_id = $4)
         else (select name from api_keys where club_id = $1 and key_id = $4) end,
       $5, $6, $7, $8, $9, $10, $11::jsonb)
     returning audit_no::text`,
    [
      a.clubId,
      a.at,
      a.actorKind,
      a.actorId,
      a.method,
      a.route,
      a.path,
      a.resourceType,
      a.resourceId,
      a.requestId,
      a.before === null ? null : JSON.stringify(a.before),
    ],
  );
  return rows[0]!.audit_no;
}

export async function completeAudit(
  db: Queryable,
  clubId: string,
  auditNo: string,
  c: { status: number; resourceId: string | null; after: unknown },
): Promise<void> {
  await db.query(
    `update staff_audit_log set status = $3, resource_id = coalesce($4, resource_id), after = $5::jsonb
      where club_id = $1 and audit_no = $2`,
    [clubId, auditNo, c.status, c.resourceId, c.after === null ? null : JSON.stringify(c.after)],
  );
}

/** A refused request changed nothing: its entry goes. */
export async function deleteAudit(db: Queryable, clubId: string, auditNo: string): Promise<void> {
  await db.query('delete from staff_audit_log where club_id = $1 and audit_no = $2', [clubId, auditNo]);
}

export async function listAudit(
  db: Queryable,
  clubId: string,
  opts: {
    beforeNo?: string | undefined;
    actor?: string | undefined;
    resourceType?: string | undefined;
    resourceId?: string | undefined;
    limit: number;
  },
): Promise<AuditRow[]> {
  const params: unknown[] = [clubId];
  const where = ['club_id = $1'];
  if (opts.beforeNo) {
    params.push(opts.beforeNo);
    where.push(`audit_no < $${params.length}::bigint`);
  }
  if (opts.actor) {
    params.push(opts.actor);
    where.push(`(actor_id = $${params.length} or lower(actor_label) = lower($${params.length}))`);
  }
  if (opts.resourceType) {
    params.push(opts.resourceType);
    where.push(`resource_type = $${params.length}`);
  }
  if (opts.resourceId) {
    params.push(opts.resourceId);
    where.push(`resource_id = $${params.length}`);
  }
  params.push(opts.limit);
  const { rows } = await db.query<AuditRow>(
    `select audit_no::text, at, actor_kind, actor_id, actor_label, method, route, path, resource_type,
            resource_id, request_id, status, before, after, redacted_at
       from staff_audit_log where ${where.join(' and ')}
      order by audit_no desc limit $${params.length}`,
    params,
  );
  return rows;
}
