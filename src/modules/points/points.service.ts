import type { Db, Queryable } from '../../db/db.js';
import { runIdempotent } from '../../db/idempotency.js';
import { AppError } from '../../errors.js';
import { hashRequest, newId } from '../../lib/ids.js';
import type { ClubSettings } from '../clubs/index.js';
import type { MembersService } from '../members/index.js';
import { enqueueEvents } from '../outbox/index.js';
import * as repo from './points.repo.js';
import type { TAdjustment, TAdjustmentResult, TLedgerEntry, TPointsBalance } from './points.schema.js';

const DAY_MS = 86_400_000;
/** The default earning rule's id, written on each entry it produces. */
export const DEFAULT_EARN_RULE_ID = 'default_rate';
/** Lots released per transaction by the maturity sweep: bounds the transaction's size. */
const RELEASE_BATCH = 1000;

export interface EarnItem {
  orderId: string;
  memberId: string;
  paidRials: number;
  deliveredAt: Date | null;
}

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

export class PointsService {
  constructor(
    private readonly db: Db,
    private readonly members: MembersService,
    private readonly clock: () => Date,
  ) {}

  /** The default earning rule: one point per `rialsPerPoint` rials paid, rounded down. */
  computeEarn(settings: ClubSettings, paidRials: number): number {
    return Math.floor(paidRials / settings.rialsPerPoint);
  }

  /** Credits pending points for paid orders, one lot per order; an order already credited is skipped. */
  async earnForOrders(
    tx: Queryable,
    settings: ClubSettings,
    items: EarnItem[],
  ): Promise<Map<string, number>> {
    const earned = new Map<string, number>();
    const lots = [];
    const transfers: repo.Transfer[] = [];
    for (const item of items) {
      const points = this.computeEarn(settings, item.paidRials);
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
      transfers.push({
        transferId: `earn:${item.orderId}`,
        debit: repo.CLUB_ACCOUNTS.issued,
        credit: repo.memberAccount(item.memberId, 'pending'),
        amount: points,
        reason: 'earn_purchase',
        memberId: item.memberId,
        sourceType: 'order',
        sourceId: item.orderId,
        ruleId: DEFAULT_EARN_RULE_ID,
      });
    }
    await repo.insertLots(tx, settings.clubId, lots);
    const posted = await repo.postTransfers(tx, settings.clubId, transfers);
    await enqueueEvents(
      tx,
      settings.clubId,
      transfers
        .filter((t) => posted.has(t.transferId))
        .map((t) => ({
          type: 'points.earned',
          payload: { memberId: t.memberId, orderId: t.sourceId, points: t.amount, state: 'pending' },
        })),
    );
    return earned;
  }

  /** Starts the order's return window: its pending points mature `returnWindowDays` after delivery. */
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
    await repo.postTransfers(tx, clubId, transfers);
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
    let total = 0;
    for (;;) {
      const n = await this.db.transaction((tx) => this.releaseMaturedIn(tx, clubId, now, opts.memberId));
      total += n;
      if (n < RELEASE_BATCH) return total;
    }
  }

  private async releaseMaturedIn(
    tx: Queryable,
    clubId: string,
    now: Date,
    memberId?: string,
  ): Promise<number> {
    const lots = await repo.takeMaturedLots(tx, clubId, now, { memberId, limit: RELEASE_BATCH });
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
      }));
    await repo.postTransfers(tx, clubId, transfers);
    const indebted = await repo.membersWithDebt(tx, clubId, [...new Set(lots.map((l) => l.member_id))]);
    for (const m of indebted.sort()) await this.settleDebt(tx, clubId, m, `release:${now.toISOString()}`);
    return lots.length;
  }

  /** Repays as much of the member's debt as their available points allow. */
  private async settleDebt(tx: Queryable, clubId: string, memberId: string, causeId: string): Promise<void> {
    const balances = await repo.lockMemberBalances(tx, clubId, memberId);
    const amount = Math.min(balances.available, -balances.debt);
    if (amount <= 0) return;
    await repo.postTransfers(tx, clubId, [
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
    ]);
  }

  async getBalance(clubId: string, memberExternalId: string): Promise<TPointsBalance> {
    const memberId = await this.members.getMemberId(clubId, memberExternalId);
    // Release on read as well as on the sweep: the balance a member sees is exact at this moment.
    await this.releaseMatured(clubId, { memberId });
    return this.readBalance(this.db, clubId, memberId);
  }

  private async readBalance(db: Queryable, clubId: string, memberId: string): Promise<TPointsBalance> {
    const b = await repo.readMemberBalances(db, clubId, memberId);
    return {
      available: b.available,
      pending: b.pending,
      debt: -b.debt,
      lifetimeEarned: await repo.lifetimeEarned(db, clubId, memberId),
    };
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
  ): Promise<{ status: number; body: TAdjustmentResult; replayed: boolean }> {
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
        };
        if (input.points > 0) {
          await repo.postTransfers(tx, clubId, [
            { ...base, debit: repo.CLUB_ACCOUNTS.adjusted, credit: available },
          ]);
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
          await repo.postTransfers(tx, clubId, [
            { ...base, debit: available, credit: repo.CLUB_ACCOUNTS.adjusted },
          ]);
        }
        await enqueueEvents(tx, clubId, [
          { type: 'points.adjusted', payload: { memberId, points: input.points, reason: input.reason } },
        ]);
        return {
          status: 201,
          body: { transferId, points: input.points, balance: await this.readBalance(tx, clubId, memberId) },
        };
      },
    );
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
  const effects = { available: 0, pending: 0, debt: 0 };
  const apply = (account: string, sign: number) => {
    const [, owner, kind] = account.split(':');
    if (owner !== memberId) return;
    if (kind === 'available') effects.available += sign * r.amount;
    if (kind === 'pending') effects.pending += sign * r.amount;
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
