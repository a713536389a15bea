import type { Queryable } from '../../db/db.js';
import { activityByMember } from '../orders/index.js';
import { earnedBetweenByMember } from '../points/index.js';
import * as repo from './tiers.repo.js';
import {
  addMonths,
  decideAtReview,
  EMPTY_STATE,
  effectiveTier,
  type MemberTierState,
  qualifyingTier,
  type TierDef,
} from './tiers.rules.js';
import type { TDowngradeMode, TTierMeasure } from './tiers.schema.js';

/**
 * The auditor's check of tiers (`vafa audit`). `member_tiers` is a cache of decisions whose log is
 * `tier_history`, and each decision follows the rules from the member's qualifying activity. Tiers are
 * re-evaluated lazily (on activity and on reads), so a stored tier may lawfully lag the rules: a member
 * kept above their measure until the review, by a grace review or in `never` mode, or not yet raised
 * after the club edited its tiers. Those are counted, not reported. A difference is reported only where
 * no rule explains it:
 *
 * - `history`: the stored tier is not where the member's last move in the history took them (as a
 *   balance that is not the sum of its entries); `floor`: likewise for the manual floor.
 * - `below_qualifying`: the measure reaches a higher tier than the stored one although an order that
 *   counts was written well after the last edit of the tiers, and every such write re-evaluates the
 *   member (the points measure is exempt: event points and adjustments do not re-evaluate).
 * - `above_allowed`: held above the measure and the floor in `review` mode without a review date.
 * - `review_overdue`: held above at a review more than REVIEW_SLACK_MS overdue that grace cannot
 *   explain (the daily review job should have run; reads review on the spot, so the API answered right,
 *   but segments that read stored tiers did not).
 */
export type TTierDifferenceKind =
  | 'history'
  | 'floor'
  | 'below_qualifying'
  | 'above_allowed'
  | 'review_overdue';

export interface TierDifference {
  kind: TTierDifferenceKind;
  memberId: string;
  externalId: string;
  /** The stored tier key (or floor key for `floor`); null for none, `?<id>` for an id no tier has. */
  stored: string | null;
  /** What the history or the rules say it should be. */
  expected: string | null;
  measureValue: number;
  detail: string;
}

export interface TierAuditReport {
  /** False when the club has no tiers: nothing to check. */
  hasTiers: boolean;
  measure: TTierMeasure;
  downgrade: TDowngradeMode;
  members: number;
  differences: TierDifference[];
  /** Members lawfully above what their measure qualifies for today. */
  held: { untilReview: number; byGrace: number; neverDowngrade: number };
  /** Lawful lags that the member's next activity, read or the daily review resolves. */
  pending: { upgrades: number; reviews: number; deletedTier: number };
}

/** Past this, a due review the daily job has not run is a difference, not a lag. */
export const REVIEW_SLACK_MS = 2 * 86_400_000;
/** An order written this long after a tiers edit certainly read the edited tiers. */
const EDIT_SETTLE_MS = 60_000;
/** As the tiers service: a shop may stamp an order up to a day ahead, and it counts at once. */
const FUTURE_SKEW_MS = 86_400_000;

interface MemberRow {
  member_id: string;
  external_id: string;
  tier_id: string | null;
  since: Date | null;
  review_at: Date | null;
  grace_used: number | null;
  floor_tier_id: string | null;
  state_written_at: Date | null;
  move_key: string | null;
  has_move: boolean;
  floor_kind: string | null;
  floor_key: string | null;
}

