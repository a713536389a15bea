import type { Db, Queryable } from '../../db/db.js';
import { runIdempotent } from '../../db/idempotency.js';
import { AppError, notFound } from '../../errors.js';
import { hashRequest, newId } from '../../lib/ids.js';
import { addMonths, startOfNextJalaliYear } from '../../lib/tehran-time.js';
import type { ClubSettings, ClubsService } from '../clubs/index.js';
import type { MembersService } from '../members/index.js';
import { enqueueEvents } from '../outbox/index.js';
import * as repo from './points.repo.js';
import type {
  TAdjustment,
  TAdjustmentResult,
  TLedgerEntry,
  TPointsBalance,
  TQuote,
  TRedemption,
  TReserve,
} from './points.schema.js';

const DAY_MS = 86_400_000;
/** The default earning rule's id, written on each entry it produces. */
export const DEFAULT_EARN_RULE_ID = 'default_rate';
/** Lots released, members expired or reservations voided per transaction by the sweeps. */
const SWEEP_BATCH = 1000;
/** Reminders go out this many days before points expire. */
export const EXPIRY_REMINDER_DAYS = 7;

export interface EarnItem {
  orderId: string;
  memberId: string;
  placedAt: Date;
  paidRials: number;
  deliveredAt: Date | null;
  lines: Array<{ sku: string; category?: string | null; quantity: number; unitPriceRials: number }>;
}

/** One rule's share of what an order or event earned. */
export interface Contribution {
  ruleId: string;
  ruleName: string;
  kind: string;
  points: number;
  detail: string;
  detailFa: string;
}

/**
 * Decides what orders earn. The rules module implements it; until a club has rules of its own the
 * default rate applies. Kept as an interface so the ledger does not depend on the rules module.
 */
export interface EarningPolicy {
  computeOrderEarnings(
    tx: Queryable,
    settings: ClubSettings,
    items: EarnItem[],
  ): Promise<Map<string, Contribution[]>>;
}

export const defaultEarningPolicy: EarningPolicy = {
  async computeOrderEarnings(_tx, settings, items) {
    const out = new Map<string, Contribution[]>();
    for (const item of items) {
      const points = Math.floor(item.paidRials / settings.rialsPerPoint);
      if (points > 0) {
        out.set(item.orderId, [
          {
            ruleId: DEFAULT_EARN_RULE_ID,
            ruleName: 'Default rate',
            kind: 'rate',
            points,
            detail: `1 point per ${settings.rialsPerPoint} rials`,
            detailFa: `هر ${settings.rialsPerPoint} ریال یک امتیاز`,
          },
        ]);
      }
    }
    return out;
  },
};

export interface ReverseCause {
  transferId: string;
  reason: 'reverse_return' | 'reverse_cancel';
  sourceType: 'return' | 'order';
  sourceId: string;
}

export interface OrderPoints {
  earned: number;
  reversed: number;
  state: 'none' | 'pending' | 'available';
  availableAt: string | null;
}

/** When points that become available at `availableAt` expire under the club's setting (null: never). */
export function expiryFor(settings: ClubSettings, availableAt: Date): Date | null {
  if (settings.expiryMode === 'months') return addMonths(availableAt, settings.expiryMonths);
  if (settings.expiryMode === 'jalali_year_end') return startOfNextJalaliYear(availableAt);
  return null;
}

export class PointsService {
  private policy: EarningPolicy = defaultEarningPolicy;

  constructor(
    private readonly db: Db,
    private readonly clubs: ClubsService,
    private readonly members: MembersService,
    private readonly clock: () => Date,
  ) {}

  setEarningPolicy(policy: EarningPolicy): void {
    this.policy = policy;
  }

