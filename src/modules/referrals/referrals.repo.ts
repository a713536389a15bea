import type { Queryable } from '../../db/db.js';

export interface SettingsRow {
  welcome_points: number;
  welcome_reward_id: string | null;
  referrer_points: number;
  monthly_cap: number;
  referee_max_age_days: number;
  link_base_url: string;
  weight_loyalty: number;
  weight_payment: number;
  weight_cooperation: number;
  weight_referrals: number;
  eligible_threshold: number;
}

export const DEFAULT_SETTINGS: SettingsRow = {
  welcome_points: 200,
  welcome_reward_id: null,
  referrer_points: 500,
  monthly_cap: 10,
  referee_max_age_days: 7,
  link_base_url: 'https://shop.example/r/',
  weight_loyalty: 40,
  weight_payment: 30,
  weight_cooperation: 20,
  weight_referrals: 10,
  eligible_threshold: 60,
};

export async function getSettings(db: Queryable, clubId: string): Promise<SettingsRow> {
  const { rows } = await db.query<SettingsRow>('select * from referral_settings where club_id = $1', [
    clubId,
  ]);
  return rows[0] ?? DEFAULT_SETTINGS;
}

export async function saveSettings(db: Queryable, clubId: string, s: SettingsRow): Promise<void> {
  const cols = Object.keys(DEFAULT_SETTINGS) as Array<keyof SettingsRow>;
  await db.query(
    `insert into referral_settings (club_id, ${cols.join(', ')}) values ($1, ${cols.map((_, i) => `$${i + 2}`).join(', ')})
     on conflict (club_id) do update set ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now()`,
    [clubId, ...cols.map((c) => s[c])],
  );
}

export async function findCodeOfMember(
  db: Queryable,
  clubId: string,
  memberId: string,
): Promise<string | null> {
  const { rows } = await db.query<{ code: string }>(
    'select code from referral_codes where club_id = $1 and member_id = $2',
    [clubId, memberId],
  );
  return rows[0]?.code ?? null;
}

export async function insertCode(db: Queryable, clubId: string, memberId: string, code: string, at: Date) {
  const r = await db.query(
    'insert into referral_codes (club_id, member_id, code, created_at) values ($1, $2, $3, $4) on conflict do nothing',
    [clubId, memberId, code, at],
  );
  return r.rowCount === 1;
}

export async function findMemberByCode(db: Queryable, clubId: string, code: string) {
  const { rows } = await db.query<{ member_id: string }>(
    'select member_id from referral_codes where club_id = $1 and code = $2',
    [clubId, code],
  );
  return rows[0]?.member_id ?? null;
}

export interface Person {
  member_id: string;
  external_id: string;
  mobile: string | null;
  email: string | null;
  created_at: Date;
  device_id: string | null;
  orders: number;
}

/** Contact facts for the fraud checks; the device is the member's attribute or their own sign-up device. */
export async function people(
  db: Queryable,
  clubId: string,
  memberIds: string[],
): Promise<Map<string, Person>> {
  const { rows } = await db.query<Person>(
    `select m.member_id, m.external_id, m.mobile, lower(m.email) as email, m.created_at,
       coalesce(m.attributes ->> 'deviceId',
         (select r.device_id from referrals r where r.club_id = m.club_id and r.referee_member_id = m.member_id
            and r.device_id is not null limit 1)) as device_id,
       (select count(*)::int from orders o where o.club_id = m.club_id and o.member_id = m.member_id) as orders
     from members m where m.club_id = $1 and m.member_id = any($2::text[])`,
    [clubId, memberIds],
  );
  return new Map(rows.map((r) => [r.member_id, r]));
}

