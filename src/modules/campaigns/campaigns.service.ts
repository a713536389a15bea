import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { enqueueEvents } from '../outbox/index.js';
import {
  type Cart,
  depthPct,
  type Offer,
  purchasePrizeDepthPct,
  type RewardsService,
} from '../rewards/index.js';
import * as repo from './campaigns.repo.js';
import type {
  TCampaign,
  TCampaignReport,
  TCreateCampaign,
  TGrantResult,
  TSegment,
} from './campaigns.schema.js';
import { summarize, welch } from './stats.js';

const DAY_MS = 86_400_000;
const RUN_BATCH = 500;

/** Discount-eligibility scores per member (the referrals module computes them). */
export type EligibilityScorer = (
  clubId: string,
  memberIds: string[],
) => Promise<Map<string, { score: number; eligible: boolean }>>;

/**
 * The hold-out is a pure function of the campaign seed and the member id: anyone holding the seed can
 * recompute who was in the control group, and re-running the split never moves a member.
 */
export function isControl(seed: string, memberId: string, controlPct: number): boolean {
  if (controlPct <= 0) return false;
  const h = createHash('sha256').update(`${seed}:${memberId}`).digest();
  return (h.readUInt32BE(0) / 2 ** 32) * 100 < controlPct;
}

export class CampaignsService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly rewards: RewardsService,
    private readonly scorer: EligibilityScorer,
    private readonly clock: () => Date,
  ) {}

  /** Members matching a segment, eligibility included. */
  async segmentMembers(
    clubId: string,
    segment: TSegment,
    memberIds: string[] | null = null,
  ): Promise<Array<{ member_id: string; external_id: string }>> {
    let rows = await repo.findSegmentMembers(this.db, clubId, segment, memberIds);
    if (segment.eligibleOnly || segment.minEligibilityScore !== undefined) {
      const scores = await this.scorer(
        clubId,
        rows.map((r) => r.member_id),
      );
      rows = rows.filter((r) => {
        const s = scores.get(r.member_id);
        if (!s) return false;
        if (segment.eligibleOnly && !s.eligible) return false;
        return segment.minEligibilityScore === undefined || s.score >= segment.minEligibilityScore;
      });
    }
    return rows;
  }

  async previewSegment(clubId: string, segment: TSegment) {
    const rows = await this.segmentMembers(clubId, segment);
    return { members: rows.length, sample: rows.slice(0, 20).map((r) => r.external_id) };
  }

  async createCampaign(clubId: string, input: TCreateCampaign, author: string | null): Promise<TCampaign> {
    const startsAt = new Date(input.startsAt);
    const endsAt = new Date(input.endsAt);
    const g = input.grant;
    let depth = 0;
    if (g.kind === 'coupon') depth = depthPct(couponOffer(g.coupon));
    if (g.kind === 'purchase_prize') depth = purchasePrizeDepthPct(g.buyQuantity, g.freeQuantity);
    if (g.kind === 'reward') await this.rewards.getReward(clubId, g.rewardId);
    await this.rewards.checkGuardrail(clubId, depth, input.guardrailOverride, 'grant');
    if (input.exclusivityKey) {
      const other = await repo.overlapping(this.db, clubId, input.exclusivityKey, startsAt, endsAt, null);
      if (other) {
        throw new AppError(
          'campaign_window_overlap',
          `startsAt: campaign ${other} with exclusivityKey '${input.exclusivityKey}' overlaps this window.`,
          {
            errors: [{ field: 'startsAt', in: 'body', message: `overlaps campaign ${other}` }],
            campaignId: other,
          },
        );
      }
    }
    const now = this.clock();
    const campaignId = newId('cmp');
    await this.db.transaction(async (tx) => {
      let batchId: string | null = null;
      if (g.kind === 'coupon') {
        const b = await this.rewards.createBatch(
          clubId,
          {
            name: `campaign: ${input.name}`,
            ...g.coupon,
            prefix: 'C',
            usesPerCode: 1,
            guardrailOverride: input.guardrailOverride,
          },
          author,
          'campaign',
          tx,
        );
        batchId = b.id;
      }
      await repo.insertCampaign(tx, clubId, {
        campaign_id: campaignId,
        name: input.name,
        description: input.description ?? null,
        status: 'draft',
        starts_at: startsAt,
        ends_at: endsAt,
        segment: input.segment,
        grant_kind: g.kind,
        grant_config: g as unknown as Record<string, unknown>,
        budget_points: input.budgetPoints ?? null,
        budget_rials: input.budgetRials ?? null,
        spent_points: 0,
        spent_rials: 0,
        grants_count: 0,
        cap_per_member_points: input.capPerMemberPoints ?? null,
        cap_per_member_rials: input.capPerMemberRials ?? null,
        cap_per_member_grants: input.capPerMemberGrants,
        control_pct: input.controlSharePct,
        seed: input.seed ?? randomBytes(16).toString('hex'),
        exclusivity_key: input.exclusivityKey ?? null,
        depth_pct: Math.round(depth * 100) / 100,
        coupon_batch_id: batchId,
        guardrail_override_reason: input.guardrailOverride?.reason ?? null,
        guardrail_override_author: input.guardrailOverride ? author : null,
        created_at: now,
        updated_at: now,
      });
    });
    return this.getCampaign(clubId, campaignId);
  }

  async getCampaign(clubId: string, campaignId: string): Promise<TCampaign> {
    const row = await repo.findCampaign(this.db, clubId, campaignId);
    if (!row) throw notFound('Campaign', campaignId);
    return toCampaign(row, await repo.groupCounts(this.db, clubId, campaignId));
  }

  async listCampaigns(clubId: string): Promise<TCampaign[]> {
    const rows = await repo.listCampaigns(this.db, clubId);
    const out: TCampaign[] = [];
    for (const r of rows) out.push(toCampaign(r, await repo.groupCounts(this.db, clubId, r.campaign_id)));
    return out;
  }

  /** Starts the campaign: the target is snapshotted and split into treated and control by the seed. */
  async activate(clubId: string, campaignId: string): Promise<TCampaign> {
    const c = await repo.findCampaign(this.db, clubId, campaignId);
    if (!c) throw notFound('Campaign', campaignId);
    if (c.status === 'ended') throw notActive(c, 'it has ended');
    if (c.exclusivity_key) {
      const other = await repo.overlapping(
        this.db,
        clubId,
        c.exclusivity_key,
        c.starts_at,
        c.ends_at,
        c.campaign_id,
      );
      if (other) {
        throw new AppError('campaign_window_overlap', `Campaign ${other} overlaps this window.`, {
          campaignId: other,
        });
      }
    }
    const target = c.status === 'draft' ? await this.segmentMembers(clubId, c.segment) : [];
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      await repo.insertMembers(
        tx,
        clubId,
        campaignId,
        target.map((m) => ({
          memberId: m.member_id,
          group: isControl(c.seed, m.member_id, Number(c.control_pct)) ? 'control' : 'treated',
        })),
        now,
      );
      await repo.setStatus(tx, clubId, campaignId, 'active', now);
    });
    return this.getCampaign(clubId, campaignId);
  }

  async setStatus(clubId: string, campaignId: string, status: 'paused' | 'ended'): Promise<TCampaign> {
    const c = await repo.findCampaign(this.db, clubId, campaignId);
    if (!c) throw notFound('Campaign', campaignId);
    if (c.status === 'ended') throw notActive(c, 'it has ended');
    await repo.setStatus(this.db, clubId, campaignId, status, this.clock());
    return this.getCampaign(clubId, campaignId);
  }

  private assertRunning(c: repo.CampaignRow): void {
    const now = this.clock();
    if (c.status !== 'active') throw notActive(c, `it is ${c.status}`);
    if (now < c.starts_at) throw notActive(c, 'its window has not started');
    if (now >= c.ends_at) throw notActive(c, 'its window has ended');
  }

  /** The member's group, adding a member who qualifies after the start (by the same seeded split). */
  private async groupOf(
    c: repo.CampaignRow,
    clubId: string,
    memberId: string,
  ): Promise<'treated' | 'control' | null> {
    const known = await repo.memberGroup(this.db, clubId, c.campaign_id, memberId);
    if (known) return known;
    const match = await this.segmentMembers(clubId, c.segment, [memberId]);
    if (match.length === 0) return null;
    const group = isControl(c.seed, memberId, Number(c.control_pct)) ? 'control' : 'treated';
    await this.db.transaction((tx) =>
      repo.insertMembers(tx, clubId, c.campaign_id, [{ memberId, group }], this.clock()),
    );
    return (await repo.memberGroup(this.db, clubId, c.campaign_id, memberId)) ?? group;
  }

  /** What one grant costs the budget: points, and rials at face value. */
  private async grantCost(clubId: string, c: repo.CampaignRow): Promise<{ points: number; rials: number }> {
    const g = c.grant_config;
    if (c.grant_kind === 'points') return { points: g.points as number, rials: 0 };
    if (c.grant_kind === 'coupon') {
      const o = g.coupon as Record<string, number | undefined>;
      return { points: 0, rials: o.amountRials ?? o.maxDiscountRials ?? o.giftValueRials ?? 0 };
    }
    if (c.grant_kind === 'reward') {
      const r = await this.rewards.getReward(clubId, g.rewardId as string);
      const cfg = r.config as Record<string, number | undefined>;
      return {
        points: 0,
        rials: cfg.amountRials ?? cfg.maxDiscountRials ?? cfg.giftValueRials ?? cfg.donationRials ?? 0,
      };
    }
    return { points: 0, rials: 0 };
  }

  /**
   * Grants the campaign's offer to one member, as steps with their undo:
   *   1. take the budget (caps and totals, conditional updates) and record the grant as pending
   *   2. give it: points through the ledger's adjust (idempotent by campaign, member and reference),
   *      a member-bound coupon, or a catalog reward
   *   3. mark it granted — or, when step 2 failed, give the budget back and mark it failed.
   * A pending grant left by a crash is finished by the next request for it (step 2 is idempotent).
   */
  async grant(
    clubId: string,
    campaignId: string,
    memberExternalId: string,
    reference: string,
    author: string | null,
    opts: { cost?: { points: number; rials: number }; details?: Record<string, unknown> } = {},
  ): Promise<TGrantResult> {
    const c = await repo.findCampaign(this.db, clubId, campaignId);
    if (!c) throw notFound('Campaign', campaignId);
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    const nothing = (reason: TGrantResult['reason'], group: TGrantResult['group']): TGrantResult => ({
      granted: false,
      reason,
      memberExternalId,
      group,
      points: 0,
      rials: 0,
      couponCode: null,
      rewardIssueId: null,
      freeQuantity: null,
    });
    const prior = await repo.findGrant(this.db, clubId, campaignId, memberId, reference);
    if (prior?.status === 'granted')
      return { ...this.result(prior, memberExternalId), reason: 'already_granted' };
    this.assertRunning(c);
    const group = await this.groupOf(c, clubId, memberId);
    if (group === null) return nothing('not_in_segment', null);
    if (group === 'control') return nothing('control_group', 'control');
    const cost = opts.cost ?? (await this.grantCost(clubId, c));
    let grantId = prior?.status === 'pending' ? prior.grant_id : newId('cgr');
    if (prior?.status !== 'pending') {
      grantId = newId('cgr');
      await this.db.transaction(async (tx) => {
        const refused = await repo.takeBudget(tx, clubId, c, memberId, cost.points, cost.rials);
        if (refused) {
          throw new AppError(
            'campaign_budget_spent',
            refused === 'budget'
              ? `Campaign ${campaignId} has spent its budget; nothing was granted.`
              : `The member reached this campaign's per-member cap; nothing was granted.`,
            { reason: refused === 'budget' ? 'budget' : 'member_cap' },
          );
        }
        await repo.insertGrant(
          tx,
          clubId,
          campaignId,
          {
            grantId,
            memberId,
            reference,
            points: cost.points,
            rials: cost.rials,
            details: opts.details ?? {},
          },
          this.clock(),
        );
      });
    }
    let couponCode: string | null = null;
    let issueId: string | null = null;
    try {
      if (c.grant_kind === 'points') {
        await this.services.points.adjust(
          clubId,
          memberExternalId,
          { points: cost.points, reason: `کمپین: ${c.name}` },
          `campaign:${campaignId}:${memberId}:${reference}`,
          author,
        );
      } else if (c.grant_kind === 'coupon') {
        const existing = await repo.findGrant(this.db, clubId, campaignId, memberId, reference);
        couponCode = existing?.coupon_code ?? null;
        if (!couponCode) {
          const validDays = ((c.grant_config.coupon as { validDays?: number }).validDays ?? 14) * DAY_MS;
          const expiresAt = new Date(
            Math.min(this.clock().getTime() + validDays, c.ends_at.getTime() + validDays),
          );
          couponCode = await this.db.transaction(async (tx) => {
            const batch = { batch_id: c.coupon_batch_id!, prefix: 'C', uses_per_code: 1 };
            const code = await this.rewards.issueCoupon(tx, clubId, batch, memberId, expiresAt);
            await repo.finishGrant(
              tx,
              clubId,
              campaignId,
              grantId,
              'granted',
              { couponCode: code },
              this.clock(),
            );
            return code;
          });
        }
      } else if (c.grant_kind === 'reward') {
        const issue = await this.rewards.grantReward(clubId, memberId, c.grant_config.rewardId as string, {
          source: 'campaign',
          sourceId: `${campaignId}:${memberId}:${reference}`,
        });
        issueId = issue.id;
        couponCode = issue.couponCode;
      }
    } catch (err) {
      await this.db.transaction(async (tx) => {
        await repo.finishGrant(tx, clubId, campaignId, grantId, 'failed', {}, this.clock());
        await repo.giveBudgetBack(tx, clubId, campaignId, memberId, cost.points, cost.rials);
      });
      throw err;
    }
    await this.db.transaction(async (tx) => {
      await repo.finishGrant(
        tx,
        clubId,
        campaignId,
        grantId,
        'granted',
        { couponCode, issueId },
        this.clock(),
      );
      await enqueueEvents(tx, clubId, [
        {
          type: 'campaign.granted',
          payload: { campaignId, memberId, points: cost.points, rials: cost.rials, couponCode, reference },
        },
      ]);
    });
    const done = await repo.findGrant(this.db, clubId, campaignId, memberId, reference);
    return this.result(done!, memberExternalId);
  }

  private result(g: repo.GrantRow, memberExternalId: string): TGrantResult {
    return {
      granted: true,
      reason: null,
      memberExternalId,
      group: 'treated',
      points: g.points,
      rials: g.rials,
      couponCode: g.coupon_code,
      rewardIssueId: g.issue_id,
      freeQuantity: typeof g.details.freeQuantity === 'number' ? g.details.freeQuantity : null,
    };
  }

  /** Grants to every treated member not yet granted, until the budget is spent. */
  async run(clubId: string, campaignId: string, author: string | null) {
    const c = await repo.findCampaign(this.db, clubId, campaignId);
    if (!c) throw notFound('Campaign', campaignId);
    this.assertRunning(c);
    if (c.grant_kind === 'purchase_prize') {
      throw new AppError('validation_failed', 'grant: a purchase prize is claimed per order, not run', {
        errors: [{ field: 'grant', in: 'body', message: 'purchase prizes are claimed at checkout' }],
      });
    }
    let granted = 0;
    let alreadyGranted = 0;
    let stoppedByBudget = false;
    for (;;) {
      const batch = await repo.treatedWithoutGrant(this.db, clubId, campaignId, RUN_BATCH);
      let progressed = 0;
      for (const m of batch) {
        try {
          const r = await this.grant(clubId, campaignId, m.external_id, 'once', author);
          if (r.granted && r.reason === null) granted++;
          else if (r.reason === 'already_granted') alreadyGranted++;
          progressed++;
        } catch (err) {
          if (err instanceof AppError && err.code === 'campaign_budget_spent') {
            if ((err.details as { reason?: string }).reason === 'budget') {
              stoppedByBudget = true;
              break;
            }
            continue;
          }
          throw err;
        }
      }
      if (stoppedByBudget || batch.length < RUN_BATCH || progressed === 0) break;
    }
    const counts = await repo.groupCounts(this.db, clubId, campaignId);
    return { granted, control: counts.control, alreadyGranted, stoppedByBudget };
  }

  /**
   * A purchase prize: "buy N of the item, get M free" for this order's cart. The free items count
   * against the per-member cap (cap per member in grants = free items) and the rials budget at the
   * item's price in the cart. One claim per order.
   */
  async claimPurchasePrize(
    clubId: string,
    campaignId: string,
    input: { memberExternalId: string; orderExternalId: string; cart: Cart },
    author: string | null,
  ): Promise<TGrantResult> {
    const c = await repo.findCampaign(this.db, clubId, campaignId);
    if (!c) throw notFound('Campaign', campaignId);
    if (c.grant_kind !== 'purchase_prize') {
      throw new AppError('validation_failed', 'campaignId: this campaign is not a purchase prize', {
        errors: [{ field: 'campaignId', in: 'path', message: 'not a purchase prize campaign' }],
      });
    }
    const g = c.grant_config as { sku: string; buyQuantity: number; freeQuantity: number };
    const lines = input.cart.lines.filter((l) => l.sku === g.sku);
    const qty = lines.reduce((s, l) => s + l.quantity, 0);
    const unit = lines[0]?.unitPriceRials ?? 0;
    const free = Math.floor(qty / g.buyQuantity) * g.freeQuantity;
    if (free === 0) {
      throw new AppError('validation_failed', `cart.lines: buy at least ${g.buyQuantity} of ${g.sku}`, {
        errors: [{ field: 'cart.lines', in: 'body', message: `buy at least ${g.buyQuantity} of ${g.sku}` }],
      });
    }
    return this.grant(clubId, campaignId, input.memberExternalId, `order:${input.orderExternalId}`, author, {
      cost: { points: 0, rials: free * unit },
      details: { freeQuantity: free, sku: g.sku },
    });
  }

  /**
   * Treated against control over the window and after it: orders, revenue and margin per member, the
   * uplift of mean revenue per member with a Welch 95% interval, the cost, and the return on it.
   */
  async report(
    clubId: string,
    campaignId: string,
    afterDays: number,
    marginPct: number,
  ): Promise<TCampaignReport> {
    const c = await repo.findCampaign(this.db, clubId, campaignId);
    if (!c) throw notFound('Campaign', campaignId);
    const settings = await this.services.clubs.getSettings(clubId);
    const now = this.clock();
    const windowEnd = new Date(Math.min(now.getTime(), c.ends_at.getTime()));
    const afterEnd = new Date(Math.min(now.getTime(), c.ends_at.getTime() + afterDays * DAY_MS));
    const period = async (from: Date, to: Date) => {
      const rows = to > from ? await repo.memberOutcomes(this.db, clubId, campaignId, from, to) : [];
      const by = (grp: string) => rows.filter((r) => r.grp === grp);
      const stats = (rs: typeof rows) => {
        const n = rs.length;
        const revenue = rs.reduce((s, r) => s + Number(r.revenue), 0);
        return {
          members: n,
          ordersPerMember: n ? rs.reduce((s, r) => s + r.orders, 0) / n : 0,
          revenuePerMemberRials: n ? revenue / n : 0,
          marginPerMemberRials: n ? (revenue * marginPct) / 100 / n : 0,
        };
      };
      const t = by('treated');
      const k = by('control');
      const w = welch(summarize(t.map((r) => Number(r.revenue))), summarize(k.map((r) => Number(r.revenue))));
      return {
        from: from.toISOString(),
        to: (to > from ? to : from).toISOString(),
        treated: stats(t),
        control: stats(k),
        upliftRevenuePerMemberRials: w ? w.difference : null,
        ci95: w ? { low: w.low, high: w.high, degreesOfFreedom: w.degreesOfFreedom } : null,
        significant: w ? w.low > 0 || w.high < 0 : false,
      };
    };
    const window = await period(c.starts_at, windowEnd);
    const after = await period(c.ends_at, afterEnd);
    const pointsValue = c.spent_points * settings.pointValueRials;
    const totalCost = pointsValue + c.spent_rials;
    const incremental =
      window.upliftRevenuePerMemberRials === null
        ? null
        : window.upliftRevenuePerMemberRials * window.treated.members;
    const incrementalMargin = incremental === null ? null : (incremental * marginPct) / 100;
    return {
      campaignId,
      marginPct,
      window,
      after,
      cost: {
        points: c.spent_points,
        pointsValueRials: pointsValue,
        rials: c.spent_rials,
        totalRials: totalCost,
      },
      incrementalRevenueRials: incremental,
      incrementalMarginRials: incrementalMargin,
      returnOnCost:
        incrementalMargin === null || totalCost === 0 ? null : (incrementalMargin - totalCost) / totalCost,
    };
  }
}

