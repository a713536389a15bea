import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { startOfMonth } from '../../lib/tehran-time.js';
import { CROCKFORD, normalizeCode, type RewardsService } from '../rewards/index.js';
import * as repo from './referrals.repo.js';
import {
  REFERRAL_STATS_MONTHS,
  REFERRAL_TOP_REFERRERS,
  type TEligibility,
  type TInvoice,
  type TReferral,
  type TReferralSettings,
  type TReferralStats,
} from './referrals.schema.js';

const DAY_MS = 86_400_000;
const CODE_LENGTH = 8;

function toSettings(s: repo.SettingsRow): TReferralSettings {
  return {
    welcomePoints: s.welcome_points,
    welcomeRewardId: s.welcome_reward_id,
    referrerPoints: s.referrer_points,
    monthlyCap: s.monthly_cap,
    refereeMaxAgeDays: s.referee_max_age_days,
    linkBaseUrl: s.link_base_url,
    weights: {
      loyalty: s.weight_loyalty,
      payment: s.weight_payment,
      cooperation: s.weight_cooperation,
      referrals: s.weight_referrals,
    },
    eligibleThreshold: s.eligible_threshold,
  };
}

/**
 * The four criteria of seed 004, each a value from 0 to 1 with the facts it came from:
 *   loyalty     = ½·min(1, months since the first paid order / 24) + ½·min(1, repeat orders / 10)
 *   payment     = on-time share of invoices due × max(0, 1 − mean days late / 90); none due: not judged
 *   cooperation = (latest staff rating − 1) / 4; never rated: not judged
 *   referrals   = min(1, referred customers who qualified / 5)
 * The score is 100 × Σ weight·value / Σ weight over the criteria that are judged.
 */
export function scoreOf(f: repo.EligibilityFacts, s: repo.SettingsRow, now: Date): TEligibility {
  const months = f.first_order ? (now.getTime() - f.first_order.getTime()) / (30 * DAY_MS) : 0;
  const repeat = Math.max(0, f.paid_orders - 1);
  const loyalty = 0.5 * Math.min(1, months / 24) + 0.5 * Math.min(1, repeat / 10);
  const meanLate = f.invoices_due > 0 ? f.days_late_sum / f.invoices_due : 0;
  const payment =
    f.invoices_due > 0 ? (f.invoices_on_time / f.invoices_due) * Math.max(0, 1 - meanLate / 90) : null;
  const cooperation = f.rating === null ? null : (f.rating - 1) / 4;
  const referrals = Math.min(1, f.referred / 5);
  const parts: Array<{
    criterion: 'loyalty' | 'payment' | 'cooperation' | 'referrals';
    weight: number;
    value: number | null;
    facts: Record<string, string | number | null>;
  }> = [
    {
      criterion: 'loyalty',
      weight: s.weight_loyalty,
      value: loyalty,
      facts: { tenureMonths: Math.round(months * 10) / 10, paidOrders: f.paid_orders },
    },
    {
      criterion: 'payment',
      weight: s.weight_payment,
      value: payment,
      facts: {
        invoicesDue: f.invoices_due,
        onTimeShare: f.invoices_due ? Math.round((f.invoices_on_time / f.invoices_due) * 1000) / 1000 : null,
        meanDaysLate: Math.round(meanLate * 10) / 10,
      },
    },
    {
      criterion: 'cooperation',
      weight: s.weight_cooperation,
      value: cooperation,
      facts: { rating: f.rating, note: f.rating_note },
    },
    { criterion: 'referrals', weight: s.weight_referrals, value: referrals, facts: { referred: f.referred } },
  ];
  const judged = parts.filter((p) => p.value !== null);
  const totalWeight = judged.reduce((sum, p) => sum + p.weight, 0);
  const components = parts.map((p) => ({
    ...p,
    value: p.value === null ? null : Math.round(p.value * 1000) / 1000,
    contribution:
      p.value === null || totalWeight === 0
        ? 0
        : Math.round(((100 * p.weight * p.value) / totalWeight) * 10) / 10,
  }));
  const score =
    totalWeight === 0
      ? 0
      : Math.round((100 * judged.reduce((sum, p) => sum + p.weight * (p.value ?? 0), 0) * 10) / totalWeight) /
        10;
  return {
    memberExternalId: f.external_id,
    score,
    eligible: score >= s.eligible_threshold,
    threshold: s.eligible_threshold,
    components,
  };
}