export async function countReferrerSince(db: Queryable, clubId: string, referrer: string, since: Date) {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from referrals where club_id = $1 and referrer_member_id = $2
       and status <> 'refused' and created_at >= $3`,
    [clubId, referrer, since],
  );
  return rows[0]?.n ?? 0;
}

export async function hasLiveReferral(db: Queryable, clubId: string, referee: string): Promise<boolean> {
  const { rows } = await db.query(
    `select 1 from referrals where club_id = $1 and referee_member_id = $2 and status <> 'refused'`,
    [clubId, referee],
  );
  return rows.length > 0;
}

export async function insertReferral(
  db: Queryable,
  clubId: string,
  r: {
    id: string;
    code: string;
    referrer: string | null;
    referee: string;
    status: 'pending' | 'refused';
    reason: string | null;
    deviceId: string | null;
    welcomePoints: number;
    at: Date;
  },
): Promise<boolean> {
  const res = await db.query(
    `insert into referrals (club_id, referral_id, code, referrer_member_id, referee_member_id, status, reason, device_id,
       welcome_points, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
    [clubId, r.id, r.code, r.referrer, r.referee, r.status, r.reason, r.deviceId, r.welcomePoints, r.at],
  );
  return res.rowCount === 1;
}

export interface ReferralRow {
  referral_id: string;
  code: string;
  referrer_external_id: string | null;
  referee_external_id: string;
  status: 'pending' | 'rewarded' | 'refused';
  reason: string | null;
  welcome_points: number;
  referrer_points: number;
  created_at: Date;
  rewarded_at: Date | null;
}

const REFERRAL_SELECT = `select r.referral_id, r.code, a.external_id as referrer_external_id, b.external_id as referee_external_id,
    r.status, r.reason, r.welcome_points, r.referrer_points, r.created_at, r.rewarded_at
  from referrals r
  left join members a on a.club_id = r.club_id and a.member_id = r.referrer_member_id
  join members b on b.club_id = r.club_id and b.member_id = r.referee_member_id`;

export async function findReferral(db: Queryable, clubId: string, id: string): Promise<ReferralRow | null> {
  const { rows } = await db.query<ReferralRow>(
    `${REFERRAL_SELECT} where r.club_id = $1 and r.referral_id = $2`,
    [clubId, id],
  );
  return rows[0] ?? null;
}

export async function listReferrals(
  db: Queryable,
  clubId: string,
  status: string | undefined,
  limit: number,
): Promise<ReferralRow[]> {
  const { rows } = await db.query<ReferralRow>(
    `${REFERRAL_SELECT} where r.club_id = $1 and ($2::text is null or r.status = $2)
     order by r.created_at desc, r.referral_id limit $3`,
    [clubId, status ?? null, limit],
  );
  return rows;
}

/**
 * Pending referrals whose referee's first paid order has outlived the return window: its points lot
 * became available, or (an order that earned nothing) delivery plus the window has passed. An order
 * cancelled or returned in full does not qualify. Reads core tables (orders, point_lots) only.
 */
export async function dueReferrals(
  db: Queryable,
  clubId: string,
  now: Date,
  returnWindowDays: number,
  limit: number,
): Promise<Array<{ referral_id: string; referrer_external_id: string; order_id: string }>> {
  const { rows } = await db.query<{ referral_id: string; referrer_external_id: string; order_id: string }>(
    `select r.referral_id, a.external_id as referrer_external_id, o.order_id
     from referrals r
     join members a on a.club_id = r.club_id and a.member_id = r.referrer_member_id
     cross join lateral (
       select o.order_id, o.status, o.total_rials, o.returned_rials, o.delivered_at from orders o
       where o.club_id = r.club_id and o.member_id = r.referee_member_id and o.paid_at is not null
       order by o.paid_at, o.order_id limit 1
     ) o
     left join point_lots l on l.club_id = r.club_id and l.source_type = 'order' and l.source_id = o.order_id
     where r.club_id = $1 and r.status = 'pending' and o.status <> 'cancelled' and o.returned_rials < o.total_rials
       and (l.state = 'available'
            or (l.lot_id is null and o.delivered_at is not null and o.delivered_at + make_interval(days => $3) <= $2))
     limit $4`,
    [clubId, now, returnWindowDays, limit],
  );
  return rows;
}

