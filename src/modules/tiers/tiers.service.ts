import type { z } from 'zod';
import type { Db, Queryable } from '../../db/db.js';
import { runIdempotent } from '../../db/idempotency.js';
import { AppError, type FieldError } from '../../errors.js';
import { hashRequest, newId } from '../../lib/ids.js';
import type { MembersService } from '../members/index.js';
import type { OrdersService } from '../orders/index.js';
import { enqueueEvents } from '../outbox/index.js';
import type { PointsService } from '../points/index.js';
import * as repo from './tiers.repo.js';
import {
  addMonths,
  type Decision,
  decideAtReview,
  decideOnActivity,
  EMPTY_STATE,
  effectiveTier,
  formatJalali,
  progressDeadline,
  progressMessage,
  statusMessage,
  type TierDef,
} from './tiers.rules.js';
import {
  DEFAULT_BENEFITS,
  type TBenefits,
  type TMemberBenefits,
  type TMemberTier,
  type TPatchTierSettings,
  type TSetMemberTier,
  type TTierList,
  type TTierMeasure,
  type TTierSettings,
  ZReplaceTiers,
} from './tiers.schema.js';

const DAY_MS = 86_400_000;
/** Members reviewed per transaction: bounds the transaction's size and its locks. */
const REVIEW_BATCH = 200;
/** Batches per runReviews call (200,000 members); the rest wait for the next daily run. */
const REVIEW_MAX_BATCHES = 1000;
/** A review date years overdue is caught up at most this many years in one evaluation. */
const MAX_CATCH_UP_REVIEWS = 10;
const HISTORY_LIMIT = 50;
/**
 * The measure window ends this far after now: the shop may stamp an order up to a day ahead of our
 * clock (orders accept that skew), and such an order counts at once.
 */
const FUTURE_SKEW_MS = DAY_MS;

export interface TiersDeps {
  members: MembersService;
  orders: OrdersService;
  points: PointsService;
}

interface Loaded {
  tiers: TierDef[];
  settings: repo.TierSettingsRow;
  state: repo.MemberTierRow;
  value: number;
}

export class TiersService {
  constructor(
    private readonly db: Db,
    private readonly deps: TiersDeps,
    private readonly clock: () => Date,
  ) {}

  // ---- The contract other modules call ---------------------------------------------------------

  /**
   * Re-evaluates one member inside the caller's transaction after activity (order paid, returned or
   * cancelled, points earned): upgrades at once (review date = now + 12 months, grace reset), never
   * downgrades here. Writes tier history and a `tier.changed` outbox event on change. No-op when the
   * club has no tiers.
   */
  /** True when the club has defined tiers: callers skip per-member evaluation for clubs without any. */
  async hasTiers(db: Queryable, clubId: string): Promise<boolean> {
    return (await repo.listTiers(db, clubId)).length > 0;
  }

  /** evaluateMember for several members, in member-id order so concurrent batches lock rows alike. */
  async evaluateMembers(tx: Queryable, clubId: string, memberIds: string[]): Promise<void> {
    if (memberIds.length === 0 || !(await this.hasTiers(tx, clubId))) return;
    for (const id of [...new Set(memberIds)].sort()) await this.evaluateMember(tx, clubId, id);
  }

  async evaluateMember(tx: Queryable, clubId: string, memberId: string): Promise<void> {
    await this.refreshIn(tx, clubId, memberId, { runDueReview: false });
  }

  /**
   * The member's current tier and its benefits as stored (no evaluation, so it is cheap inside a
   * checkout or earning transaction): null when the club has no tiers, or the member is below the lowest
   * threshold and the lowest tier has a threshold above 0.
   */
  /** getMemberTier for many members in two queries (the earning rules read a whole batch at once). */
  async getMemberTiers(
    db: Queryable,
    clubId: string,
    memberIds: string[],
  ): Promise<Map<string, { key: string; benefits: TBenefits }>> {
    const out = new Map<string, { key: string; benefits: TBenefits }>();
    const tiers = await repo.listTiers(db, clubId);
    if (tiers.length === 0) return out;
    const states = await repo.findMemberTiers(db, clubId, memberIds);
    for (const id of memberIds) {
      const t = effectiveTier(tiers, states.get(id) ?? EMPTY_STATE);
      if (t) out.set(id, { key: t.key, benefits: t.benefits });
    }
    return out;
  }

