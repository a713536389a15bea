import type { Queryable } from '../../db/db.js';
import { entriesByTransferPrefix } from '../points/index.js';

/**
 * The auditor's check of campaign spend (`vafa audit`). A campaign's `spent_points`, `spent_rials` and
 * `grants_count` move by conditional updates as grants take the budget (and back when a grant fails);
 * each grant is a row in `campaign_grants`, and a points grant is also one ledger entry with the transfer
 * id `adjust:campaign:<campaign>:<member>:<reference>`. Recomputed here:
 *
 * - `spent_points`, `spent_rials`, `grants_count`: the campaign's counters against the sum of its
 *   pending and granted grants (a failed grant gave its budget back);
 * - `over_budget`: the recorded or the recomputed spend above the budget;
 * - `member_usage`: each member's `campaign_usage` (what the per-member caps read) against their grants;
 * - `ledger`: each granted points grant against its ledger entry (the same points, exactly once), no
 *   entry for a failed grant, and no campaign entry without a grant. A pending grant (a crash between
 *   the ledger entry and marking it granted; the next request for it finishes it) may have its entry or
 *   not, and is counted;
 * - `grant_without_issue`: a granted coupon or reward grant with no coupon code or issued reward.
 */
export type TCampaignDifferenceKind =
  | 'spent_points'
  | 'spent_rials'
  | 'grants_count'
  | 'over_budget'
  | 'member_usage'
  | 'ledger'
  | 'grant_without_issue';

export interface CampaignDifference {
  kind: TCampaignDifferenceKind;
  campaignId: string;
  name: string;
  memberId: string | null;
  recorded: number | null;
  recomputed: number | null;
  detail: string;
}

export interface CampaignAuditReport {
  campaigns: number;
  grants: number;
  /** Grants whose budget is taken and whose giving has not been confirmed yet. */
  pendingGrants: number;
  /** Points given through the ledger by all campaigns, and the rials at face value of their grants. */
  ledgerPoints: number;
  differences: CampaignDifference[];
}

interface CampaignRow {
  campaign_id: string;
  name: string;
  grant_kind: 'points' | 'coupon' | 'reward' | 'purchase_prize';
  budget_points: number | null;
  budget_rials: number | null;
  spent_points: number;
  spent_rials: number;
  grants_count: number;
}

interface GrantRow {
  campaign_id: string;
  member_id: string;
  reference: string;
  points: number;
  rials: number;
  status: 'pending' | 'granted' | 'failed';
  coupon_code: string | null;
  issue_id: string | null;
}