export async function markRewarded(
  db: Queryable,
  clubId: string,
  id: string,
  points: number,
  orderId: string,
  at: Date,
): Promise<boolean> {
  const r = await db.query(
    `update referrals set status = 'rewarded', referrer_points = $3, qualifying_order_id = $4, rewarded_at = $5
     where club_id = $1 and referral_id = $2 and status = 'pending'`,
    [clubId, id, points, orderId, at],
  );
  return r.rowCount === 1;
}

export interface EligibilityFacts {
  member_id: string;
  external_id: string;
  first_order: Date | null;
  paid_orders: number;
  invoices_due: number;
  invoices_on_time: number;
  days_late_sum: number;
  rating: number | null;
  rating_note: string | null;
  referred: number;
}

/**
 * The facts of the four criteria for many members, in one statement. An invoice paid on its due date
 * is on time; days late are whole days after it (an unpaid overdue invoice keeps counting).
 */
export async function eligibilityFacts(
  db: Queryable,
  clubId: string,
  memberIds: string[],
  now: Date,
): Promise<EligibilityFacts[]> {
  const { rows } = await db.query<EligibilityFacts>(
    `select m.member_id, m.external_id,
       o.first_order, coalesce(o.paid_orders, 0)::int as paid_orders,
       coalesce(i.due, 0)::int as invoices_due, coalesce(i.on_time, 0)::int as invoices_on_time,
       coalesce(i.days_late, 0)::float8 as days_late_sum,
       c.rating, c.note as rating_note,
       coalesce(f.referred, 0)::int as referred
     from members m
     left join (
       select member_id, min(placed_at) as first_order, count(*) as paid_orders from orders
       where club_id = $1 and member_id = any($2::text[]) and status in ('paid', 'shipped', 'delivered')
       group by member_id
     ) o on o.member_id = m.member_id
     left join (
       select member_id, count(*) as due,
         count(*) filter (where paid_at is not null and paid_at < due_at + interval '1 day') as on_time,
         sum(greatest(0, floor(extract(epoch from (coalesce(paid_at, $3) - due_at)) / 86400))) as days_late
       from invoices where club_id = $1 and member_id = any($2::text[]) and (due_at <= $3 or paid_at is not null)
       group by member_id
     ) i on i.member_id = m.member_id
     left join lateral (
       select rating, note from cooperation_ratings cr where cr.club_id = m.club_id and cr.member_id = m.member_id
       order by rating_no desc limit 1
     ) c on true
     left join (
       select referrer_member_id, count(*) as referred from referrals
       where club_id = $1 and referrer_member_id = any($2::text[]) and status = 'rewarded'
       group by referrer_member_id
     ) f on f.referrer_member_id = m.member_id
     where m.club_id = $1 and m.member_id = any($2::text[])`,
    [clubId, memberIds, now],
  );
  return rows;
}

export interface InvoiceRow {
  external_id: string;
  member_external_id: string;
  amount_rials: number;
  due_at: Date;
  paid_at: Date | null;
}

export async function upsertInvoice(
  db: Queryable,
  clubId: string,
  i: { id: string; externalId: string; memberId: string; amountRials: number; dueAt: Date; at: Date },
): Promise<void> {
  await db.query(
    `insert into invoices (club_id, invoice_id, external_id, member_id, amount_rials, due_at, created_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (club_id, external_id) do update set amount_rials = $5, due_at = $6`,
    [clubId, i.id, i.externalId, i.memberId, i.amountRials, i.dueAt, i.at],
  );
}

export async function payInvoice(
  db: Queryable,
  clubId: string,
  externalId: string,
  paidAt: Date,
): Promise<boolean> {
  const r = await db.query('update invoices set paid_at = $3 where club_id = $1 and external_id = $2', [
    clubId,
    externalId,
    paidAt,
  ]);
  return r.rowCount === 1;
}