  async getMemberTier(
    db: Queryable,
    clubId: string,
    memberId: string,
  ): Promise<{ tierId: string; key: string; rank: number; benefits: TBenefits } | null> {
    const tiers = await repo.listTiers(db, clubId);
    if (tiers.length === 0) return null;
    const state = (await repo.findMemberTier(db, clubId, memberId)) ?? EMPTY_STATE;
    const t = effectiveTier(tiers, state);
    return t ? { tierId: t.tierId, key: t.key, rank: t.rank, benefits: t.benefits } : null;
  }

  /**
   * The downgrade review: members whose review date has passed keep the tier if they still qualify,
   * else use a grace review (up to graceReviews in a row), else drop to the tier they qualify for (never
   * below a manual floor). 'never' mode skips. Bounded batches, one transaction each; returns how many
   * members changed tier.
   */
  async runReviews(clubId: string, now: Date = this.clock()): Promise<number> {
    const settings = await repo.getSettings(this.db, clubId);
    if (settings.downgrade === 'never') return 0;
    const tiers = await repo.listTiers(this.db, clubId);
    if (tiers.length === 0) return 0;
    let changed = 0;
    for (let batch = 0; batch < REVIEW_MAX_BATCHES; batch++) {
      const result = await this.db.transaction(async (tx) => {
        const due = await repo.lockDueReviews(tx, clubId, now, REVIEW_BATCH);
        let n = 0;
        for (const row of due) {
          const value = await this.measure(tx, clubId, row.memberId, settings.measure, now);
          const decision = decideAtReview(tiers, row, value, settings, now);
          if (await this.apply(tx, clubId, row.memberId, row, decision, tiers, value, now)) n++;
        }
        return { seen: due.length, changed: n };
      });
      changed += result.changed;
      if (result.seen === 0) break;
    }
    return changed;
  }

  /** The daily job's work: reviews every club that has tiers. */
  async runAllReviews(): Promise<{ clubs: number; changed: number }> {
    const clubs = await repo.listClubsWithTiers(this.db);
    let changed = 0;
    for (const clubId of clubs) changed += await this.runReviews(clubId);
    return { clubs: clubs.length, changed };
  }

  // ---- Tier definitions and settings -----------------------------------------------------------

  async getTiers(clubId: string): Promise<TTierList> {
    const [settings, tiers] = await Promise.all([
      repo.getSettings(this.db, clubId),
      repo.listTiers(this.db, clubId),
    ]);
    return { measure: settings.measure, tiers: tiers.map(toTier) };
  }

  /**
   * Replaces the club's whole tier list atomically. A tier keeps its id while its key stays, so members
   * keep it; members are re-evaluated lazily (on their next activity or read), and only upgraded then:
   * a raised threshold takes effect at each member's review.
   */
  async replaceTiers(clubId: string, input: unknown): Promise<TTierList> {
    const parsed = ZReplaceTiers.safeParse(input);
    if (!parsed.success) throw zodToAppError(parsed.error);
    return this.db.transaction(async (tx) => {
      const settings = await repo.lockSettings(tx, clubId);
      const existing = new Map((await repo.listTiers(tx, clubId)).map((t) => [t.key, t.tierId]));
      const defs: TierDef[] = parsed.data.tiers.map((t, i) => ({
        tierId: existing.get(t.key) ?? newId('tier'),
        key: t.key,
        rank: i + 1,
        nameFa: t.name.fa,
        nameEn: t.name.en,
        threshold: t.threshold,
        benefits: t.benefits,
      }));
      await repo.replaceTiers(tx, clubId, defs);
      return { measure: settings.measure, tiers: defs.map(toTier) };
    });
  }

  async getSettings(clubId: string): Promise<TTierSettings> {
    return repo.getSettings(this.db, clubId);
  }