  /**
   * Credits pending points for paid orders, one lot per order and one ledger entry per rule that
   * contributed; an order already credited is skipped (its transfer ids exist).
   */
  async earnForOrders(
    tx: Queryable,
    settings: ClubSettings,
    items: EarnItem[],
  ): Promise<Map<string, number>> {
    const byOrder = await this.policy.computeOrderEarnings(tx, settings, items);
    const earned = new Map<string, number>();
    const lots = [];
    const transfers: repo.Transfer[] = [];
    for (const item of items) {
      const contributions = byOrder.get(item.orderId) ?? [];
      const points = contributions.reduce((s, c) => s + c.points, 0);
      if (points <= 0) continue;
      earned.set(item.orderId, points);
      lots.push({
        lotId: item.orderId,
        memberId: item.memberId,
        sourceType: 'order',
        sourceId: item.orderId,
        points,
        availableAt: item.deliveredAt
          ? new Date(item.deliveredAt.getTime() + settings.returnWindowDays * DAY_MS)
          : null,
      });
      for (const c of contributions) {
        transfers.push({
          transferId: `earn:${item.orderId}:${c.ruleId}`,
          debit: repo.CLUB_ACCOUNTS.issued,
          credit: repo.memberAccount(item.memberId, 'pending'),
          amount: c.points,
          reason: 'earn_purchase',
          memberId: item.memberId,
          sourceType: 'order',
          sourceId: item.orderId,
          ruleId: c.ruleId,
          note: c.detail,
        });
      }
    }
    await repo.insertLots(tx, settings.clubId, lots);
    const posted = await repo.postTransfers(tx, settings.clubId, transfers, this.clock());
    const postedOrders = new Set(transfers.filter((t) => posted.has(t.transferId)).map((t) => t.sourceId));
    await enqueueEvents(
      tx,
      settings.clubId,
      items
        .filter((i) => postedOrders.has(i.orderId))
        .map((i) => ({
          type: 'points.earned',
          payload: {
            memberId: i.memberId,
            orderId: i.orderId,
            points: earned.get(i.orderId),
            state: 'pending',
          },
        })),
    );
    return earned;
  }

  /**
   * Credits the points a member event earned straight to available (there is nothing to return), as
   * a lot of its own so it expires like any other points.
   */
  async creditEvent(
    tx: Queryable,
    settings: ClubSettings,
    e: { memberId: string; eventId: string; at: Date; contributions: Contribution[] },
  ): Promise<number> {
    const points = e.contributions.reduce((s, c) => s + c.points, 0);
    if (points <= 0) return 0;
    const now = this.clock();
    await repo.insertLots(tx, settings.clubId, [
      {
        lotId: e.eventId,
        memberId: e.memberId,
        sourceType: 'event',
        sourceId: e.eventId,
        points,
        availableAt: now,
        state: 'available',
      },
    ]);
    await repo.postTransfers(
      tx,
      settings.clubId,
      e.contributions.map((c) => ({
        transferId: `event:${e.eventId}:${c.ruleId}`,
        debit: repo.CLUB_ACCOUNTS.issued,
        credit: repo.memberAccount(e.memberId, 'available'),
        amount: c.points,
        reason: 'earn_event' as const,
        memberId: e.memberId,
        sourceType: 'event' as const,
        sourceId: e.eventId,
        ruleId: c.ruleId,
        note: c.detail,
        expiresAt: expiryFor(settings, now),
      })),
      now,
    );
    await this.settleDebt(tx, settings.clubId, e.memberId, `event:${e.eventId}`);
    await enqueueEvents(tx, settings.clubId, [
      {
        type: 'points.earned',
        payload: { memberId: e.memberId, eventId: e.eventId, points, state: 'available' },
      },
    ]);
    return points;
  }

  /** Members (of those given) who already earned on an order: their next order is not their first. */
  async membersWithOrderLots(tx: Queryable, clubId: string, memberIds: string[]): Promise<Set<string>> {
    return repo.membersWithOrderLots(tx, clubId, memberIds);
  }

  /** What each rule gave each member since `since` (points and entries): caps, limits, once-a-year rules. */
  async ruleUsage(tx: Queryable, clubId: string, ruleIds: string[], memberIds: string[], since: Date) {
    return repo.ruleUsage(tx, clubId, ruleIds, memberIds, since);
  }