/** Recomputes every member's tier of one club from the rules, the activity and the history. */
export async function auditMemberTiers(db: Queryable, clubId: string, now: Date): Promise<TierAuditReport> {
  const tiers = await repo.listTiers(db, clubId);
  const settings = await repo.getSettings(db, clubId);
  const report: TierAuditReport = {
    hasTiers: tiers.length > 0,
    measure: settings.measure,
    downgrade: settings.downgrade,
    members: 0,
    differences: [],
    held: { untilReview: 0, byGrace: 0, neverDowngrade: 0 },
    pending: { upgrades: 0, reviews: 0, deletedTier: 0 },
  };
  if (tiers.length === 0) return report;

  const { rows: edited } = await db.query<{ at: Date | null }>(
    `select greatest((select max(updated_at) from tiers where club_id = $1),
                     (select updated_at from tier_settings where club_id = $1)) as at`,
    [clubId],
  );
  const rulesEditedAt = edited[0]?.at ?? new Date(0);
  const from = addMonths(now, -12);
  const to = new Date(now.getTime() + FUTURE_SKEW_MS);
  const activity = await activityByMember(db, clubId, from, to);
  const earned = settings.measure === 'points' ? await earnedBetweenByMember(db, clubId, from, to) : null;
  const measureOf = (memberId: string): number => {
    if (earned) return earned.get(memberId) ?? 0;
    const a = activity.get(memberId);
    return settings.measure === 'spend' ? (a?.spendRials ?? 0) : (a?.orders ?? 0);
  };

  const { rows } = await db.query<MemberRow>(
    `with last_move as (
       select distinct on (member_id) member_id, to_key from tier_history
       where club_id = $1 and kind in ('upgrade', 'downgrade', 'removed')
       order by member_id, change_no desc
     ), last_floor as (
       select distinct on (member_id) member_id, kind, to_key from tier_history
       where club_id = $1 and kind in ('floor_set', 'floor_cleared')
       order by member_id, change_no desc
     )
     select m.member_id, m.external_id, mt.tier_id, mt.since, mt.review_at, mt.grace_used, mt.floor_tier_id,
            mt.updated_at as state_written_at, lm.to_key as move_key, lm.member_id is not null as has_move,
            lf.kind as floor_kind, lf.to_key as floor_key
     from members m
     left join member_tiers mt on mt.club_id = m.club_id and mt.member_id = m.member_id
     left join last_move lm on lm.member_id = m.member_id
     left join last_floor lf on lf.member_id = m.member_id
     where m.club_id = $1
     order by m.member_id`,
    [clubId],
  );

  const byId = new Map(tiers.map((t) => [t.tierId, t]));
  const keyOf = (id: string | null): string | null => (id === null ? null : (byId.get(id)?.key ?? `?${id}`));
  const rank = (t: TierDef | null) => t?.rank ?? 0;
  for (const r of rows) {
    report.members++;
    const value = measureOf(r.member_id);
    const state: MemberTierState =
      r.grace_used === null
        ? EMPTY_STATE
        : {
            tierId: r.tier_id,
            since: r.since,
            reviewAt: r.review_at,
            graceUsed: r.grace_used,
            floorTierId: r.floor_tier_id,
          };
    const differ = (
      kind: TTierDifferenceKind,
      stored: string | null,
      expected: string | null,
      detail: string,
    ) =>
      report.differences.push({
        kind,
        memberId: r.member_id,
        externalId: r.external_id,
        stored,
        expected,
        measureValue: value,
        detail,
      });

    // The cache against its log.
    const tierDeleted = state.tierId !== null && !byId.has(state.tierId);
    if (tierDeleted) report.pending.deletedTier++;
    else if (keyOf(state.tierId) !== (r.has_move ? r.move_key : null))
      differ(
        'history',
        keyOf(state.tierId),
        r.move_key,
        r.has_move
          ? `the history's last move took the member to ${r.move_key ?? 'no tier'}`
          : 'the history has no move for this member',
      );
    const floorLogged = r.floor_kind === 'floor_set' ? r.floor_key : null;
    const floorDeleted = state.floorTierId !== null && !byId.has(state.floorTierId);
    if (!floorDeleted && keyOf(state.floorTierId) !== floorLogged)
      differ(
        'floor',
        keyOf(state.floorTierId),
        floorLogged,
        'the floor differs from the last floor change in the history',
      );
    if (tierDeleted) continue;

    // The tier against the rules.
    const held = effectiveTier(tiers, state);
    const floor = state.floorTierId === null ? null : (byId.get(state.floorTierId) ?? null);
    const qualifying = qualifyingTier(tiers, value);
    const owed = rank(floor) > rank(qualifying) ? floor : qualifying;
    if (rank(held) < rank(owed)) {
      const lastCountedWrite = activity.get(r.member_id)?.lastCountedWriteAt ?? null;
      const evaluatedSinceEdit =
        settings.measure !== 'points' &&
        lastCountedWrite !== null &&
        lastCountedWrite.getTime() > rulesEditedAt.getTime() + EDIT_SETTLE_MS;
      if (evaluatedSinceEdit)
        differ(
          'below_qualifying',
          held?.key ?? null,
          owed?.key ?? null,
          `the ${settings.measure} measure ${value} reaches ${owed?.key} (threshold ${owed?.threshold}), ` +
            `and an order written at ${lastCountedWrite.toISOString()}, after the tiers were last edited, re-evaluated the member`,
        );
      else report.pending.upgrades++;
    } else if (rank(held) > rank(owed)) {
      if (settings.downgrade === 'never') report.held.neverDowngrade++;
      else if (state.reviewAt === null)
        differ(
          'above_allowed',
          held?.key ?? null,
          owed?.key ?? null,
          'held above the measure with no review date',
        );
      else if (state.reviewAt.getTime() > now.getTime()) report.held.untilReview++;
      else {
        const review = decideAtReview(tiers, state, value, settings, now);
        if (!review.changed) report.held.byGrace++;
        else if (now.getTime() - state.reviewAt.getTime() > REVIEW_SLACK_MS)
          differ(
            'review_overdue',
            held?.key ?? null,
            owed?.key ?? null,
            `the review due ${state.reviewAt.toISOString()} has not run and no grace is left`,
          );
        else report.pending.reviews++;
      }
    }
  }
  return report;
}