  async patchSettings(clubId: string, patch: TPatchTierSettings): Promise<TTierSettings> {
    return this.db.transaction(async (tx) => {
      const current = await repo.lockSettings(tx, clubId);
      const next: repo.TierSettingsRow = {
        measure: patch.measure ?? current.measure,
        downgrade: patch.downgrade ?? current.downgrade,
        graceReviews: patch.graceReviews ?? current.graceReviews,
        calendar: patch.calendar ?? current.calendar,
      };
      await repo.updateSettings(tx, clubId, next);
      return next;
    });
  }

  // ---- Member views ----------------------------------------------------------------------------

  /** The member's tier, progress and history; evaluated first so it is right after any edit. */
  async getMemberTierView(clubId: string, externalId: string): Promise<TMemberTier> {
    return this.db.transaction(async (tx) => {
      const memberId = await this.deps.members.getMemberId(clubId, externalId, tx);
      const loaded = await this.refreshIn(tx, clubId, memberId, { runDueReview: true });
      return this.buildView(tx, clubId, memberId, externalId, loaded);
    });
  }

  /** What checkout needs in one call: the tier and its benefits (the empty benefits without a tier). */
  async getMemberBenefits(clubId: string, externalId: string): Promise<TMemberBenefits> {
    return this.db.transaction(async (tx) => {
      const memberId = await this.deps.members.getMemberId(clubId, externalId, tx);
      const loaded = await this.refreshIn(tx, clubId, memberId, { runDueReview: true });
      const t = loaded ? effectiveTier(loaded.tiers, loaded.state) : null;
      return {
        memberExternalId: externalId,
        tier: t ? tierRef(t) : null,
        benefits: t ? t.benefits : { ...DEFAULT_BENEFITS, perks: [] },
      };
    });
  }

  /**
   * Sets (or, with null, clears) the member's manual floor: the member never drops below it, and is
   * raised to it at once if below. It never lowers the current tier. Author and reason go to history.
   */
  async setMemberFloor(
    clubId: string,
    externalId: string,
    input: TSetMemberTier,
    author: string,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; body: TMemberTier; replayed: boolean }> {
    return runIdempotent(
      this.db,
      { clubId, key: idempotencyKey, route: `tier-floor:${externalId}`, requestHash: hashRequest(input) },
      async (tx) => {
        const memberId = await this.deps.members.getMemberId(clubId, externalId, tx);
        const tiers = await repo.listTiers(tx, clubId);
        let floor: TierDef | null = null;
        if (input.tierKey !== null) {
          floor = tiers.find((t) => t.key === input.tierKey) ?? null;
          if (!floor) {
            const known = tiers.map((t) => t.key).join(', ') || 'none';
            throw new AppError('validation_failed', `tierKey: no tier '${input.tierKey}' (tiers: ${known})`, {
              errors: [{ field: 'tierKey', in: 'body', message: `no tier with this key (tiers: ${known})` }],
            });
          }
        }
        const now = this.clock();
        const state = await repo.lockMemberTier(tx, clubId, memberId);
        const settings = await repo.getSettings(tx, clubId);
        const value = await this.measure(tx, clubId, memberId, settings.measure, now);
        const withFloor: repo.MemberTierRow = floor
          ? {
              ...state,
              floorTierId: floor.tierId,
              floorReason: input.reason,
              floorAuthor: author,
              floorSetAt: now,
            }
          : { ...state, floorTierId: null, floorReason: null, floorAuthor: null, floorSetAt: null };
        await repo.saveMemberTier(tx, clubId, memberId, withFloor);
        const current = tiers.find((t) => t.tierId === state.tierId) ?? null;
        await repo.insertHistory(tx, clubId, {
          memberId,
          at: now,
          kind: floor ? 'floor_set' : 'floor_cleared',
          fromKey: current?.key ?? null,
          toKey: floor?.key ?? null,
          reason: 'manual',
          note: input.reason,
          author,
          measureValue: value,
        });
        const decision = decideOnActivity(tiers, withFloor, value, now);
        await this.apply(tx, clubId, memberId, withFloor, decision, tiers, value, now, {
          note: input.reason,
          author,
        });
        const loaded: Loaded = {
          tiers,
          settings,
          state: { ...withFloor, ...decision.next },
          value,
        };
        return { status: 200, body: await this.buildView(tx, clubId, memberId, externalId, loaded) };
      },
    );
  }