  async entriesBySource(
    db: Queryable,
    clubId: string,
    sourceType: string,
    sourceId: string,
  ): Promise<Array<{ ruleId: string | null; amount: number; note: string | null }>> {
    return (await repo.entriesBySource(db, clubId, sourceType, sourceId)).map((e) => ({
      ruleId: e.rule_id,
      amount: e.amount,
      note: e.note,
    }));
  }
  async markDelivered(
    tx: Queryable,
    settings: ClubSettings,
    orderId: string,
    deliveredAt: Date,
  ): Promise<void> {
    await repo.setLotAvailableAt(
      tx,
      settings.clubId,
      orderId,
      new Date(deliveredAt.getTime() + settings.returnWindowDays * DAY_MS),
    );
  }

  /**
   * Takes back the share `returned / total` of what the order earned, cumulatively: after returns
   * totalling R of an order of total T that earned E, exactly floor(E × R / T) points are reversed
   * (rounding in the member's favour), so several partial returns add up exactly to one whole return.
   * Points already spent are not lost silently: the shortfall becomes the member's debt.
   */
  async reverseOrderShare(
    tx: Queryable,
    clubId: string,
    orderId: string,
    share: { returnedRials: number; totalRials: number },
    cause: ReverseCause,
  ): Promise<number> {
    const lot = await repo.lockLot(tx, clubId, orderId);
    if (!lot || lot.points_earned === 0) return 0;
    const target =
      share.totalRials <= 0 || share.returnedRials >= share.totalRials
        ? lot.points_earned
        : Number((BigInt(lot.points_earned) * BigInt(share.returnedRials)) / BigInt(share.totalRials));
    const delta = target - lot.points_reversed;
    if (delta <= 0) return 0;
    await repo.addLotReversal(tx, clubId, orderId, delta);
    const memberId = lot.member_id;
    const base = {
      memberId,
      sourceType: cause.sourceType,
      sourceId: cause.sourceId,
      reason: cause.reason,
    } as const;
    const transfers: repo.Transfer[] = [];
    let debt = 0;
    if (lot.state === 'pending') {
      transfers.push({
        ...base,
        transferId: cause.transferId,
        debit: repo.memberAccount(memberId, 'pending'),
        credit: repo.CLUB_ACCOUNTS.reversed,
        amount: delta,
      });
    } else {
      const balances = await repo.lockMemberBalances(tx, clubId, memberId);
      const take = Math.min(balances.available, delta);
      debt = delta - take;
      transfers.push({
        ...base,
        transferId: cause.transferId,
        debit: repo.memberAccount(memberId, 'available'),
        credit: repo.CLUB_ACCOUNTS.reversed,
        amount: take,
      });
      transfers.push({
        ...base,
        reason: 'debt_recorded',
        transferId: `${cause.transferId}:debt`,
        debit: repo.memberAccount(memberId, 'debt'),
        credit: repo.CLUB_ACCOUNTS.reversed,
        amount: debt,
        note: 'points to take back had already been spent',
      });
    }
    await repo.postTransfers(tx, clubId, transfers, this.clock());
    await enqueueEvents(tx, clubId, [
      {
        type: 'points.reversed',
        payload: { memberId, orderId, points: delta, debtRecorded: debt, cause: cause.reason },
      },
    ]);
    return delta;
  }

  /** Moves matured pending lots to available; repays debts from them. Returns the number of lots released. */
  async releaseMatured(clubId: string, opts: { memberId?: string; now?: Date } = {}): Promise<number> {
    const now = opts.now ?? this.clock();
    const settings = await this.clubs.getSettings(clubId);
    let total = 0;
    for (;;) {
      const n = await this.db.transaction((tx) => this.releaseMaturedIn(tx, settings, now, opts.memberId));
      total += n;
      if (n < SWEEP_BATCH) return total;
    }
  }

  private async releaseMaturedIn(
    tx: Queryable,
    settings: ClubSettings,
    now: Date,
    memberId?: string,
  ): Promise<number> {
    const clubId = settings.clubId;
    const lots = await repo.takeMaturedLots(tx, clubId, now, { memberId, limit: SWEEP_BATCH });
    const transfers: repo.Transfer[] = lots
      .filter((l) => l.points_earned > l.points_reversed)
      .map((l) => ({
        transferId: `release:${l.lot_id}`,
        debit: repo.memberAccount(l.member_id, 'pending'),
        credit: repo.memberAccount(l.member_id, 'available'),
        amount: l.points_earned - l.points_reversed,
        reason: 'release_pending' as const,
        memberId: l.member_id,
        sourceType: 'lot' as const,
        sourceId: l.lot_id,
        // Expiry counts from when the points became spendable, not from when the sweep ran.
        expiresAt: expiryFor(settings, l.available_at ?? now),
      }));
    await repo.postTransfers(tx, clubId, transfers, now);
    const indebted = await repo.membersWithDebt(tx, clubId, [...new Set(lots.map((l) => l.member_id))]);
    for (const m of indebted.sort()) await this.settleDebt(tx, clubId, m, `release:${now.toISOString()}`);
    return lots.length;
  }

