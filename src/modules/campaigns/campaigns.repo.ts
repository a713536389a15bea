import type { Queryable } from '../../db/db.js';
import type { TSegment } from './campaigns.schema.js';

/**
 * Members matching a segment's SQL filters (eligibility is applied by the service). Orders and tiers
 * are core tables, read here and never written. `memberIds` narrows to those members.
 */
export async function findSegmentMembers(
  db: Queryable,
  clubId: string,
  s: TSegment,
  memberIds: string[] | null = null,
): Promise<Array<{ member_id: string; external_id: string }>> {
  const params: unknown[] = [clubId, memberIds];
  const where: string[] = ['m.club_id = $1', '($2::text[] is null or m.member_id = any($2::text[]))'];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (s.cities?.length) where.push(`m.city = any(${p(s.cities)}::text[])`);
  if (s.provinces?.length) where.push(`m.province = any(${p(s.provinces)}::text[])`);
  if (s.lastOrderBefore)
    where.push(`(s.last_order is null or s.last_order < ${p(s.lastOrderBefore)}::timestamptz)`);
  if (s.lastOrderAfter) where.push(`s.last_order > ${p(s.lastOrderAfter)}::timestamptz`);
  if (s.minOrders !== undefined) where.push(`coalesce(s.paid_orders, 0) >= ${p(s.minOrders)}`);
  if (s.maxOrders !== undefined) where.push(`coalesce(s.paid_orders, 0) <= ${p(s.maxOrders)}`);
  if (s.minSpendRials !== undefined) where.push(`coalesce(s.spend, 0) >= ${p(s.minSpendRials)}`);
  if (s.maxSpendRials !== undefined) where.push(`coalesce(s.spend, 0) <= ${p(s.maxSpendRials)}`);
  // Predicted value and churn come from the club's latest finished insights run (read-only).
  const usesInsights =
    (s.rfmSegments?.length ?? 0) > 0 ||
    s.minPAlive !== undefined ||
    s.maxPAlive !== undefined ||
    s.minClvRials !== undefined ||
    s.churnRiskOnly === true;
  if (usesInsights) {
    const conds: string[] = [];
    if (s.rfmSegments?.length) conds.push(`i.segment = any(${p(s.rfmSegments)}::text[])`);
    if (s.minPAlive !== undefined) conds.push(`i.p_alive >= ${p(s.minPAlive)}`);
    if (s.maxPAlive !== undefined) conds.push(`i.p_alive <= ${p(s.maxPAlive)}`);
    if (s.minClvRials !== undefined) conds.push(`i.clv_rials >= ${p(s.minClvRials)}`);
    if (s.churnRiskOnly) conds.push('i.is_churn_risk');
    where.push(`exists (select 1 from member_insights i
        where i.club_id = m.club_id and i.member_id = m.member_id
          and i.run_id = (select r.run_id from insight_runs r
                          where r.club_id = m.club_id and r.status = 'succeeded' and not r.is_purged
                          order by r.as_of desc, r.run_no desc limit 1)
          and ${conds.join(' and ')})`);
  }
  if (s.tiers?.length) {
    where.push(`(select t.tier_key from member_tiers mt
        join tiers t on t.club_id = mt.club_id and t.tier_id in (mt.tier_id, mt.floor_tier_id)
        where mt.club_id = m.club_id and mt.member_id = m.member_id order by t.rank desc limit 1) = any(${p(s.tiers)}::text[])`);
  }
  const { rows } = await db.query<{ member_id: string; external_id: string }>(
    `with s as (
       select member_id,
         count(*) filter (where status in ('paid', 'shipped', 'delivered')) as paid_orders,
         coalesce(sum(total_rials - returned_rials) filter (where status in ('paid', 'shipped', 'delivered')), 0) as spend,
         max(placed_at) filter (where status <> 'cancelled') as last_order
       from orders where club_id = $1 and ($2::text[] is null or member_id = any($2::text[]))
       group by member_id
     )
     select m.member_id, m.external_id from members m left join s on s.member_id = m.member_id
     where ${where.join(' and ')} order by m.member_id`,
    params,
  );
  return rows;
}

