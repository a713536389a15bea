import type { Queryable } from '../../db/db.js';

export interface DiscountSettingsRow {
  max_discount_pct: number;
  release_on_return: boolean;
}

export async function getDiscountSettings(db: Queryable, clubId: string): Promise<DiscountSettingsRow> {
  const { rows } = await db.query<DiscountSettingsRow>(
    'select max_discount_pct, release_on_return from discount_settings where club_id = $1',
    [clubId],
  );
  return rows[0] ?? { max_discount_pct: 30, release_on_return: true };
}

export async function saveDiscountSettings(
  db: Queryable,
  clubId: string,
  s: DiscountSettingsRow,
): Promise<void> {
  await db.query(
    `insert into discount_settings (club_id, max_discount_pct, release_on_return) values ($1, $2, $3)
     on conflict (club_id) do update set max_discount_pct = $2, release_on_return = $3, updated_at = now()`,
    [clubId, s.max_discount_pct, s.release_on_return],
  );
}

export interface BatchRow {
  batch_id: string;
  name: string;
  kind: 'fixed' | 'percent' | 'free_shipping' | 'gift';
  amount_rials: number | null;
  percent: number | null;
  max_discount_rials: number | null;
  min_cart_rials: number;
  categories: string[];
  gift_sku: string | null;
  gift_value_rials: number | null;
  prefix: string;
  source: string;
  uses_per_code: number;
  valid_from: Date | null;
  valid_to: Date | null;
  budget_rials: number | null;
  spent_rials: number;
  codes_count: number;
  is_active: boolean;
  guardrail_override_reason: string | null;
  guardrail_override_author: string | null;
  created_at: Date;
}

const BATCH_COLS = `batch_id, name, kind, amount_rials, percent, max_discount_rials, min_cart_rials, categories,
  gift_sku, gift_value_rials, prefix, source, uses_per_code, valid_from, valid_to, budget_rials, spent_rials,
  codes_count, is_active, guardrail_override_reason, guardrail_override_author, created_at`;

export async function insertBatch(
  db: Queryable,
  clubId: string,
  b: Omit<BatchRow, 'spent_rials' | 'codes_count' | 'is_active' | 'created_at'>,
  at: Date,
): Promise<BatchRow> {
  const { rows } = await db.query<BatchRow>(
    `insert into coupon_batches (club_id, batch_id, name, kind, amount_rials, percent, max_discount_rials,
       min_cart_rials, categories, gift_sku, gift_value_rials, prefix, source, uses_per_code, valid_from, valid_to,
       budget_rials, guardrail_override_reason, guardrail_override_author, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
     returning ${BATCH_COLS}`,
    [
      clubId,
      b.batch_id,
      b.name,
      b.kind,
      b.amount_rials,
      b.percent,
      b.max_discount_rials,
      b.min_cart_rials,
      b.categories,
      b.gift_sku,
      b.gift_value_rials,
      b.prefix,
      b.source,
      b.uses_per_code,
      b.valid_from,
      b.valid_to,
      b.budget_rials,
      b.guardrail_override_reason,
      b.guardrail_override_author,
      at,
    ],
  );
  return rows[0]!;
}

export async function findBatch(db: Queryable, clubId: string, batchId: string): Promise<BatchRow | null> {
  const { rows } = await db.query<BatchRow>(
    `select ${BATCH_COLS} from coupon_batches where club_id = $1 and batch_id = $2`,
    [clubId, batchId],
  );
  return rows[0] ?? null;
}

export async function listBatches(db: Queryable, clubId: string, limit: number): Promise<BatchRow[]> {
  const { rows } = await db.query<BatchRow>(
    `select ${BATCH_COLS} from coupon_batches where club_id = $1 order by created_at desc, batch_id limit $2`,
    [clubId, limit],
  );
  return rows;
}

export async function setBatchActive(db: Queryable, clubId: string, batchId: string, active: boolean) {
  await db.query('update coupon_batches set is_active = $3 where club_id = $1 and batch_id = $2', [
    clubId,
    batchId,
    active,
  ]);
}

/** Inserts codes; a code that already exists in the club is skipped and not returned. */
export async function insertCodes(
  tx: Queryable,
  clubId: string,
  batchId: string,
  codes: Array<{ code: string; memberId: string | null; expiresAt: Date | null }>,
  maxUses: number,
  at: Date,
): Promise<string[]> {
  if (codes.length === 0) return [];
  const { rows } = await tx.query<{ code: string }>(
    `insert into coupons (club_id, code, batch_id, member_id, max_uses, expires_at, created_at)
     select $1, c.code, $2, c.member_id, $3, c.expires_at, $4
     from unnest($5::text[], $6::text[], $7::timestamptz[]) as c(code, member_id, expires_at)
     on conflict do nothing returning code`,
    [
      clubId,
      batchId,
      maxUses,
      at,
      codes.map((c) => c.code),
      codes.map((c) => c.memberId),
      codes.map((c) => c.expiresAt),
    ],
  );
  if (rows.length > 0) {
    await tx.query(
      'update coupon_batches set codes_count = codes_count + $3 where club_id = $1 and batch_id = $2',
      [clubId, batchId, rows.length],
    );
  }
  return rows.map((r) => r.code);
}