  /** Repays as much of the member's debt as their available points allow. */
  private async settleDebt(tx: Queryable, clubId: string, memberId: string, causeId: string): Promise<void> {
    const balances = await repo.lockMemberBalances(tx, clubId, memberId);
    const amount = Math.min(balances.available, -balances.debt);
    if (amount <= 0) return;
    await repo.postTransfers(
      tx,
      clubId,
      [
        {
          transferId: `repay:${newId('rep')}`,
          debit: repo.memberAccount(memberId, 'available'),
          credit: repo.memberAccount(memberId, 'debt'),
          amount,
          reason: 'debt_repaid',
          memberId,
          sourceType: 'lot',
          sourceId: causeId,
        },
      ],
      this.clock(),
    );
  }

  async getBalance(clubId: string, memberExternalId: string): Promise<TPointsBalance> {
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    await this.settleMember(clubId, memberId);
    return this.readBalance(this.db, clubId, memberId);
  }

  /**
   * Brings one member's points up to this moment: matured lots released, lapsed reservations given
   * back, expired points expired. The sweeps do the same for everyone; doing it on read too makes what
   * a member or checkout sees exact, whenever the sweeps last ran.
   */
  async settleMember(clubId: string, memberId: string): Promise<void> {
    const now = this.clock();
    await this.releaseMatured(clubId, { memberId, now });
    await this.expireReservations(clubId, { memberId, now });
    await this.expirePoints(clubId, { memberId, now });
  }

  private async readBalance(db: Queryable, clubId: string, memberId: string): Promise<TPointsBalance> {
    const b = await repo.readMemberBalances(db, clubId, memberId);
    return {
      available: b.available,
      pending: b.pending,
      reserved: b.reserved,
      debt: -b.debt,
      lifetimeEarned: await repo.lifetimeEarned(db, clubId, memberId),
      nextExpiry: await this.nextExpiry(db, clubId, memberId, b.available),
    };
  }

  /** The earliest date some of the member's points expire, and how many (first in, first out). */
  private async nextExpiry(
    db: Queryable,
    clubId: string,
    memberId: string,
    available: number,
  ): Promise<{ points: number; at: string } | null> {
    if (available <= 0) return null;
    const { credits, used } = await repo.expiryLedger(db, clubId, memberId);
    let consumed = used;
    const now = this.clock().getTime();
    for (const c of credits) {
      const left = c.amount - consumed;
      consumed = Math.max(0, consumed - c.amount);
      if (left <= 0 || c.expires_at.getTime() <= now) continue;
      return { points: Math.min(left, available), at: c.expires_at.toISOString() };
    }
    return null;
  }

  /** Points earned in [from, to), net of reversals: the "points" tier measure reads it in the caller's transaction. */
  async earnedBetween(
    db: Queryable,
    clubId: string,
    memberId: string,
    from: Date,
    to: Date,
  ): Promise<number> {
    return repo.earnedBetween(db, clubId, memberId, from, to);
  }
  async getOrderPoints(db: Queryable, clubId: string, orderIds: string[]): Promise<Map<string, OrderPoints>> {
    const lots = await repo.findLots(db, clubId, orderIds);
    return new Map(
      lots.map((l) => [
        l.lot_id,
        {
          earned: l.points_earned,
          reversed: l.points_reversed,
          state: l.state,
          availableAt: l.available_at?.toISOString() ?? null,
        },
      ]),
    );
  }