export class ReferralsService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly rewards: RewardsService,
    private readonly clock: () => Date,
  ) {}

  async getSettings(clubId: string): Promise<TReferralSettings> {
    return toSettings(await repo.getSettings(this.db, clubId));
  }

  async updateSettings(
    clubId: string,
    p: Partial<Omit<TReferralSettings, 'welcomeRewardId'>> & { welcomeRewardId?: string | null | undefined },
  ): Promise<TReferralSettings> {
    const s = { ...(await repo.getSettings(this.db, clubId)) };
    if (p.welcomeRewardId) await this.rewards.getReward(clubId, p.welcomeRewardId);
    if (p.welcomePoints !== undefined) s.welcome_points = p.welcomePoints;
    if (p.welcomeRewardId !== undefined) s.welcome_reward_id = p.welcomeRewardId;
    if (p.referrerPoints !== undefined) s.referrer_points = p.referrerPoints;
    if (p.monthlyCap !== undefined) s.monthly_cap = p.monthlyCap;
    if (p.refereeMaxAgeDays !== undefined) s.referee_max_age_days = p.refereeMaxAgeDays;
    if (p.linkBaseUrl !== undefined) s.link_base_url = p.linkBaseUrl;
    if (p.weights) {
      s.weight_loyalty = p.weights.loyalty;
      s.weight_payment = p.weights.payment;
      s.weight_cooperation = p.weights.cooperation;
      s.weight_referrals = p.weights.referrals;
    }
    if (p.eligibleThreshold !== undefined) s.eligible_threshold = p.eligibleThreshold;
    await repo.saveSettings(this.db, clubId, s);
    return toSettings(s);
  }

  /** The member's code (made on first ask) and the link to share. */
  async getCode(clubId: string, memberExternalId: string) {
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    let code = await repo.findCodeOfMember(this.db, clubId, memberId);
    while (!code) {
      const bytes = randomBytes(CODE_LENGTH);
      let fresh = '';
      for (let i = 0; i < CODE_LENGTH; i++) fresh += CROCKFORD[bytes[i]! & 31];
      if (await repo.insertCode(this.db, clubId, memberId, fresh, this.clock())) code = fresh;
      else code = await repo.findCodeOfMember(this.db, clubId, memberId);
    }
    const settings = await repo.getSettings(this.db, clubId);
    return { memberExternalId, code, link: `${settings.link_base_url}${code}` };
  }

  /**
   * The member's own view (the portal): their code and link, friends who joined with it (waiting for
   * their first order to count, or rewarded), the points it earned them, and what the club gives.
   */
  async memberSummary(clubId: string, memberExternalId: string) {
    const { code, link } = await this.getCode(clubId, memberExternalId);
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    const friends = await repo.referrerSummary(this.db, clubId, memberId);
    const s = await repo.getSettings(this.db, clubId);
    return {
      code,
      link,
      joined: friends.pending + friends.rewarded,
      pending: friends.pending,
      rewarded: friends.rewarded,
      pointsEarned: friends.points,
      referrerPoints: Number(s.referrer_points),
      welcomePoints: Number(s.welcome_points),
    };
  }

  /**
   * A new member signed up with a code. The fraud checks run first; a refused referral is recorded
   * with its reason and answered 422. An accepted one gives the welcome points (and reward) at once;
   * the referrer waits for the referee's first paid order to outlive the return window.
   */
  async refer(
    clubId: string,
    input: { code: string; refereeExternalId: string; deviceId?: string | undefined },
    author: string | null,
  ): Promise<TReferral> {
    const settings = await repo.getSettings(this.db, clubId);
    const refereeId = await this.services.members.getMemberId(clubId, input.refereeExternalId);
    const code = normalizeCode(input.code);
    const referrerId = await repo.findMemberByCode(this.db, clubId, code);
    const now = this.clock();
    const reason = await this.refusal(clubId, settings, referrerId, refereeId, input.deviceId ?? null, now);
    const id = newId('ref');
    const row = {
      id,
      code,
      referrer: referrerId,
      referee: refereeId,
      status: reason ? ('refused' as const) : ('pending' as const),
      reason,
      deviceId: input.deviceId ?? null,
      welcomePoints: reason ? 0 : settings.welcome_points,
      at: now,
    };
    if (!(await repo.insertReferral(this.db, clubId, row))) {
      // A concurrent referral of the same referee won the unique index: this one is refused.
      await repo.insertReferral(this.db, clubId, {
        ...row,
        status: 'refused',
        reason: 'already_referred',
        welcomePoints: 0,
      });
      throw refused('already_referred', id);
    }
    if (reason) throw refused(reason, id);
    if (settings.welcome_points > 0) {
      await this.services.points.adjust(
        clubId,
        input.refereeExternalId,
        { points: settings.welcome_points, reason: 'هدیهٔ خوش‌آمد معرفی (referral welcome)' },
        `referral:welcome:${id}`,
        author,
      );
    }
    if (settings.welcome_reward_id) {
      await this.rewards.grantReward(clubId, refereeId, settings.welcome_reward_id, {
        source: 'referral',
        sourceId: `welcome:${id}`,
      });
    }
    return toReferral((await repo.findReferral(this.db, clubId, id))!);
  }

  private async refusal(
    clubId: string,
    s: repo.SettingsRow,
    referrerId: string | null,
    refereeId: string,
    deviceId: string | null,
    now: Date,
  ): Promise<TReferral['reason']> {
    if (!referrerId) return 'unknown_code';
    if (referrerId === refereeId) return 'self_referral';
    const ppl = await repo.people(this.db, clubId, [referrerId, refereeId]);
    const a = ppl.get(referrerId)!;
    const b = ppl.get(refereeId)!;
    if (a.mobile && a.mobile === b.mobile) return 'same_mobile';
    if (a.email && a.email === b.email) return 'same_email';
    if (deviceId && a.device_id === deviceId) return 'same_device';
    if (await repo.hasLiveReferral(this.db, clubId, refereeId)) return 'already_referred';
    if (b.orders > 0 || now.getTime() - b.created_at.getTime() > s.referee_max_age_days * DAY_MS + 60_000) {
      return 'referee_not_new';
    }
    const settings = await this.services.clubs.getSettings(clubId);
    if (
      (await repo.countReferrerSince(this.db, clubId, referrerId, startOfMonth(now, settings.calendar))) >=
      s.monthly_cap
    ) {
      return 'monthly_cap';
    }
    return null;
  }

  async listReferrals(clubId: string, status: string | undefined, limit: number): Promise<TReferral[]> {
    return (await repo.listReferrals(this.db, clubId, status, limit)).map(toReferral);
  }

  /** The programme at a glance for the dashboard: totals, refusals by reason, 12 months, top referrers. */
  async stats(clubId: string): Promise<TReferralStats> {
    const now = this.clock();
    const { calendar } = await this.services.clubs.getSettings(clubId);
    const starts: Date[] = [startOfMonth(now, calendar)];
    for (let i = 1; i < REFERRAL_STATS_MONTHS; i++)
      starts.unshift(startOfMonth(new Date(starts[0]!.getTime() - 1), calendar));
    const [totals, months, top] = await Promise.all([
      repo.referralTotals(this.db, clubId),
      repo.referralMonths(this.db, clubId, starts),
      repo.topReferrers(this.db, clubId, REFERRAL_TOP_REFERRERS),
    ]);
    const count = (status: string) =>
      totals.filter((t) => t.status === status).reduce((sum, t) => sum + t.n, 0);
    return {
      asOf: now.toISOString(),
      accepted: count('pending') + count('rewarded'),
      pending: count('pending'),
      rewarded: count('rewarded'),
      refused: count('refused'),
      welcomePoints: totals.reduce((sum, t) => sum + Number(t.welcome), 0),
      referrerPoints: totals.reduce((sum, t) => sum + Number(t.referrer), 0),
      refusals: totals
        .filter((t) => t.status === 'refused' && t.reason)
        .map((t) => ({ reason: t.reason as TReferralStats['refusals'][number]['reason'], count: t.n }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
      months: starts.map((start, i) => {
        const c = months.created.find((m) => m.bucket === i + 1);
        return {
          start: start.toISOString(),
          accepted: c?.accepted ?? 0,
          refused: c?.refused ?? 0,
          rewarded: months.rewarded.find((m) => m.bucket === i + 1)?.rewarded ?? 0,
        };
      }),
      topReferrers: top.map((t) => ({
        memberExternalId: t.external_id,
        accepted: t.accepted,
        rewarded: t.rewarded,
      })),
    };
  }

  async getReferral(clubId: string, id: string): Promise<TReferral> {
    const row = await repo.findReferral(this.db, clubId, id);
    if (!row) throw notFound('Referral', id);
    return toReferral(row);
  }

  /** The job: referrers whose referee's first paid order outlived the return window get their points. */
  async rewardReferrers(clubId: string): Promise<number> {
    const s = await repo.getSettings(this.db, clubId);
    const club = await this.services.clubs.getSettings(clubId);
    // Lots mature when someone reads or the release job runs; release them first so this is exact.
    await this.services.points.releaseMatured(clubId);
    const due = await repo.dueReferrals(this.db, clubId, this.clock(), club.returnWindowDays, 1000);
    let n = 0;
    for (const d of due) {
      if (s.referrer_points > 0) {
        await this.services.points.adjust(
          clubId,
          d.referrer_external_id,
          { points: s.referrer_points, reason: 'پاداش معرفی مشتری (referral reward)' },
          `referral:referrer:${d.referral_id}`,
          null,
        );
      }
      if (
        await repo.markRewarded(this.db, clubId, d.referral_id, s.referrer_points, d.order_id, this.clock())
      )
        n++;
    }
    return n;
  }

  // ---- discount eligibility ----

  /** Scores for many members (campaign segments); members missing from the map do not exist. */
  async scoreMembers(
    clubId: string,
    memberIds: string[],
  ): Promise<Map<string, { score: number; eligible: boolean }>> {
    const s = await repo.getSettings(this.db, clubId);
    const now = this.clock();
    const out = new Map<string, { score: number; eligible: boolean }>();
    for (let i = 0; i < memberIds.length; i += 5000) {
      const facts = await repo.eligibilityFacts(this.db, clubId, memberIds.slice(i, i + 5000), now);
      for (const f of facts) {
        const e = scoreOf(f, s, now);
        out.set(f.member_id, { score: e.score, eligible: e.eligible });
      }
    }
    return out;
  }

  async eligibility(clubId: string, memberExternalId: string): Promise<TEligibility> {
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    const s = await repo.getSettings(this.db, clubId);
    const now = this.clock();
    const [facts] = await repo.eligibilityFacts(this.db, clubId, [memberId], now);
    return scoreOf(facts!, s, now);
  }

  async rateCooperation(
    clubId: string,
    memberExternalId: string,
    rating: number,
    note: string | undefined,
    author: string | null,
  ): Promise<TEligibility> {
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    await repo.insertRating(this.db, clubId, memberId, rating, note ?? null, author, this.clock());
    return this.eligibility(clubId, memberExternalId);
  }

  /** Records (or corrects) an invoice by the shop's id: a retry with the same body changes nothing. */
  async upsertInvoice(
    clubId: string,
    input: { externalId: string; memberExternalId: string; amountRials: number; dueAt: string },
  ): Promise<{ created: boolean; invoice: TInvoice }> {
    const memberId = await this.services.members.getMemberId(clubId, input.memberExternalId);
    const before = await repo.findInvoice(this.db, clubId, input.externalId);
    if (before && before.member_external_id !== input.memberExternalId) {
      throw new AppError('idempotency_conflict', `Invoice ${input.externalId} belongs to another member.`);
    }
    await repo.upsertInvoice(this.db, clubId, {
      id: newId('inv'),
      externalId: input.externalId,
      memberId,
      amountRials: input.amountRials,
      dueAt: new Date(input.dueAt),
      at: this.clock(),
    });
    return {
      created: !before,
      invoice: toInvoice((await repo.findInvoice(this.db, clubId, input.externalId))!),
    };
  }

  async payInvoice(clubId: string, externalId: string, paidAt: string): Promise<TInvoice> {
    if (!(await repo.payInvoice(this.db, clubId, externalId, new Date(paidAt))))
      throw notFound('Invoice', externalId);
    return toInvoice((await repo.findInvoice(this.db, clubId, externalId))!);
  }
}

function refused(reason: NonNullable<TReferral['reason']>, id: string): AppError {
  return new AppError('referral_refused', `The referral was refused: ${reason}. It is recorded as ${id}.`, {
    reason,
    referralId: id,
  });
}

function toReferral(r: repo.ReferralRow): TReferral {
  return {
    id: r.referral_id,
    code: r.code,
    referrerExternalId: r.referrer_external_id,
    refereeExternalId: r.referee_external_id,
    status: r.status,
    reason: r.reason as TReferral['reason'],
    welcomePoints: r.welcome_points,
    referrerPoints: r.referrer_points,
    createdAt: r.created_at.toISOString(),
    rewardedAt: r.rewarded_at?.toISOString() ?? null,
  };
}

function toInvoice(i: repo.InvoiceRow): TInvoice {
  return {
    externalId: i.external_id,
    memberExternalId: i.member_external_id,
    amountRials: i.amount_rials,
    dueAt: i.due_at.toISOString(),
    paidAt: i.paid_at?.toISOString() ?? null,
    daysLate: i.paid_at ? Math.max(0, Math.floor((i.paid_at.getTime() - i.due_at.getTime()) / DAY_MS)) : null,
  };
}