/** Recomputes every campaign's spend of one club from its grants and the ledger. */
export async function auditCampaignSpend(db: Queryable, clubId: string): Promise<CampaignAuditReport> {
  const { rows: campaigns } = await db.query<CampaignRow>(
    `select campaign_id, name, grant_kind, budget_points, budget_rials, spent_points, spent_rials, grants_count
     from campaigns where club_id = $1 order by campaign_id`,
    [clubId],
  );
  const { rows: grants } = await db.query<GrantRow>(
    `select campaign_id, member_id, reference, points, rials, status, coupon_code, issue_id
     from campaign_grants where club_id = $1 order by campaign_id, member_id, reference`,
    [clubId],
  );
  const { rows: usage } = await db.query<{
    campaign_id: string;
    member_id: string;
    points: number;
    rials: number;
    grants: number;
  }>('select campaign_id, member_id, points, rials, grants from campaign_usage where club_id = $1', [clubId]);
  const ledger = new Map<string, { amount: number; reason: string; toMember: boolean; n: number }>();
  for (const e of await entriesByTransferPrefix(db, clubId, 'adjust:campaign:')) {
    const seen = ledger.get(e.transfer_id);
    ledger.set(e.transfer_id, {
      amount: (seen?.amount ?? 0) + e.amount,
      reason: e.reason,
      toMember: e.credit_account.startsWith('mem:'),
      n: (seen?.n ?? 0) + 1,
    });
  }

  const report: CampaignAuditReport = {
    campaigns: campaigns.length,
    grants: grants.length,
    pendingGrants: 0,
    ledgerPoints: 0,
    differences: [],
  };
  const grantsOf = new Map<string, GrantRow[]>();
  for (const g of grants) grantsOf.set(g.campaign_id, [...(grantsOf.get(g.campaign_id) ?? []), g]);
  const usageOf = new Map<string, typeof usage>();
  for (const u of usage) usageOf.set(u.campaign_id, [...(usageOf.get(u.campaign_id) ?? []), u]);
  const claimed = new Set<string>();

  for (const c of campaigns) {
    const differ = (
      kind: TCampaignDifferenceKind,
      recorded: number | null,
      recomputed: number | null,
      detail: string,
      memberId: string | null = null,
    ) =>
      report.differences.push({
        kind,
        campaignId: c.campaign_id,
        name: c.name,
        memberId,
        recorded,
        recomputed,
        detail,
      });
    const held = (grantsOf.get(c.campaign_id) ?? []).filter((g) => g.status !== 'failed');
    const sum = (f: (g: GrantRow) => number) => held.reduce((s, g) => s + f(g), 0);
    const points = sum((g) => g.points);
    const rials = sum((g) => g.rials);
    if (c.spent_points !== points)
      differ('spent_points', c.spent_points, points, 'recorded points spent differ from the grants');
    if (c.spent_rials !== rials)
      differ('spent_rials', c.spent_rials, rials, 'recorded rials spent differ from the grants');
    if (c.grants_count !== held.length)
      differ('grants_count', c.grants_count, held.length, 'recorded grant count differs from the grants');
    if (c.budget_points !== null && Math.max(points, c.spent_points) > c.budget_points)
      differ(
        'over_budget',
        c.budget_points,
        Math.max(points, c.spent_points),
        'points spent exceed the budget',
      );
    if (c.budget_rials !== null && Math.max(rials, c.spent_rials) > c.budget_rials)
      differ('over_budget', c.budget_rials, Math.max(rials, c.spent_rials), 'rials spent exceed the budget');

    // Per member, what the caps read.
    const perMember = new Map<string, { points: number; rials: number; grants: number }>();
    for (const g of held) {
      const m = perMember.get(g.member_id) ?? { points: 0, rials: 0, grants: 0 };
      perMember.set(g.member_id, {
        points: m.points + g.points,
        rials: m.rials + g.rials,
        grants: m.grants + 1,
      });
    }
    const usedBy = new Map((usageOf.get(c.campaign_id) ?? []).map((u) => [u.member_id, u]));
    for (const memberId of new Set([...perMember.keys(), ...usedBy.keys()])) {
      const want = perMember.get(memberId) ?? { points: 0, rials: 0, grants: 0 };
      const got = usedBy.get(memberId) ?? { points: 0, rials: 0, grants: 0 };
      if (got.points !== want.points || got.rials !== want.rials || got.grants !== want.grants)
        differ(
          'member_usage',
          got.grants,
          want.grants,
          `usage ${got.points} points, ${got.rials} rials, ${got.grants} grants; ` +
            `grants ${want.points} points, ${want.rials} rials, ${want.grants} grants`,
          memberId,
        );
    }

    for (const g of grantsOf.get(c.campaign_id) ?? []) {
      if (g.status === 'pending') report.pendingGrants++;
      if (c.grant_kind !== 'points') {
        if (
          g.status === 'granted' &&
          (c.grant_kind === 'coupon' || c.grant_kind === 'reward') &&
          g.coupon_code === null &&
          g.issue_id === null
        )
          differ(
            'grant_without_issue',
            null,
            null,
            `grant ${g.reference} has no coupon or reward issue`,
            g.member_id,
          );
        continue;
      }
      const transferId = `adjust:campaign:${c.campaign_id}:${g.member_id}:${g.reference}`;
      claimed.add(transferId);
      const e = ledger.get(transferId);
      const given = e?.toMember && e.reason === 'adjust_manual' ? e.amount : 0;
      report.ledgerPoints += given;
      if (g.status === 'granted' && (given !== g.points || e?.n !== 1))
        differ(
          'ledger',
          g.points,
          given,
          `granted ${g.points} points; the ledger gave ${given}`,
          g.member_id,
        );
      else if (g.status === 'failed' && e)
        differ('ledger', 0, given, 'a failed grant has a ledger entry', g.member_id);
      else if (g.status === 'pending' && e && given !== g.points)
        differ(
          'ledger',
          g.points,
          given,
          `pending grant of ${g.points} points; the ledger gave ${given}`,
          g.member_id,
        );
    }
  }
  const known = new Set(campaigns.map((c) => c.campaign_id));
  for (const [transferId, e] of ledger) {
    if (claimed.has(transferId)) continue;
    // adjust:campaign:<campaign>:<member>:<reference>; ids carry no ':'.
    const campaignId = transferId.split(':')[2] ?? '';
    report.differences.push({
      kind: 'ledger',
      campaignId,
      name: known.has(campaignId) ? (campaigns.find((c) => c.campaign_id === campaignId)?.name ?? '') : '',
      memberId: transferId.split(':')[3] ?? null,
      recorded: 0,
      recomputed: e.amount,
      detail: `ledger entry ${transferId} has no grant`,
    });
  }
  return report;
}