  async listLedger(
    clubId: string,
    memberExternalId: string,
    opts: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: TLedgerEntry[]; nextCursor: string | null }> {
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    let before: number | undefined;
    if (opts.cursor) {
      before = Number(Buffer.from(opts.cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(before) || before <= 0) {
        throw new AppError('validation_failed', 'cursor: not a cursor this API returned', {
          errors: [{ field: 'cursor', in: 'query', message: 'not a cursor this API returned' }],
        });
      }
    }
    await this.settleMember(clubId, memberId);
    const rows = await repo.listMemberEntries(this.db, clubId, memberId, {
      beforeEntryNo: before,
      limit: opts.limit + 1,
    });
    const page = rows.slice(0, opts.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => toEntry(r, memberId)),
      nextCursor:
        rows.length > opts.limit && last ? Buffer.from(String(last.entry_no)).toString('base64url') : null,
    };
  }

  /** A manual adjustment by staff or the shop, idempotent by the Idempotency-Key header. */
  async adjust(
    clubId: string,
    memberExternalId: string,
    input: TAdjustment,
    idempotencyKey: string | undefined,
    author: string | null = null,
  ): Promise<{ status: number; body: TAdjustmentResult; replayed: boolean }> {
    // Read before the transaction: on PGlite a query outside the open transaction would wait for it.
    const settings = await this.clubs.getSettings(clubId);
    // Points that have matured count, as in a reservation: whether the member's balance was read just
    // before (by a person, or the audit log's snapshot) must not decide whether a deduction fits.
    await this.settleMember(clubId, await this.members.getMemberId(clubId, memberExternalId));
    return runIdempotent(
      this.db,
      { clubId, key: idempotencyKey, route: `adjust:${memberExternalId}`, requestHash: hashRequest(input) },
      async (tx) => {
        const memberId = await this.members.getMemberId(clubId, memberExternalId, tx);
        const transferId = `adjust:${idempotencyKey ?? newId('adj')}`;
        const available = repo.memberAccount(memberId, 'available');
        const base = {
          transferId,
          amount: Math.abs(input.points),
          reason: 'adjust_manual' as const,
          memberId,
          sourceType: 'adjustment' as const,
          sourceId: transferId,
          note: input.reason,
          author,
        };
        if (input.points > 0) {
          await repo.postTransfers(
            tx,
            clubId,
            [
              {
                ...base,
                debit: repo.CLUB_ACCOUNTS.adjusted,
                credit: available,
                expiresAt: expiryFor(settings, this.clock()),
              },
            ],
            this.clock(),
          );
          await this.settleDebt(tx, clubId, memberId, transferId);
        } else {
          const balances = await repo.lockMemberBalances(tx, clubId, memberId);
          if (balances.available < -input.points) {
            throw new AppError(
              'insufficient_points',
              `The member has ${balances.available} available points; cannot take ${-input.points}.`,
              { available: balances.available },
            );
          }
          await repo.postTransfers(
            tx,
            clubId,
            [{ ...base, debit: available, credit: repo.CLUB_ACCOUNTS.adjusted }],
            this.clock(),
          );
        }
        await enqueueEvents(tx, clubId, [
          {
            type: 'points.adjusted',
            payload: { memberId, points: input.points, reason: input.reason, author },
          },
        ]);
        return {
          status: 201,
          body: { transferId, points: input.points, balance: await this.readBalance(tx, clubId, memberId) },
        };
      },
    );
  }

  /**
   * Expires what is due (first in, first out): for each member, the points credited with an expiry at
   * or before now, less everything used since, leave the available account for club:expired.
   * Reserved points are safe: only the available balance can expire.
   */
  async expirePoints(clubId: string, opts: { memberId?: string; now?: Date } = {}): Promise<number> {
    const now = opts.now ?? this.clock();
    let total = 0;
    for (;;) {
      const { members, points } = await this.db.transaction(async (tx) => {
        const due = await repo.expiryDue(tx, clubId, now, { memberId: opts.memberId, limit: SWEEP_BATCH });
        let points = 0;
        for (const d of due) {
          const balances = await repo.lockMemberBalances(tx, clubId, d.member_id);
          const amount = Math.min(d.due, balances.available);
          if (amount <= 0) continue;
          const id = newId('exp');
          await repo.postTransfers(
            tx,
            clubId,
            [
              {
                transferId: `expire:${id}`,
                debit: repo.memberAccount(d.member_id, 'available'),
                credit: repo.CLUB_ACCOUNTS.expired,
                amount,
                reason: 'expire',
                memberId: d.member_id,
                sourceType: 'expiry',
                sourceId: id,
              },
            ],
            now,
          );
          await enqueueEvents(tx, clubId, [
            {
              type: 'points.expired',
              payload: { memberId: d.member_id, points: amount, at: now.toISOString() },
            },
          ]);
          points += amount;
        }
        return { members: due.length, points };
      });
      total += points;
      if (members < SWEEP_BATCH) return total;
    }
  }

