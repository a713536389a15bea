import type { Queryable } from '../../db/db.js';

export interface OtpRow {
  club_id: string;
  otp_id: string;
  mobile: string;
  member_id: string | null;
  code_hash: string;
  salt: string;
  created_at: Date;
  expires_at: Date;
  attempts: number;
  used_at: Date | null;
}

export interface PortalMemberRow {
  club_id: string;
  member_id: string;
  external_id: string;
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
}

export interface SessionRow extends PortalMemberRow {
  expires_at: Date;
}

export async function findClub(
  db: Queryable,
  clubId: string,
): Promise<{ club_id: string; name: string } | null> {
  const { rows } = await db.query<{ club_id: string; name: string }>(
    'select club_id, name from clubs where club_id = $1',
    [clubId],
  );
  return rows[0] ?? null;
}

/** Up to two clubs: the portal picks the club by itself only when the server has exactly one. */
export async function firstClubs(db: Queryable): Promise<Array<{ club_id: string; name: string }>> {
  const { rows } = await db.query<{ club_id: string; name: string }>(
    'select club_id, name from clubs order by created_at limit 2',
  );
  return rows;
}

export async function findMemberByMobile(
  db: Queryable,
  clubId: string,
  mobile: string,
): Promise<PortalMemberRow | null> {
  const { rows } = await db.query<PortalMemberRow>(
    `select club_id, member_id, external_id, first_name, last_name, mobile
       from members where club_id = $1 and mobile = $2`,
    [clubId, mobile],
  );
  return rows[0] ?? null;
}

/** Codes asked for this mobile and from this address since `since`, and the latest one's time. */
export async function countRecentOtps(
  db: Queryable,
  clubId: string,
  mobile: string,
  ip: string,
  since: Date,
): Promise<{ byMobile: number; byIp: number; lastAt: Date | null }> {
  const { rows } = await db.query<{ by_mobile: number; by_ip: number; last_at: Date | null }>(
    `select
       (select count(*)::int from portal_otps where club_id = $1 and mobile = $2 and created_at > $4) as by_mobile,
       (select count(*)::int from portal_otps where club_id = $1 and ip = $3 and created_at > $4) as by_ip,
       (select max(created_at) from portal_otps where club_id = $1 and mobile = $2) as last_at`,
    [clubId, mobile, ip, since],
  );
  const r = rows[0]!;
  return { byMobile: r.by_mobile, byIp: r.by_ip, lastAt: r.last_at };
}

export async function insertOtp(
  db: Queryable,
  o: Omit<OtpRow, 'attempts' | 'used_at'> & { ip: string },
): Promise<void> {
  await db.query(
    `insert into portal_otps (club_id, otp_id, mobile, member_id, code_hash, salt, ip, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [o.club_id, o.otp_id, o.mobile, o.member_id, o.code_hash, o.salt, o.ip, o.created_at, o.expires_at],
  );
}

/** The newest code of a mobile, locked: concurrent tries count one by one. */
export async function lockLatestOtp(db: Queryable, clubId: string, mobile: string): Promise<OtpRow | null> {
  const { rows } = await db.query<OtpRow>(
    `select club_id, otp_id, mobile, member_id, code_hash, salt, created_at, expires_at, attempts, used_at
       from portal_otps where club_id = $1 and mobile = $2
      order by created_at desc limit 1 for update`,
    [clubId, mobile],
  );
  return rows[0] ?? null;
}

export async function recordWrongTry(db: Queryable, clubId: string, otpId: string): Promise<number> {
  const { rows } = await db.query<{ attempts: number }>(
    'update portal_otps set attempts = attempts + 1 where club_id = $1 and otp_id = $2 returning attempts',
    [clubId, otpId],
  );
  return rows[0]?.attempts ?? 0;
}

export async function markOtpUsed(db: Queryable, clubId: string, otpId: string, at: Date): Promise<void> {
  await db.query('update portal_otps set used_at = $3 where club_id = $1 and otp_id = $2', [
    clubId,
    otpId,
    at,
  ]);
}

export async function insertSession(
  db: Queryable,
  s: { clubId: string; hash: string; memberId: string; at: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `insert into portal_sessions (club_id, session_hash, member_id, created_at, expires_at)
     values ($1, $2, $3, $4, $5)`,
    [s.clubId, s.hash, s.memberId, s.at, s.expiresAt],
  );
}

export async function findSession(db: Queryable, hash: string): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow>(
    `select s.club_id, s.member_id, m.external_id, m.first_name, m.last_name, m.mobile, s.expires_at
       from portal_sessions s
       join members m on m.club_id = s.club_id and m.member_id = s.member_id
      where s.session_hash = $1`,
    [hash],
  );
  return rows[0] ?? null;
}

export async function deleteSession(db: Queryable, hash: string): Promise<void> {
  await db.query('delete from portal_sessions where session_hash = $1', [hash]);
}

/** Expired sessions and codes older than a day; bounded per call so a sweep never holds locks long. */
export async function sweep(db: Queryable, now: Date, limit: number): Promise<number> {
  const a = await db.query(
    `delete from portal_sessions where session_hash in
       (select session_hash from portal_sessions where expires_at <= $1 limit $2)`,
    [now, limit],
  );
  const b = await db.query(
    `delete from portal_otps where (club_id, otp_id) in
       (select club_id, otp_id from portal_otps where created_at <= $1 limit $2)`,
    [new Date(now.getTime() - 86_400_000), limit],
  );
  return a.rowCount + b.rowCount;
}

/** The club's SMS gateway settings, when the notifications module's table exists. */
export interface SmsSettingsRow {
  sms_provider: string;
  sms_base_url: string | null;
  sms_api_key: string | null;
  sms_sender: string | null;
}

export async function findSmsSettings(db: Queryable, clubId: string): Promise<SmsSettingsRow | null> {
  const { rows: has } = await db.query<{ t: string | null }>(
    `select to_regclass('notification_settings')::text as t`,
  );
  if (!has[0]?.t) return null;
  const { rows } = await db.query<SmsSettingsRow>(
    'select sms_provider, sms_base_url, sms_api_key, sms_sender from notification_settings where club_id = $1',
    [clubId],
  );
  return rows[0] ?? null;
}

/** Removes a code whose SMS could not be sent. */
export async function deleteOtp(db: Queryable, clubId: string, otpId: string): Promise<void> {
  await db.query('delete from portal_otps where club_id = $1 and otp_id = $2', [clubId, otpId]);
}

/** The member's latest orders, so a complaint can name one without typing its number (reads `orders`). */
export async function recentOrders(
  db: Queryable,
  clubId: string,
  memberId: string,
  limit: number,
): Promise<Array<{ external_id: string; placed_at: Date; total_rials: string | number; status: string }>> {
  const { rows } = await db.query<{
    external_id: string;
    placed_at: Date;
    total_rials: string | number;
    status: string;
  }>(
    `select external_id, placed_at, total_rials, status from orders
      where club_id = $1 and member_id = $2 order by placed_at desc, order_id desc limit $3`,
    [clubId, memberId, limit],
  );
  return rows;
}