export async function findInvoice(
  db: Queryable,
  clubId: string,
  externalId: string,
): Promise<InvoiceRow | null> {
  const { rows } = await db.query<InvoiceRow>(
    `select i.external_id, m.external_id as member_external_id, i.amount_rials, i.due_at, i.paid_at
     from invoices i join members m on m.club_id = i.club_id and m.member_id = i.member_id
     where i.club_id = $1 and i.external_id = $2`,
    [clubId, externalId],
  );
  return rows[0] ?? null;
}

export async function insertRating(
  db: Queryable,
  clubId: string,
  memberId: string,
  rating: number,
  note: string | null,
  author: string | null,
  at: Date,
) {
  await db.query(
    `insert into cooperation_ratings (club_id, member_id, rating, note, author, rated_at) values ($1, $2, $3, $4, $5, $6)`,
    [clubId, memberId, rating, note, author, at],
  );
}

/** Totals and refusal reasons for the referral report. */
export async function referralTotals(db: Queryable, clubId: string) {
  const { rows } = await db.query<{
    status: string;
    reason: string | null;
    n: number;
    welcome: number;
    referrer: number;
  }>(
    `select status, reason, count(*)::int as n, coalesce(sum(welcome_points), 0)::bigint as welcome,
            coalesce(sum(referrer_points), 0)::bigint as referrer
       from referrals where club_id = $1 group by status, reason`,
    [clubId],
  );
  return rows;
}

/**
 * Accepted and refused referrals per month of creation, and referrers rewarded per month of reward:
 * `bucket` is the 1-based index in `starts` (month starts, oldest first), by `width_bucket`, so each
 * count is one pass over the club's referrals since the first month.
 */
export async function referralMonths(db: Queryable, clubId: string, starts: Date[]) {
  const { rows: created } = await db.query<{ bucket: number; accepted: number; refused: number }>(
    `select width_bucket(created_at, $2::timestamptz[]) as bucket,
            (count(*) filter (where status <> 'refused'))::int as accepted,
            (count(*) filter (where status = 'refused'))::int as refused
       from referrals where club_id = $1 and created_at >= $3 group by 1`,
    [clubId, starts, starts[0]],
  );
  const { rows: rewarded } = await db.query<{ bucket: number; rewarded: number }>(
    `select width_bucket(rewarded_at, $2::timestamptz[]) as bucket, count(*)::int as rewarded
       from referrals where club_id = $1 and status = 'rewarded' and rewarded_at >= $3 group by 1`,
    [clubId, starts, starts[0]],
  );
  return { created, rewarded };
}

export async function topReferrers(db: Queryable, clubId: string, limit: number) {
  const { rows } = await db.query<{ external_id: string; accepted: number; rewarded: number }>(
    `select m.external_id, count(*)::int as accepted,
            (count(*) filter (where r.status = 'rewarded'))::int as rewarded
       from referrals r join members m on m.club_id = r.club_id and m.member_id = r.referrer_member_id
      where r.club_id = $1 and r.status <> 'refused'
      group by m.external_id order by accepted desc, m.external_id limit $2`,
    [clubId, limit],
  );
  return rows;
}

/** One referrer's friends who joined with their code (refused attempts are not friends who joined). */
export async function referrerSummary(db: Queryable, clubId: string, memberId: string) {
  const { rows } = await db.query<{ pending: number; rewarded: number; points: string | number }>(
    `select (count(*) filter (where status = 'pending'))::int as pending,
            (count(*) filter (where status = 'rewarded'))::int as rewarded,
            coalesce(sum(referrer_points) filter (where status = 'rewarded'), 0)::bigint as points
       from referrals where club_id = $1 and referrer_member_id = $2 and status <> 'refused'`,
    [clubId, memberId],
  );
  const r = rows[0]!;
  return { pending: r.pending, rewarded: r.rewarded, points: Number(r.points) };
}
