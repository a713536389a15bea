import type { Queryable } from '../../db/db.js';
import type { MemberTierState, TierDef } from './tiers.rules.js';
import type { TBenefits, TCalendar, TDowngradeMode, TTierMeasure } from './tiers.schema.js';

export interface TierSettingsRow {
  measure: TTierMeasure;
  downgrade: TDowngradeMode;
  graceReviews: number;
  calendar: TCalendar;
}

export const DEFAULT_SETTINGS: TierSettingsRow = Object.freeze({
  measure: 'spend',
  downgrade: 'review',
  graceReviews: 1,
  calendar: 'jalali',
}) as TierSettingsRow;

export async function getSettings(db: Queryable, clubId: string): Promise<TierSettingsRow> {
  const { rows } = await db.query<{
    measure: TTierMeasure;
    downgrade: TDowngradeMode;
    grace_reviews: number;
    calendar: TCalendar;
  }>('select measure, downgrade, grace_reviews, calendar from tier_settings where club_id = $1', [clubId]);
  const r = rows[0];
  return r
    ? { measure: r.measure, downgrade: r.downgrade, graceReviews: r.grace_reviews, calendar: r.calendar }
    : { ...DEFAULT_SETTINGS };
}

/** Creates the club's settings row if missing and locks it: edits of tiers and settings serialise on it. */
export async function lockSettings(tx: Queryable, clubId: string): Promise<TierSettingsRow> {
  await tx.query('insert into tier_settings (club_id) values ($1) on conflict do nothing', [clubId]);
  await tx.query('select 1 from tier_settings where club_id = $1 for update', [clubId]);
  return getSettings(tx, clubId);
}

export async function updateSettings(tx: Queryable, clubId: string, s: TierSettingsRow): Promise<void> {
  await tx.query(
    `update tier_settings set measure = $2, downgrade = $3, grace_reviews = $4, calendar = $5, updated_at = now()
     where club_id = $1`,
    [clubId, s.measure, s.downgrade, s.graceReviews, s.calendar],
  );
}

interface TierRow {
  tier_id: string;
  tier_key: string;
  rank: number;
  name_fa: string;
  name_en: string;
  threshold: number;
  benefits: TBenefits;
}

/** The club's tiers, lowest first. */
export async function listTiers(db: Queryable, clubId: string): Promise<TierDef[]> {
  const { rows } = await db.query<TierRow>(
    `select tier_id, tier_key, rank, name_fa, name_en, threshold, benefits from tiers
     where club_id = $1 order by rank`,
    [clubId],
  );
  return rows.map((r) => ({
    tierId: r.tier_id,
    key: r.tier_key,
    rank: r.rank,
    nameFa: r.name_fa,
    nameEn: r.name_en,
    threshold: Number(r.threshold),
    benefits: r.benefits,
  }));
}

/** Replaces the whole list in the caller's transaction (ids of kept keys are reused by the caller). */
export async function replaceTiers(tx: Queryable, clubId: string, tiers: TierDef[]): Promise<void> {
  await tx.query('delete from tiers where club_id = $1', [clubId]);
  if (tiers.length === 0) return;
  await tx.query(
    `insert into tiers (club_id, tier_id, tier_key, rank, name_fa, name_en, threshold, benefits)
     select $1, t.id, t.key, t.rank, t.fa, t.en, t.threshold, t.benefits::jsonb
     from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[], $8::text[])
       as t(id, key, rank, fa, en, threshold, benefits)`,
    [
      clubId,
      tiers.map((t) => t.tierId),
      tiers.map((t) => t.key),
      tiers.map((t) => t.rank),
      tiers.map((t) => t.nameFa),
      tiers.map((t) => t.nameEn),
      tiers.map((t) => t.threshold),
      tiers.map((t) => JSON.stringify(t.benefits)),
    ],
  );
}

export interface MemberTierRow extends MemberTierState {
  floorReason: string | null;
  floorAuthor: string | null;
  floorSetAt: Date | null;
}

interface RawMemberTier {
  member_id: string;
  tier_id: string | null;
  since: Date | null;
  review_at: Date | null;
  grace_used: number;
  floor_tier_id: string | null;
  floor_reason: string | null;
  floor_author: string | null;
  floor_set_at: Date | null;
}

const MEMBER_COLUMNS =
  'member_id, tier_id, since, review_at, grace_used, floor_tier_id, floor_reason, floor_author, floor_set_at';

function toState(r: RawMemberTier): MemberTierRow {
  return {
    tierId: r.tier_id,
    since: r.since,
    reviewAt: r.review_at,
    graceUsed: r.grace_used,
    floorTierId: r.floor_tier_id,
    floorReason: r.floor_reason,
    floorAuthor: r.floor_author,
    floorSetAt: r.floor_set_at,
  };
}