  /** Raises `points.expiring` once per member and expiry date, EXPIRY_REMINDER_DAYS ahead. */
  async remindExpiring(clubId: string, now: Date = this.clock()): Promise<number> {
    const horizon = new Date(now.getTime() + EXPIRY_REMINDER_DAYS * DAY_MS);
    const memberIds = await repo.upcomingExpiries(this.db, clubId, now, horizon, 10_000);
    let sent = 0;
    for (const memberId of memberIds) {
      const b = await repo.readMemberBalances(this.db, clubId, memberId);
      const next = await this.nextExpiry(this.db, clubId, memberId, b.available);
      if (!next || Date.parse(next.at) > horizon.getTime()) continue;
      await this.db.transaction(async (tx) => {
        if (await repo.insertReminder(tx, clubId, memberId, new Date(next.at), next.points)) {
          await enqueueEvents(tx, clubId, [
            { type: 'points.expiring', payload: { memberId, points: next.points, expiresAt: next.at } },
          ]);
          sent++;
        }
      });
    }
    return sent;
  }

  /** What a cart may take in points under the club's redemption settings. */
  async quote(clubId: string, memberExternalId: string, cartTotalRials: number): Promise<TQuote> {
    const settings = await this.clubs.getSettings(clubId);
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    await this.settleMember(clubId, memberId);
    const { available } = await repo.readMemberBalances(this.db, clubId, memberId);
    return quoteFor(settings, available, cartTotalRials);
  }

  /**
   * Phase one: moves points from available to reserved for an order, with a time to live. The member's
   * balance rows are locked in this transaction, so parallel reservations can never overdraw.
   */
  async reserve(
    clubId: string,
    memberExternalId: string,
    input: TReserve,
    idempotencyKey: string | undefined,
  ): Promise<{ status: number; body: TRedemption; replayed: boolean }> {
    const settings = await this.clubs.getSettings(clubId);
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    await this.settleMember(clubId, memberId);
    return runIdempotent(
      this.db,
      { clubId, key: idempotencyKey, route: `redeem:${memberExternalId}`, requestHash: hashRequest(input) },
      async (tx) => {
        const now = this.clock();
        const balances = await repo.lockMemberBalances(tx, clubId, memberId);
        if (input.points < settings.redeemMinPoints) {
          throw new AppError(
            'validation_failed',
            `points: at least ${settings.redeemMinPoints} points per redemption`,
            {
              errors: [{ field: 'points', in: 'body', message: `at least ${settings.redeemMinPoints}` }],
            },
          );
        }
        if (balances.available < input.points) {
          throw new AppError(
            'insufficient_points',
            `The member has ${balances.available} available points; cannot reserve ${input.points}.`,
            {
              available: balances.available,
            },
          );
        }
        if (input.cartTotalRials !== undefined) {
          const q = quoteFor(settings, balances.available, input.cartTotalRials);
          if (input.points > q.maxPoints) {
            throw new AppError(
              'redemption_limit_exceeded',
              `At most ${q.maxPoints} points may pay for this cart (${settings.redeemMaxSharePct}% of it).`,
              {
                errors: [{ field: 'points', in: 'body', message: `at most ${q.maxPoints} for this cart` }],
                maxPoints: q.maxPoints,
              },
            );
          }
        }
        const redemptionId = newId('rdm');
        const row = await repo.insertRedemption(tx, clubId, {
          redemptionId,
          memberId,
          orderExternalId: input.orderExternalId,
          points: input.points,
          valueRials: input.points * settings.pointValueRials,
          expiresAt: new Date(now.getTime() + settings.reservationTtlMinutes * 60_000),
          at: now,
        });
        await repo.postTransfers(
          tx,
          clubId,
          [
            {
              transferId: `reserve:${redemptionId}`,
              debit: repo.memberAccount(memberId, 'available'),
              credit: repo.memberAccount(memberId, 'reserved'),
              amount: input.points,
              reason: 'redeem_reserve',
              memberId,
              sourceType: 'redemption',
              sourceId: redemptionId,
            },
          ],
          now,
        );
        await enqueueEvents(tx, clubId, [
          {
            type: 'points.reserved',
            payload: { memberId, redemptionId, points: input.points, orderExternalId: input.orderExternalId },
          },
        ]);
        return { status: 201, body: toRedemption(row, memberExternalId) };
      },
    );
  }