export interface CampaignRow {
  campaign_id: string;
  name: string;
  description: string | null;
  status: 'draft' | 'active' | 'paused' | 'ended';
  starts_at: Date;
  ends_at: Date;
  segment: TSegment;
  grant_kind: 'points' | 'coupon' | 'reward' | 'purchase_prize';
  grant_config: Record<string, unknown>;
  budget_points: number | null;
  budget_rials: number | null;
  spent_points: number;
  spent_rials: number;
  grants_count: number;
  cap_per_member_points: number | null;
  cap_per_member_rials: number | null;
  cap_per_member_grants: number | null;
  control_pct: number;
  seed: string;
  exclusivity_key: string | null;
  depth_pct: number;
  coupon_batch_id: string | null;
  guardrail_override_reason: string | null;
  guardrail_override_author: string | null;
  created_at: Date;
  updated_at: Date;
}

export async function insertCampaign(tx: Queryable, clubId: string, c: CampaignRow): Promise<void> {
  await tx.query(
    `insert into campaigns (club_id, campaign_id, name, description, status, starts_at, ends_at, segment, grant_kind,
       grant_config, budget_points, budget_rials, cap_per_member_points, cap_per_member_rials, cap_per_member_grants,
       control_pct, seed, exclusivity_key, depth_pct, coupon_batch_id, guardrail_override_reason,
       guardrail_override_author, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
       $21, $22, $23, $23)`,
    [
      clubId,
      c.campaign_id,
      c.name,
      c.description,
      c.status,
      c.starts_at,
      c.ends_at,
      JSON.stringify(c.segment),
      c.grant_kind,
      JSON.stringify(c.grant_config),
      c.budget_points,
      c.budget_rials,
      c.cap_per_member_points,
      c.cap_per_member_rials,
      c.cap_per_member_grants,
      c.control_pct,
      c.seed,
      c.exclusivity_key,
      c.depth_pct,
      c.coupon_batch_id,
      c.guardrail_override_reason,
      c.guardrail_override_author,
      c.created_at,
    ],
  );
}

export async function findCampaign(db: Queryable, clubId: string, id: string): Promise<CampaignRow | null> {
  const { rows } = await db.query<CampaignRow>(
    'select * from campaigns where club_id = $1 and campaign_id = $2',
    [clubId, id],
  );
  return rows[0] ?? null;
}

export async function listCampaigns(db: Queryable, clubId: string): Promise<CampaignRow[]> {
  const { rows } = await db.query<CampaignRow>(
    'select * from campaigns where club_id = $1 order by created_at desc limit 200',
    [clubId],
  );
  return rows;
}

export async function overlapping(
  db: Queryable,
  clubId: string,
  key: string,
  startsAt: Date,
  endsAt: Date,
  exceptId: string | null,
): Promise<string | null> {
  const { rows } = await db.query<{ campaign_id: string }>(
    `select campaign_id from campaigns where club_id = $1 and exclusivity_key = $2 and status <> 'ended'
       and starts_at < $4 and ends_at > $3 and ($5::text is null or campaign_id <> $5) limit 1`,
    [clubId, key, startsAt, endsAt, exceptId],
  );
  return rows[0]?.campaign_id ?? null;
}

export async function setStatus(db: Queryable, clubId: string, id: string, status: string, at: Date) {
  await db.query(
    'update campaigns set status = $3, updated_at = $4 where club_id = $1 and campaign_id = $2',
    [clubId, id, status, at],
  );
}