function couponOffer(o: {
  kind: Offer['kind'];
  amountRials?: number | undefined;
  percent?: number | undefined;
  maxDiscountRials?: number | undefined;
  minCartRials: number;
  categories: string[];
  giftValueRials?: number | undefined;
}): Offer {
  return {
    kind: o.kind,
    amountRials: o.amountRials ?? null,
    percent: o.percent ?? null,
    maxDiscountRials: o.maxDiscountRials ?? null,
    minCartRials: o.minCartRials,
    categories: o.categories,
    giftValueRials: o.giftValueRials ?? null,
  };
}

function notActive(c: repo.CampaignRow, why: string): AppError {
  return new AppError('campaign_not_active', `Campaign ${c.campaign_id} is not running: ${why}.`, {
    status: c.status,
  });
}

export function toCampaign(r: repo.CampaignRow, target: { treated: number; control: number }): TCampaign {
  return {
    id: r.campaign_id,
    name: r.name,
    description: r.description,
    status: r.status,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    segment: r.segment as Record<string, unknown>,
    grant: r.grant_config,
    budgetPoints: r.budget_points,
    budgetRials: r.budget_rials,
    spentPoints: r.spent_points,
    spentRials: r.spent_rials,
    grantsCount: r.grants_count,
    capPerMemberPoints: r.cap_per_member_points,
    capPerMemberRials: r.cap_per_member_rials,
    capPerMemberGrants: r.cap_per_member_grants,
    controlSharePct: Number(r.control_pct),
    seed: r.seed,
    exclusivityKey: r.exclusivity_key,
    depthPct: Number(r.depth_pct),
    couponBatchId: r.coupon_batch_id,
    guardrailOverride: r.guardrail_override_reason
      ? { reason: r.guardrail_override_reason, author: r.guardrail_override_author }
      : null,
    target,
    createdAt: r.created_at.toISOString(),
  };
}