  /** Phase two: the order was paid, the reserved points are spent. Committing twice answers the same. */
  async commit(clubId: string, memberExternalId: string, redemptionId: string): Promise<TRedemption> {
    return this.finish(clubId, memberExternalId, redemptionId, 'committed');
  }

  /** The order was cancelled: the reserved points go back to available. Voiding twice answers the same. */
  async void(clubId: string, memberExternalId: string, redemptionId: string): Promise<TRedemption> {
    return this.finish(clubId, memberExternalId, redemptionId, 'voided');
  }

  async getRedemption(clubId: string, memberExternalId: string, redemptionId: string): Promise<TRedemption> {
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    await this.expireReservations(clubId, { memberId });
    const row = await this.db.transaction((tx) => repo.lockRedemption(tx, clubId, redemptionId));
    if (!row || row.member_id !== memberId) throw notFound('Redemption', redemptionId);
    return toRedemption(row, memberExternalId);
  }

  private async finish(
    clubId: string,
    memberExternalId: string,
    redemptionId: string,
    to: 'committed' | 'voided',
  ): Promise<TRedemption> {
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const row = await repo.lockRedemption(tx, clubId, redemptionId);
      if (!row || row.member_id !== memberId) throw notFound('Redemption', redemptionId);
      if (row.status === to) return toRedemption(row, memberExternalId);
      // A reservation past its time to live is given back first; committing it then is refused.
      const current =
        row.status === 'pending' && row.expires_at <= now ? await this.lapse(tx, clubId, row, now) : row;
      if (current.status !== 'pending') {
        if (to === 'voided' && current.status === 'expired') return toRedemption(current, memberExternalId);
        throw new AppError(
          'redemption_not_pending',
          `Redemption ${redemptionId} is ${current.status}; it cannot become ${to}.`,
          { redemptionStatus: current.status },
        );
      }
      const reserved = repo.memberAccount(memberId, 'reserved');
      if (to === 'committed') {
        await repo.postTransfers(
          tx,
          clubId,
          [
            {
              transferId: `commit:${redemptionId}`,
              debit: reserved,
              credit: repo.CLUB_ACCOUNTS.redeemed,
              amount: row.points,
              reason: 'redeem_commit',
              memberId,
              sourceType: 'redemption',
              sourceId: redemptionId,
            },
          ],
          now,
        );
      } else {
        await repo.postTransfers(
          tx,
          clubId,
          [
            {
              transferId: `void:${redemptionId}`,
              debit: reserved,
              credit: repo.memberAccount(memberId, 'available'),
              amount: row.points,
              reason: 'redeem_void',
              memberId,
              sourceType: 'redemption',
              sourceId: redemptionId,
            },
          ],
          now,
        );
        await this.settleDebt(tx, clubId, memberId, `void:${redemptionId}`);
      }
      const updated = await repo.setRedemptionStatus(tx, clubId, redemptionId, to, now);
      await enqueueEvents(tx, clubId, [
        {
          type: to === 'committed' ? 'points.redeemed' : 'points.released',
          payload: { memberId, redemptionId, points: row.points },
        },
      ]);
      return toRedemption(updated, memberExternalId);
    });
  }

  private async lapse(
    tx: Queryable,
    clubId: string,
    row: repo.RedemptionRow,
    now: Date,
  ): Promise<repo.RedemptionRow> {
    await repo.postTransfers(
      tx,
      clubId,
      [
        {
          transferId: `void:${row.redemption_id}`,
          debit: repo.memberAccount(row.member_id, 'reserved'),
          credit: repo.memberAccount(row.member_id, 'available'),
          amount: row.points,
          reason: 'redeem_void',
          memberId: row.member_id,
          sourceType: 'redemption',
          sourceId: row.redemption_id,
          note: 'reservation expired',
        },
      ],
      now,
    );
    await this.settleDebt(tx, clubId, row.member_id, `lapse:${row.redemption_id}`);
    return repo.setRedemptionStatus(tx, clubId, row.redemption_id, 'expired', now);
  }

  /** Gives back reservations whose time to live has passed. */
  async expireReservations(clubId: string, opts: { memberId?: string; now?: Date } = {}): Promise<number> {
    const now = opts.now ?? this.clock();
    let total = 0;
    for (;;) {
      const n = await this.db.transaction(async (tx) => {
        const ids = await repo.dueReservations(tx, clubId, now, {
          memberId: opts.memberId,
          limit: SWEEP_BATCH,
        });
        for (const id of ids) {
          const row = await repo.lockRedemption(tx, clubId, id);
          if (row?.status === 'pending') await this.lapse(tx, clubId, row, now);
        }
        return ids.length;
      });
      total += n;
      if (n < SWEEP_BATCH) return total;
    }
  }

  /** Recomputes every member balance from the entries and checks the club's ledger sums to zero. */
  async audit(clubId: string): Promise<{
    ok: boolean;
    total: number;
    mismatches: Array<{ account_id: string; cached: number; derived: number }>;
  }> {
    const result = await repo.auditClub(this.db, clubId);
    return { ok: result.total === 0 && result.mismatches.length === 0, ...result };
  }

  async accountBalances(clubId: string): Promise<Map<string, number>> {
    return repo.accountBalances(this.db, clubId);
  }
}