export async function pageCodes(
  db: Queryable,
  clubId: string,
  batchId: string,
  afterCode: string,
  limit: number,
): Promise<
  Array<{ code: string; member_external_id: string | null; uses: number; expires_at: Date | null }>
> {
  const { rows } = await db.query<{
    code: string;
    member_external_id: string | null;
    uses: number;
    expires_at: Date | null;
  }>(
    `select c.code, m.external_id as member_external_id, c.uses, c.expires_at from coupons c
     left join members m on m.club_id = c.club_id and m.member_id = c.member_id
     where c.club_id = $1 and c.batch_id = $2 and c.code > $3 order by c.code limit $4`,
    [clubId, batchId, afterCode, limit],
  );
  return rows;
}

export interface CouponRow {
  code: string;
  batch_id: string;
  member_id: string | null;
  uses: number;
  max_uses: number;
  expires_at: Date | null;
}

export async function findCoupon(
  db: Queryable,
  clubId: string,
  code: string,
  lock = false,
): Promise<CouponRow | null> {
  const { rows } = await db.query<CouponRow>(
    `select code, batch_id, member_id, uses, max_uses, expires_at from coupons
     where club_id = $1 and code = $2${lock ? ' for update' : ''}`,
    [clubId, code],
  );
  return rows[0] ?? null;
}

export async function changeCouponUses(tx: Queryable, clubId: string, code: string, delta: number) {
  await tx.query('update coupons set uses = uses + $3 where club_id = $1 and code = $2', [
    clubId,
    code,
    delta,
  ]);
}

/**
 * Spends from a batch budget with one conditional update: two concurrent redemptions can never both
 * pass a check and overspend, because the second one re-reads the row after the first commits.
 */
export async function spendBatch(
  tx: Queryable,
  clubId: string,
  batchId: string,
  rials: number,
): Promise<boolean> {
  const r = await tx.query(
    `update coupon_batches set spent_rials = spent_rials + $3
     where club_id = $1 and batch_id = $2 and (budget_rials is null or spent_rials + $3 <= budget_rials)`,
    [clubId, batchId, rials],
  );
  return r.rowCount === 1;
}

export async function refundBatch(tx: Queryable, clubId: string, batchId: string, rials: number) {
  await tx.query(
    'update coupon_batches set spent_rials = greatest(0, spent_rials - $3) where club_id = $1 and batch_id = $2',
    [clubId, batchId, rials],
  );
}

export interface UseRow {
  code: string;
  order_external_id: string;
  member_id: string;
  member_external_id: string;
  discount_rials: number;
  request_hash: string;
  status: 'redeemed' | 'released';
  redeemed_at: Date;
  released_at: Date | null;
}

export async function findUse(
  db: Queryable,
  clubId: string,
  code: string,
  orderExternalId: string,
  lock = false,
): Promise<UseRow | null> {
  const { rows } = await db.query<UseRow>(
    `select u.code, u.order_external_id, u.member_id, m.external_id as member_external_id, u.discount_rials,
       u.request_hash, u.status, u.redeemed_at, u.released_at
     from coupon_uses u join members m on m.club_id = u.club_id and m.member_id = u.member_id
     where u.club_id = $1 and u.code = $2 and u.order_external_id = $3${lock ? ' for update of u' : ''}`,
    [clubId, code, orderExternalId],
  );
  return rows[0] ?? null;
}

export async function insertUse(
  tx: Queryable,
  clubId: string,
  u: {
    code: string;
    orderExternalId: string;
    memberId: string;
    discountRials: number;
    requestHash: string;
    at: Date;
  },
): Promise<void> {
  await tx.query(
    `insert into coupon_uses (club_id, code, order_external_id, member_id, discount_rials, request_hash, status, redeemed_at)
     values ($1, $2, $3, $4, $5, $6, 'redeemed', $7)`,
    [clubId, u.code, u.orderExternalId, u.memberId, u.discountRials, u.requestHash, u.at],
  );
}