export async function insertMembers(
  tx: Queryable,
  clubId: string,
  campaignId: string,
  members: Array<{ memberId: string; group: 'treated' | 'control' }>,
  at: Date,
): Promise<void> {
  for (let i = 0; i < members.length; i += 5000) {
    const slice = members.slice(i, i + 5000);
    await tx.query(
      `insert into campaign_members (club_id, campaign_id, member_id, grp, assigned_at)
       select $1, $2, m.id, m.grp, $3 from unnest($4::text[], $5::text[]) as m(id, grp) on conflict do nothing`,
      [clubId, campaignId, at, slice.map((m) => m.memberId), slice.map((m) => m.group)],
    );
  }
}

export async function memberGroup(
  db: Queryable,
  clubId: string,
  campaignId: string,
  memberId: string,
): Promise<'treated' | 'control' | null> {
  const { rows } = await db.query<{ grp: 'treated' | 'control' }>(
    'select grp from campaign_members where club_id = $1 and campaign_id = $2 and member_id = $3',
    [clubId, campaignId, memberId],
  );
  return rows[0]?.grp ?? null;
}

export async function groupCounts(db: Queryable, clubId: string, campaignId: string) {
  const { rows } = await db.query<{ grp: string; n: number }>(
    'select grp, count(*)::int as n from campaign_members where club_id = $1 and campaign_id = $2 group by grp',
    [clubId, campaignId],
  );
  const get = (g: string) => rows.find((r) => r.grp === g)?.n ?? 0;
  return { treated: get('treated'), control: get('control') };
}

export async function treatedWithoutGrant(
  db: Queryable,
  clubId: string,
  campaignId: string,
  limit: number,
): Promise<Array<{ member_id: string; external_id: string }>> {
  const { rows } = await db.query<{ member_id: string; external_id: string }>(
    `select cm.member_id, m.external_id from campaign_members cm
     join members m on m.club_id = cm.club_id and m.member_id = cm.member_id
     where cm.club_id = $1 and cm.campaign_id = $2 and cm.grp = 'treated'
       and not exists (select 1 from campaign_grants g where g.club_id = cm.club_id and g.campaign_id = cm.campaign_id
                       and g.member_id = cm.member_id and g.reference = 'once' and g.status <> 'failed')
     order by cm.member_id limit $3`,
    [clubId, campaignId, limit],
  );
  return rows;
}

export interface GrantRow {
  grant_id: string;
  member_id: string;
  reference: string;
  points: number;
  rials: number;
  coupon_code: string | null;
  issue_id: string | null;
  status: 'pending' | 'granted' | 'failed';
  details: Record<string, unknown>;
}

export async function findGrant(
  db: Queryable,
  clubId: string,
  campaignId: string,
  memberId: string,
  reference: string,
): Promise<GrantRow | null> {
  const { rows } = await db.query<GrantRow>(
    `select grant_id, member_id, reference, points, rials, coupon_code, issue_id, status, details from campaign_grants
     where club_id = $1 and campaign_id = $2 and member_id = $3 and reference = $4`,
    [clubId, campaignId, memberId, reference],
  );
  return rows[0] ?? null;
}

/**
 * Takes a grant out of the budget: the member's caps and then the campaign's totals, each by one
 * conditional update. Concurrent grants serialise on those rows; the one that would overspend finds
 * its condition false and gets nothing. Returns the refusal, or null when the budget was taken.
 */