  // ---- Internals -------------------------------------------------------------------------------

  /** The member's measure over the rolling 12 months ending at `now` (plus the allowed clock skew). */
  private async measure(
    tx: Queryable,
    clubId: string,
    memberId: string,
    measure: TTierMeasure,
    now: Date,
    from: Date = addMonths(now, -12),
  ): Promise<number> {
    const to = new Date(now.getTime() + FUTURE_SKEW_MS);
    if (measure === 'points') return this.deps.points.earnedBetween(tx, clubId, memberId, from, to);
    const activity = await this.deps.orders.memberActivity(tx, clubId, memberId, from, to);
    return measure === 'spend' ? activity.spendRials : activity.orders;
  }

  /**
   * Loads and locks the member's tier state, applies upgrades (and, on reads, a review that is due),
   * and returns what it used; null when the club has no tiers.
   */
  private async refreshIn(
    tx: Queryable,
    clubId: string,
    memberId: string,
    opts: { runDueReview: boolean },
  ): Promise<Loaded | null> {
    const tiers = await repo.listTiers(tx, clubId);
    if (tiers.length === 0) return null;
    const now = this.clock();
    const settings = await repo.getSettings(tx, clubId);
    let state = await repo.lockMemberTier(tx, clubId, memberId);
    const value = await this.measure(tx, clubId, memberId, settings.measure, now);
    for (let i = 0; i < MAX_CATCH_UP_REVIEWS; i++) {
      const due =
        opts.runDueReview &&
        settings.downgrade === 'review' &&
        state.reviewAt !== null &&
        state.reviewAt.getTime() <= now.getTime();
      const decision = due
        ? decideAtReview(tiers, state, value, settings, now)
        : decideOnActivity(tiers, state, value, now);
      await this.apply(tx, clubId, memberId, state, decision, tiers, value, now);
      state = { ...state, ...decision.next };
      if (!due) break;
    }
    return { tiers, settings, state, value };
  }

  /** Writes a decision: the state, its history row and the `tier.changed` event. True when the tier changed. */
  private async apply(
    tx: Queryable,
    clubId: string,
    memberId: string,
    before: repo.MemberTierRow,
    decision: Decision,
    tiers: TierDef[],
    value: number,
    now: Date,
    manual: { note: string; author: string } | null = null,
  ): Promise<boolean> {
    const n = decision.next;
    const same =
      n.tierId === before.tierId &&
      n.since?.getTime() === before.since?.getTime() &&
      n.reviewAt?.getTime() === before.reviewAt?.getTime() &&
      n.graceUsed === before.graceUsed &&
      n.floorTierId === before.floorTierId;
    if (!same) await repo.saveMemberTier(tx, clubId, memberId, { ...before, ...n });
    let h = decision.history;
    if (h?.kind === 'removed' && h.from === null) {
      // The rules cannot know the deleted tier's key; the history can.
      h = { ...h, from: await repo.lastToKey(tx, clubId, memberId) };
    }
    if (h) {
      const reason = manual && h.kind === 'upgrade' ? 'manual' : h.reason;
      await repo.insertHistory(tx, clubId, {
        memberId,
        at: now,
        kind: h.kind,
        fromKey: h.from,
        toKey: h.to,
        reason,
        note: manual?.note ?? null,
        author: manual?.author ?? null,
        measureValue: value,
      });
    }
    if (!decision.changed || !h) return false;
    const from = tiers.find((t) => t.key === h.from) ?? null;
    const to = tiers.find((t) => t.key === h.to) ?? null;
    await enqueueEvents(tx, clubId, [
      {
        type: 'tier.changed',
        payload: {
          memberId,
          kind: h.kind,
          from: h.from,
          to: h.to,
          fromRank: from?.rank ?? null,
          toRank: to?.rank ?? null,
          reason: manual && h.kind === 'upgrade' ? 'manual' : h.reason,
          at: now.toISOString(),
        },
      },
    ]);
    return true;
  }