export async function markUseReleased(
  tx: Queryable,
  clubId: string,
  code: string,
  orderExternalId: string,
  reason: string,
  at: Date,
): Promise<void> {
  await tx.query(
    `update coupon_uses set status = 'released', released_at = $4, release_reason = $5
     where club_id = $1 and code = $2 and order_external_id = $3`,
    [clubId, code, orderExternalId, at, reason],
  );
}

/** Uses whose order the shop cancelled or returned in full: the release job gives them back. */
export async function usesOfUndoneOrders(
  db: Queryable,
  clubId: string,
  limit: number,
): Promise<Array<{ code: string; order_external_id: string; status: string }>> {
  const { rows } = await db.query<{ code: string; order_external_id: string; status: string }>(
    `select u.code, u.order_external_id, o.status from coupon_uses u
     join orders o on o.club_id = u.club_id and o.external_id = u.order_external_id
     where u.club_id = $1 and u.status = 'redeemed'
       and (o.status = 'cancelled' or (o.total_rials > 0 and o.returned_rials >= o.total_rials))
     limit $2`,
    [clubId, limit],
  );
  return rows;
}

export interface RewardRow {
  reward_id: string;
  kind: 'fixed_discount' | 'percent_discount' | 'free_shipping' | 'gift_item' | 'raffle_ticket' | 'donation';
  name_fa: string;
  name_en: string | null;
  description: string | null;
  cost_points: number;
  config: Record<string, unknown>;
  stock: number | null;
  issued: number;
  limit_per_member: number | null;
  valid_from: Date | null;
  valid_to: Date | null;
  coupon_valid_days: number;
  target_tiers: string[];
  is_active: boolean;
  batch_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const REWARD_COLS = `reward_id, kind, name_fa, name_en, description, cost_points, config, stock, issued,
  limit_per_member, valid_from, valid_to, coupon_valid_days, target_tiers, is_active, batch_id, created_at, updated_at`;

export type RewardFields = Omit<RewardRow, 'issued' | 'created_at' | 'updated_at'>;

export async function insertReward(
  tx: Queryable,
  clubId: string,
  r: RewardFields,
  at: Date,
): Promise<RewardRow> {
  const { rows } = await tx.query<RewardRow>(
    `insert into rewards (club_id, reward_id, kind, name_fa, name_en, description, cost_points, config, stock,
       limit_per_member, valid_from, valid_to, coupon_valid_days, target_tiers, is_active, batch_id, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
     returning ${REWARD_COLS}`,
    rewardParams(clubId, r, at),
  );
  return rows[0]!;
}

/** $1…$17 of insertReward and updateReward, in the same order. */
function rewardParams(clubId: string, r: RewardFields, at: Date): unknown[] {
  return [
    clubId,
    r.reward_id,
    r.kind,
    r.name_fa,
    r.name_en,
    r.description,
    r.cost_points,
    JSON.stringify(r.config),
    r.stock,
    r.limit_per_member,
    r.valid_from,
    r.valid_to,
    r.coupon_valid_days,
    r.target_tiers,
    r.is_active,
    r.batch_id,
    at,
  ];
}

export async function updateReward(
  tx: Queryable,
  clubId: string,
  r: RewardFields,
  at: Date,
): Promise<RewardRow> {
  const { rows } = await tx.query<RewardRow>(
    `update rewards set kind = $3, name_fa = $4, name_en = $5, description = $6, cost_points = $7, config = $8::jsonb,
       stock = $9, limit_per_member = $10, valid_from = $11, valid_to = $12, coupon_valid_days = $13,
       target_tiers = $14, is_active = $15, batch_id = $16, updated_at = $17
     where club_id = $1 and reward_id = $2 returning ${REWARD_COLS}`,
    rewardParams(clubId, r, at),
  );
  return rows[0]!;
}

export async function findReward(
  db: Queryable,
  clubId: string,
  rewardId: string,
  lock = false,
): Promise<RewardRow | null> {
  const { rows } = await db.query<RewardRow>(
    `select ${REWARD_COLS} from rewards where club_id = $1 and reward_id = $2${lock ? ' for update' : ''}`,
    [clubId, rewardId],
  );
  return rows[0] ?? null;
}

export async function listRewards(db: Queryable, clubId: string, onlyActive: boolean): Promise<RewardRow[]> {
  const { rows } = await db.query<RewardRow>(
    `select ${REWARD_COLS} from rewards where club_id = $1 and ($2::boolean = false or is_active)
     order by cost_points, reward_id limit 500`,
    [clubId, onlyActive],
  );
  return rows;
}

/**
 * Takes one from stock with a conditional update. It also locks the reward row until the
 * transaction ends, so the per-member count read after it cannot race another issue of this reward.
 */
export async function takeStock(tx: Queryable, clubId: string, rewardId: string): Promise<boolean> {
  const r = await tx.query(
    `update rewards set issued = issued + 1
     where club_id = $1 and reward_id = $2 and (stock is null or issued < stock)`,
    [clubId, rewardId],
  );
  return r.rowCount === 1;
}

export async function giveStockBack(tx: Queryable, clubId: string, rewardId: string) {
  await tx.query(
    'update rewards set issued = greatest(0, issued - 1) where club_id = $1 and reward_id = $2',
    [clubId, rewardId],
  );
}

export async function countMemberIssues(
  db: Queryable,
  clubId: string,
  memberId: string,
  rewardIds: string[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ reward_id: string; n: number }>(
    `select reward_id, count(*)::int as n from reward_issues
     where club_id = $1 and member_id = $2 and reward_id = any($3::text[]) and status = 'issued'
     group by reward_id`,
    [clubId, memberId, rewardIds],
  );
  return new Map(rows.map((r) => [r.reward_id, r.n]));
}

export interface IssueRow {
  issue_id: string;
  reward_id: string;
  kind: RewardRow['kind'];
  member_external_id: string;
  points: number;
  redemption_id: string | null;
  coupon_code: string | null;
  coupon_expires_at: Date | null;
  source: string;
  source_id: string | null;
  details: Record<string, unknown>;
  status: 'issued' | 'voided';
  created_at: Date;
}

const ISSUE_SELECT = `select i.issue_id, i.reward_id, r.kind, m.external_id as member_external_id, i.points,
    i.redemption_id, i.coupon_code, c.expires_at as coupon_expires_at, i.source, i.source_id, i.details,
    i.status, i.created_at
  from reward_issues i
  join rewards r on r.club_id = i.club_id and r.reward_id = i.reward_id
  join members m on m.club_id = i.club_id and m.member_id = i.member_id
  left join coupons c on c.club_id = i.club_id and c.code = i.coupon_code`;

export async function insertIssue(
  tx: Queryable,
  clubId: string,
  i: {
    issueId: string;
    rewardId: string;
    memberId: string;
    points: number;
    redemptionId: string | null;
    couponCode: string | null;
    source: string;
    sourceId: string | null;
    details: Record<string, unknown>;
    at: Date;
  },
): Promise<void> {
  await tx.query(
    `insert into reward_issues (club_id, issue_id, reward_id, member_id, points, redemption_id, coupon_code, source,
       source_id, details, status, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, 'issued', $11)`,
    [
      clubId,
      i.issueId,
      i.rewardId,
      i.memberId,
      i.points,
      i.redemptionId,
      i.couponCode,
      i.source,
      i.sourceId,
      JSON.stringify(i.details),
      i.at,
    ],
  );
}

export async function findIssue(db: Queryable, clubId: string, issueId: string): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(`${ISSUE_SELECT} where i.club_id = $1 and i.issue_id = $2`, [
    clubId,
    issueId,
  ]);
  return rows[0] ?? null;
}