export async function takeBudget(
  tx: Queryable,
  clubId: string,
  c: CampaignRow,
  memberId: string,
  points: number,
  rials: number,
): Promise<'member_cap' | 'budget' | null> {
  await tx.query(
    `insert into campaign_usage (club_id, campaign_id, member_id) values ($1, $2, $3) on conflict do nothing`,
    [clubId, c.campaign_id, memberId],
  );
  const member = await tx.query(
    `update campaign_usage set points = points + $4, rials = rials + $5, grants = grants + 1
     where club_id = $1 and campaign_id = $2 and member_id = $3
       and ($6::bigint is null or points + $4 <= $6) and ($7::bigint is null or rials + $5 <= $7)
       and ($8::int is null or grants + 1 <= $8)`,
    [
      clubId,
      c.campaign_id,
      memberId,
      points,
      rials,
      c.cap_per_member_points,
      c.cap_per_member_rials,
      c.cap_per_member_grants,
    ],
  );
  if (member.rowCount !== 1) return 'member_cap';
  const total = await tx.query(
    `update campaigns set spent_points = spent_points + $3, spent_rials = spent_rials + $4, grants_count = grants_count + 1
     where club_id = $1 and campaign_id = $2
       and (budget_points is null or spent_points + $3 <= budget_points)
       and (budget_rials is null or spent_rials + $4 <= budget_rials)`,
    [clubId, c.campaign_id, points, rials],
  );
  return total.rowCount === 1 ? null : 'budget';
}

export async function giveBudgetBack(
  tx: Queryable,
  clubId: string,
  campaignId: string,
  memberId: string,
  points: number,
  rials: number,
): Promise<void> {
  await tx.query(
    `update campaign_usage set points = points - $4, rials = rials - $5, grants = grants - 1
     where club_id = $1 and campaign_id = $2 and member_id = $3`,
    [clubId, campaignId, memberId, points, rials],
  );
  await tx.query(
    `update campaigns set spent_points = spent_points - $3, spent_rials = spent_rials - $4, grants_count = grants_count - 1
     where club_id = $1 and campaign_id = $2`,
    [clubId, campaignId, points, rials],
  );
}

export async function insertGrant(
  tx: Queryable,
  clubId: string,
  campaignId: string,
  g: {
    grantId: string;
    memberId: string;
    reference: string;
    points: number;
    rials: number;
    details: Record<string, unknown>;
  },
  at: Date,
): Promise<void> {
  await tx.query(
    `insert into campaign_grants (club_id, campaign_id, grant_id, member_id, reference, points, rials, status, details,
       created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, 'pending', $8::jsonb, $9, $9)
     on conflict (club_id, campaign_id, member_id, reference) do update
       set status = 'pending', points = $6, rials = $7, details = $8::jsonb, updated_at = $9, grant_id = $3
       where campaign_grants.status = 'failed'`,
    [
      clubId,
      campaignId,
      g.grantId,
      g.memberId,
      g.reference,
      g.points,
      g.rials,
      JSON.stringify(g.details),
      at,
    ],
  );
}

export async function finishGrant(
  db: Queryable,
  clubId: string,
  campaignId: string,
  grantId: string,
  status: 'granted' | 'failed',
  extra: { couponCode?: string | null; issueId?: string | null },
  at: Date,
): Promise<void> {
  await db.query(
    `update campaign_grants set status = $4, coupon_code = coalesce($5, coupon_code), issue_id = coalesce($6, issue_id),
       updated_at = $7 where club_id = $1 and campaign_id = $2 and grant_id = $3`,
    [clubId, campaignId, grantId, status, extra.couponCode ?? null, extra.issueId ?? null, at],
  );
}

/** Per member of the campaign: orders and net revenue placed in [from, to). */
export async function memberOutcomes(
  db: Queryable,
  clubId: string,
  campaignId: string,
  from: Date,
  to: Date,
): Promise<Array<{ grp: 'treated' | 'control'; orders: number; revenue: number }>> {
  const { rows } = await db.query<{ grp: 'treated' | 'control'; orders: number; revenue: number }>(
    `select cm.grp, count(o.order_id)::int as orders, coalesce(sum(o.total_rials - o.returned_rials), 0)::bigint as revenue
     from campaign_members cm
     left join orders o on o.club_id = cm.club_id and o.member_id = cm.member_id and o.status <> 'cancelled'
       and o.placed_at >= $3 and o.placed_at < $4
     where cm.club_id = $1 and cm.campaign_id = $2
     group by cm.member_id, cm.grp`,
    [clubId, campaignId, from, to],
  );
  return rows;
}