function toEntry(r: repo.EntryRow, memberId: string): TLedgerEntry {
  const effects = { available: 0, pending: 0, reserved: 0, debt: 0 };
  const apply = (account: string, sign: number) => {
    const [, owner, kind] = account.split(':');
    if (owner !== memberId) return;
    if (kind === 'available') effects.available += sign * r.amount;
    if (kind === 'pending') effects.pending += sign * r.amount;
    if (kind === 'reserved') effects.reserved += sign * r.amount;
    // Debt is shown as a positive amount owed: a debit of the debt account raises it.
    if (kind === 'debt') effects.debt -= sign * r.amount;
  };
  apply(r.credit_account, 1);
  apply(r.debit_account, -1);
  return {
    id: String(r.entry_no),
    transferId: r.transfer_id,
    at: r.created_at.toISOString(),
    reason: r.reason,
    amount: r.amount,
    debitAccount: r.debit_account,
    creditAccount: r.credit_account,
    effects,
    source: { type: r.source_type, id: r.source_id },
    ruleId: r.rule_id,
    note: r.note,
  };
}

/** The quote: at most the available points, the cart share and whole points of the point value. */
export function quoteFor(settings: ClubSettings, available: number, cartTotalRials: number): TQuote {
  const byShare = Math.floor((cartTotalRials * settings.redeemMaxSharePct) / 100 / settings.pointValueRials);
  const maxPoints = Math.max(0, Math.min(available, byShare));
  const canRedeem = maxPoints >= Math.max(1, settings.redeemMinPoints);
  return {
    available,
    pointValueRials: settings.pointValueRials,
    maxPoints: canRedeem ? maxPoints : 0,
    maxDiscountRials: canRedeem ? maxPoints * settings.pointValueRials : 0,
    minPoints: settings.redeemMinPoints,
    maxSharePct: settings.redeemMaxSharePct,
    canRedeem,
    reason: canRedeem
      ? null
      : available < Math.max(1, settings.redeemMinPoints)
        ? 'not_enough_points'
        : 'cart_too_small',
  };
}

function toRedemption(r: repo.RedemptionRow, memberExternalId: string): TRedemption {
  return {
    id: r.redemption_id,
    memberExternalId,
    orderExternalId: r.order_external_id,
    points: r.points,
    valueRials: r.value_rials,
    status: r.status,
    expiresAt: r.expires_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