  private async buildView(
    tx: Queryable,
    clubId: string,
    memberId: string,
    externalId: string,
    loaded: Loaded | null,
  ): Promise<TMemberTier> {
    const now = this.clock();
    const settings = loaded?.settings ?? (await repo.getSettings(tx, clubId));
    const history = (await repo.listHistory(tx, clubId, memberId, HISTORY_LIMIT)).map((h) => ({
      at: h.at.toISOString(),
      kind: h.kind as TMemberTier['history'][number]['kind'],
      from: h.from_key,
      to: h.to_key,
      reason: h.reason as TMemberTier['history'][number]['reason'],
      note: h.note,
      author: h.author,
      measureValue: h.measure_value === null ? null : Number(h.measure_value),
    }));
    if (!loaded) {
      const value = await this.measure(tx, clubId, memberId, settings.measure, now);
      return {
        memberExternalId: externalId,
        measure: settings.measure,
        measureValue: value,
        tier: null,
        since: null,
        floor: null,
        review: null,
        next: null,
        message: statusMessage({ hasTiers: false, tier: null, isTop: false }),
        history,
      };
    }
    const { tiers, state, value } = loaded;
    const tier = effectiveTier(tiers, state);
    const nextTier = tiers.find((t) => t.rank > (tier?.rank ?? 0)) ?? null;
    let next: TMemberTier['next'] = null;
    if (nextTier) {
      // "Spend X more before D" must be true: what counts at D is the activity since D − 12 months, so
      // what drops out of the window by D is not counted towards the remaining amount.
      const deadline = progressDeadline(now);
      const kept = await this.measure(tx, clubId, memberId, settings.measure, now, addMonths(deadline, -12));
      const remaining = Math.max(0, nextTier.threshold - kept);
      next = {
        tier: tierRef(nextTier),
        threshold: nextTier.threshold,
        remaining,
        deadline: deadline.toISOString(),
        deadlineJalali: formatJalali(deadline),
        message: progressMessage({
          measure: settings.measure,
          remaining,
          next: nextTier,
          deadline,
          calendar: settings.calendar,
        }),
      };
    }
    const floor = tiers.find((t) => t.tierId === state.floorTierId) ?? null;
    const status = statusMessage({ hasTiers: true, tier, isTop: tier !== null && nextTier === null });
    return {
      memberExternalId: externalId,
      measure: settings.measure,
      measureValue: value,
      tier: tier ? tierRef(tier) : null,
      since: tier && state.tierId === tier.tierId ? (state.since?.toISOString() ?? null) : null,
      floor:
        floor && state.floorSetAt
          ? {
              tier: tierRef(floor),
              reason: state.floorReason ?? '',
              author: state.floorAuthor,
              setAt: state.floorSetAt.toISOString(),
            }
          : null,
      review:
        tier && settings.downgrade === 'review' && state.reviewAt
          ? {
              at: state.reviewAt.toISOString(),
              atJalali: formatJalali(state.reviewAt),
              graceReviewsLeft: Math.max(0, settings.graceReviews - state.graceUsed),
            }
          : null,
      next,
      message: next
        ? { fa: `${status.fa} ${next.message.fa}`, en: `${status.en} ${next.message.en}` }
        : status,
      history,
    };
  }
}

function tierRef(t: TierDef): { key: string; rank: number; name: { fa: string; en: string } } {
  return { key: t.key, rank: t.rank, name: { fa: t.nameFa, en: t.nameEn } };
}

function toTier(t: TierDef): TTierList['tiers'][number] {
  return { ...tierRef(t), threshold: t.threshold, benefits: t.benefits };
}

/** A zod failure of a direct (non-HTTP) call, as the same 400 the API answers, naming each field. */
function zodToAppError(error: z.ZodError): AppError {
  const errors: FieldError[] = error.issues.map((i) => ({
    field: i.path.join('.') || '(root)',
    in: 'body',
    message: i.message,
  }));
  const first = errors[0]!;
  return new AppError('validation_failed', `${first.field}: ${first.message}`, { errors });
}