export async function findIssueBySource(
  db: Queryable,
  clubId: string,
  source: string,
  sourceId: string,
): Promise<IssueRow | null> {
  const { rows } = await db.query<IssueRow>(
    `${ISSUE_SELECT} where i.club_id = $1 and i.source = $2 and i.source_id = $3 and i.status = 'issued' limit 1`,
    [clubId, source, sourceId],
  );
  return rows[0] ?? null;
}

export async function listMemberIssues(db: Queryable, clubId: string, memberId: string): Promise<IssueRow[]> {
  const { rows } = await db.query<IssueRow>(
    `${ISSUE_SELECT} where i.club_id = $1 and i.member_id = $2 order by i.created_at desc limit 200`,
    [clubId, memberId],
  );
  return rows;
}

export async function voidIssue(tx: Queryable, clubId: string, issueId: string): Promise<void> {
  await tx.query(`update reward_issues set status = 'voided' where club_id = $1 and issue_id = $2`, [
    clubId,
    issueId,
  ]);
}

/** The member's effective tier key (the higher of the qualified tier and a floor set by hand). */
export async function memberTierKey(db: Queryable, clubId: string, memberId: string): Promise<string | null> {
  const { rows } = await db.query<{ tier_key: string }>(
    `select t.tier_key from member_tiers mt
     join tiers t on t.club_id = mt.club_id and t.tier_id in (mt.tier_id, mt.floor_tier_id)
     where mt.club_id = $1 and mt.member_id = $2 order by t.rank desc limit 1`,
    [clubId, memberId],
  );
  return rows[0]?.tier_key ?? null;
}

export async function expireCoupon(tx: Queryable, clubId: string, code: string, at: Date): Promise<void> {
  await tx.query('update coupons set expires_at = $3 where club_id = $1 and code = $2', [clubId, code, at]);
}