export async function findMemberTier(
  db: Queryable,
  clubId: string,
  memberId: string,
): Promise<MemberTierRow | null> {
  const { rows } = await db.query<RawMemberTier>(
    `select ${MEMBER_COLUMNS} from member_tiers where club_id = $1 and member_id = $2`,
    [clubId, memberId],
  );
  return rows[0] ? toState(rows[0]) : null;
}

export async function findMemberTiers(
  db: Queryable,
  clubId: string,
  memberIds: string[],
): Promise<Map<string, MemberTierRow>> {
  if (memberIds.length === 0) return new Map();
  const { rows } = await db.query<RawMemberTier & { member_id: string }>(
    `select member_id, ${MEMBER_COLUMNS} from member_tiers where club_id = $1 and member_id = any($2::text[])`,
    [clubId, memberIds],
  );
  return new Map(rows.map((r) => [r.member_id, toState(r)]));
}

/**
 * The member's row, created empty if missing, locked for the rest of the transaction: two evaluations
 * of one member (an order and a read at once) then decide one after the other, never both.
 */
export async function lockMemberTier(
  tx: Queryable,
  clubId: string,
  memberId: string,
): Promise<MemberTierRow> {
  await tx.query('insert into member_tiers (club_id, member_id) values ($1, $2) on conflict do nothing', [
    clubId,
    memberId,
  ]);
  const { rows } = await tx.query<RawMemberTier>(
    `select ${MEMBER_COLUMNS} from member_tiers where club_id = $1 and member_id = $2 for update`,
    [clubId, memberId],
  );
  return toState(rows[0]!);
}

export async function saveMemberTier(
  tx: Queryable,
  clubId: string,
  memberId: string,
  s: MemberTierRow,
): Promise<void> {
  await tx.query(
    `update member_tiers set tier_id = $3, since = $4, review_at = $5, grace_used = $6, floor_tier_id = $7,
       floor_reason = $8, floor_author = $9, floor_set_at = $10, updated_at = now()
     where club_id = $1 and member_id = $2`,
    [
      clubId,
      memberId,
      s.tierId,
      s.since,
      s.reviewAt,
      s.graceUsed,
      s.floorTierId,
      s.floorReason,
      s.floorAuthor,
      s.floorSetAt,
    ],
  );
}

/**
 * Up to `limit` members whose review is due, locked; members another transaction holds are skipped
 * (they are reviewed by that one or the next run).
 */
export async function lockDueReviews(
  tx: Queryable,
  clubId: string,
  now: Date,
  limit: number,
): Promise<Array<{ memberId: string } & MemberTierRow>> {
  const { rows } = await tx.query<RawMemberTier>(
    `select ${MEMBER_COLUMNS} from member_tiers
     where club_id = $1 and review_at is not null and review_at <= $2
     order by review_at, member_id limit $3 for update skip locked`,
    [clubId, now, limit],
  );
  return rows.map((r) => ({ memberId: r.member_id, ...toState(r) }));
}

export interface HistoryInsert {
  memberId: string;
  at: Date;
  kind: string;
  fromKey: string | null;
  toKey: string | null;
  reason: string;
  note: string | null;
  author: string | null;
  measureValue: number | null;
}

export async function insertHistory(tx: Queryable, clubId: string, h: HistoryInsert): Promise<void> {
  await tx.query(
    `insert into tier_history (club_id, member_id, at, kind, from_key, to_key, reason, note, author, measure_value)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [clubId, h.memberId, h.at, h.kind, h.fromKey, h.toKey, h.reason, h.note, h.author, h.measureValue],
  );
}

export interface HistoryRow {
  at: Date;
  kind: string;
  from_key: string | null;
  to_key: string | null;
  reason: string;
  note: string | null;
  author: string | null;
  measure_value: number | null;
}

export async function listHistory(
  db: Queryable,
  clubId: string,
  memberId: string,
  limit: number,
): Promise<HistoryRow[]> {
  const { rows } = await db.query<HistoryRow>(
    `select at, kind, from_key, to_key, reason, note, author, measure_value from tier_history
     where club_id = $1 and member_id = $2 order by change_no desc limit $3`,
    [clubId, memberId, limit],
  );
  return rows;
}

/** The tier key the member last moved to, as history recorded it (names a tier since deleted). */
export async function lastToKey(db: Queryable, clubId: string, memberId: string): Promise<string | null> {
  const { rows } = await db.query<{ to_key: string | null }>(
    `select to_key from tier_history where club_id = $1 and member_id = $2 and kind in ('upgrade', 'downgrade', 'removed')
     order by change_no desc limit 1`,
    [clubId, memberId],
  );
  return rows[0]?.to_key ?? null;
}

/** Clubs that have tiers: the review job visits only these. */
export async function listClubsWithTiers(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ club_id: string }>('select distinct club_id from tiers order by club_id');
  return rows.map((r) => r.club_id);
}
