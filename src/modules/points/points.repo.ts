import type { Queryable } from '../../db/db.js';

/** Why an entry exists. Stable codes: reports and the auditor group by them. */
export type TReason =
  | 'earn_purchase'
  | 'earn_event'
  | 'release_pending'
  | 'expire'
  | 'redeem_reserve'
  | 'redeem_commit'
  | 'redeem_void'
  | 'reverse_return'
  | 'reverse_cancel'
  | 'debt_recorded'
  | 'debt_repaid'
  | 'adjust_manual';

export interface Transfer {
  /** Deterministic per cause; the unique key that makes a retried movement a no-op. */
  transferId: string;
  debit: string;
  credit: string;
  amount: number;
  reason: TReason;
  memberId: string;
  sourceType: 'order' | 'return' | 'adjustment' | 'lot' | 'event' | 'redemption' | 'expiry';
  sourceId: string;
  ruleId?: string | null;
  note?: string | null;
  /** For credits to an available account: when these points expire (null: never). */
  expiresAt?: Date | null;
  /** Who asked for it (API key id or staff user); null for system movements. */
  author?: string | null;
}

export type TMemberAccountKind = 'available' | 'pending' | 'debt' | 'reserved';

export const memberAccount = (memberId: string, kind: TMemberAccountKind): string =>
  `mem:${memberId}:${kind}`;
export const CLUB_ACCOUNTS = {
  issued: 'club:issued',
  reversed: 'club:reversed',
  adjusted: 'club:adjusted',
  redeemed: 'club:redeemed',
  expired: 'club:expired',
} as const;

/**
 * Appends the transfers not posted before (by transfer id) and applies them to the cached member
 * balances in the same statement sequence. Returns the ids actually posted. Account rows are updated
 * in account-id order so concurrent transactions lock them in the same order.
 */
export async function postTransfers(
  tx: Queryable,
  clubId: string,
  transfers: Transfer[],
  at: Date,
): Promise<Set<string>> {
  const live = transfers.filter((t) => t.amount > 0);
  if (live.length === 0) return new Set();
  const { rows } = await tx.query<{ transfer_id: string }>(
    `insert into ledger_entries
       (club_id, transfer_id, debit_account, credit_account, amount, reason, member_id, source_type, source_id, rule_id, note,
        created_at, expires_at, author)
     select $1, t.transfer_id, t.debit, t.credit, t.amount, t.reason, t.member_id, t.source_type, t.source_id, t.rule_id, t.note,
        $12, t.expires_at, t.author
     from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
        $11::text[], $13::timestamptz[], $14::text[])
       as t(transfer_id, debit, credit, amount, reason, member_id, source_type, source_id, rule_id, note, expires_at, author)
     on conflict (club_id, transfer_id) do nothing
     returning transfer_id`,
    [
      clubId,
      live.map((t) => t.transferId),
      live.map((t) => t.debit),
      live.map((t) => t.credit),
      live.map((t) => t.amount),
      live.map((t) => t.reason),
      live.map((t) => t.memberId),
      live.map((t) => t.sourceType),
      live.map((t) => t.sourceId),
      live.map((t) => t.ruleId ?? null),
      live.map((t) => t.note ?? null),
      at,
      live.map((t) => t.expiresAt ?? null),
      live.map((t) => t.author ?? null),
    ],
  );
  const posted = new Set(rows.map((r) => r.transfer_id));
  const deltas = new Map<string, number>();
  for (const t of live) {
    if (!posted.has(t.transferId)) continue;
    if (t.credit.startsWith('mem:')) deltas.set(t.credit, (deltas.get(t.credit) ?? 0) + t.amount);
    if (t.debit.startsWith('mem:')) deltas.set(t.debit, (deltas.get(t.debit) ?? 0) - t.amount);
  }
  const ids = [...deltas.keys()].filter((id) => deltas.get(id) !== 0).sort();
  if (ids.length > 0) {
    const deltaOf = ids.map((id) => deltas.get(id)!);
    // Locked in account-id order first, so two transactions touching the same members cannot deadlock.
    if (ids.length > 1) {
      await tx.query(
        'select 1 from ledger_accounts where club_id = $1 and account_id = any($2::text[]) order by account_id for update',
        [clubId, ids],
      );
    }
    // Update before insert: an INSERT … ON CONFLICT checks the constraints of the row it proposes,
    // so a debit of an existing account would trip the never-negative check there.
    const { rows: updated } = await tx.query<{ account_id: string }>(
      `update ledger_accounts a set balance = a.balance + d.delta, updated_at = now()
       from unnest($2::text[], $3::bigint[]) as d(id, delta)
       where a.club_id = $1 and a.account_id = d.id
       returning a.account_id`,
      [clubId, ids, deltaOf],
    );
    const done = new Set(updated.map((r) => r.account_id));
    const missing = ids.filter((id) => !done.has(id));
    if (missing.length > 0) {
      await tx.query(
        `insert into ledger_accounts (club_id, account_id, member_id, kind, balance)
         select $1, a.id, split_part(a.id, ':', 2), split_part(a.id, ':', 3), a.delta
         from unnest($2::text[], $3::bigint[]) as a(id, delta)
         on conflict (club_id, account_id) do update
           set balance = ledger_accounts.balance + excluded.balance, updated_at = now()`,
        [clubId, missing, missing.map((id) => deltas.get(id)!)],
      );
    }
  }
  return posted;
}

export async function lockMemberBalances(
  tx: Queryable,
  clubId: string,
  memberId: string,
): Promise<Record<TMemberAccountKind, number>> {
  const { rows } = await tx.query<{ kind: TMemberAccountKind; balance: number }>(
    `select kind, balance from ledger_accounts where club_id = $1 and member_id = $2 order by account_id for update`,
    [clubId, memberId],
  );
  const out = { available: 0, pending: 0, debt: 0, reserved: 0 };
  for (const r of rows) out[r.kind] = r.balance;
  return out;
}

export async function readMemberBalances(
  db: Queryable,
  clubId: string,
  memberId: string,
): Promise<Record<TMemberAccountKind, number>> {
  const { rows } = await db.query<{ kind: TMemberAccountKind; balance: number }>(
    'select kind, balance from ledger_accounts where club_id = $1 and member_id = $2',
    [clubId, memberId],
  );
  const out = { available: 0, pending: 0, debt: 0, reserved: 0 };
  for (const r of rows) out[r.kind] = r.balance;
  return out;
}

/** Points ever earned (purchases and positive adjustments) net of what returns and cancellations took back. */
export async function lifetimeEarned(db: Queryable, clubId: string, memberId: string): Promise<number> {
  const { rows } = await db.query<{ total: number }>(
    `select coalesce(sum(case
        when reason in ('earn_purchase', 'earn_event') then amount
        when reason = 'adjust_manual' and credit_account like 'mem:%' then amount
        when reason in ('reverse_return', 'reverse_cancel', 'debt_recorded') then -amount
        else 0 end), 0)::bigint as total
     from ledger_entries where club_id = $1 and member_id = $2`,
    [clubId, memberId],
  );
  return rows[0]?.total ?? 0;
}

export interface EntryRow {
  entry_no: number;
  transfer_id: string;
  debit_account: string;
  credit_account: string;
  amount: number;
  reason: TReason;
  source_type: string;
  source_id: string;
  rule_id: string | null;
  note: string | null;
  created_at: Date;
}

export async function listMemberEntries(
  db: Queryable,
  clubId: string,
  memberId: string,
  opts: { beforeEntryNo?: number | undefined; limit: number },
): Promise<EntryRow[]> {
  const { rows } = await db.query<EntryRow>(
    `select entry_no, transfer_id, debit_account, credit_account, amount, reason, source_type, source_id, rule_id, note, created_at
     from ledger_entries where club_id = $1 and member_id = $2 and ($3::bigint is null or entry_no < $3)
     order by entry_no desc limit $4`,
    [clubId, memberId, opts.beforeEntryNo ?? null, opts.limit],
  );
  return rows;
}

export interface LotRow {
  lot_id: string;
  member_id: string;
  source_id: string;
  points_earned: number;
  points_reversed: number;
  state: 'pending' | 'available';
  available_at: Date | null;
}

export async function insertLots(
  tx: Queryable,
  clubId: string,
  lots: Array<{
    lotId: string;
    memberId: string;
    sourceType: string;
    sourceId: string;
    points: number;
    availableAt: Date | null;
    state?: 'pending' | 'available';
  }>,
): Promise<void> {
  if (lots.length === 0) return;
  await tx.query(
    `insert into point_lots (club_id, lot_id, member_id, source_type, source_id, points_earned, state, available_at)
     select $1, l.lot_id, l.member_id, l.source_type, l.source_id, l.points, l.state, l.available_at
     from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::timestamptz[], $8::text[])
       as l(lot_id, member_id, source_type, source_id, points, available_at, state)
     on conflict do nothing`,
    [
      clubId,
      lots.map((l) => l.lotId),
      lots.map((l) => l.memberId),
      lots.map((l) => l.sourceType),
      lots.map((l) => l.sourceId),
      lots.map((l) => l.points),
      lots.map((l) => l.availableAt),
      lots.map((l) => l.state ?? 'pending'),
    ],
  );
}

export async function lockLot(tx: Queryable, clubId: string, lotId: string): Promise<LotRow | null> {
  const { rows } = await tx.query<LotRow>(
    `select lot_id, member_id, source_id, points_earned, points_reversed, state, available_at
     from point_lots where club_id = $1 and lot_id = $2 for update`,
    [clubId, lotId],
  );
  return rows[0] ?? null;
}

export async function findLots(db: Queryable, clubId: string, lotIds: string[]): Promise<LotRow[]> {
  const { rows } = await db.query<LotRow>(
    `select lot_id, member_id, source_id, points_earned, points_reversed, state, available_at
     from point_lots where club_id = $1 and lot_id = any($2::text[])`,
    [clubId, lotIds],
  );
  return rows;
}

export async function addLotReversal(
  tx: Queryable,
  clubId: string,
  lotId: string,
  points: number,
): Promise<void> {
  await tx.query(
    'update point_lots set points_reversed = points_reversed + $3, updated_at = now() where club_id = $1 and lot_id = $2',
    [clubId, lotId, points],
  );
}

export async function setLotAvailableAt(
  tx: Queryable,
  clubId: string,
  lotId: string,
  at: Date,
): Promise<void> {
  await tx.query(
    `update point_lots set available_at = $3, updated_at = now()
     where club_id = $1 and lot_id = $2 and state = 'pending'`,
    [clubId, lotId, at],
  );
}

/** Locks matured pending lots (skipping ones another transaction holds) and marks them available. */
export async function takeMaturedLots(
  tx: Queryable,
  clubId: string,
  now: Date,
  opts: { memberId?: string | undefined; limit: number },
): Promise<LotRow[]> {
  const { rows } = await tx.query<LotRow>(
    `update point_lots l set state = 'available', updated_at = now()
     from (
       select lot_id from point_lots
       where club_id = $1 and state = 'pending' and available_at <= $2 and ($3::text is null or member_id = $3)
       order by available_at limit $4 for update skip locked
     ) due
     where l.club_id = $1 and l.lot_id = due.lot_id
     returning l.lot_id, l.member_id, l.source_id, l.points_earned, l.points_reversed, l.state, l.available_at`,
    [clubId, now, opts.memberId ?? null, opts.limit],
  );
  return rows;
}

export async function membersWithDebt(tx: Queryable, clubId: string, memberIds: string[]): Promise<string[]> {
  if (memberIds.length === 0) return [];
  const { rows } = await tx.query<{ member_id: string }>(
    `select member_id from ledger_accounts
     where club_id = $1 and member_id = any($2::text[]) and kind = 'debt' and balance < 0`,
    [clubId, memberIds],
  );
  return rows.map((r) => r.member_id);
}

/** Every discrepancy between cached balances and the entries, and the club's grand total. */
export async function auditClub(
  db: Queryable,
  clubId: string,
): Promise<{ total: number; mismatches: Array<{ account_id: string; cached: number; derived: number }> }> {
  // Cached member balances plus the club accounts derived from entries: zero when every entry was
  // applied to the cache exactly once.
  const { rows: totals } = await db.query<{ total: number }>(
    `select (select coalesce(sum(balance), 0) from ledger_accounts where club_id = $1)
          + (select coalesce(sum(case when credit_account like 'club:%' then amount else 0 end)
                           - sum(case when debit_account like 'club:%' then amount else 0 end), 0)
             from ledger_entries where club_id = $1) as total`,
    [clubId],
  );
  const { rows: mismatches } = await db.query<{ account_id: string; cached: number; derived: number }>(
    `with derived as (
       select account_id, sum(delta)::bigint as derived from (
         select credit_account as account_id, amount as delta from ledger_entries where club_id = $1
         union all
         select debit_account, -amount from ledger_entries where club_id = $1
       ) m group by account_id
     )
     select coalesce(a.account_id, d.account_id) as account_id, coalesce(a.balance, 0)::bigint as cached,
            coalesce(d.derived, 0)::bigint as derived
     from (select account_id, balance from ledger_accounts where club_id = $1) a
     full join (select * from derived where account_id like 'mem:%') d on d.account_id = a.account_id
     where coalesce(a.balance, 0) <> coalesce(d.derived, 0)`,
    [clubId],
  );
  return { total: totals[0]?.total ?? 0, mismatches };
}

/** Balances of every account of a club (members cached, club accounts derived), for the zero-sum check. */
export async function accountBalances(db: Queryable, clubId: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ account_id: string; balance: number }>(
    `select account_id, sum(delta)::bigint as balance from (
       select credit_account as account_id, amount as delta from ledger_entries where club_id = $1
       union all
       select debit_account, -amount from ledger_entries where club_id = $1
     ) m group by account_id`,
    [clubId],
  );
  return new Map(rows.map((r) => [r.account_id, r.balance]));
}

/** What one entry adds to "points earned" (the tiers' points measure): one definition for both reads below. */
const EARNED_DELTA = `case
        when reason in ('earn_purchase', 'earn_event') then amount
        when reason = 'adjust_manual' and credit_account like 'mem:%' then amount
        when reason in ('reverse_return', 'reverse_cancel', 'debt_recorded') then -amount
        else 0 end`;

/** Points a member earned (purchases, events, positive adjustments) net of reversals, in [from, to). */
export async function earnedBetween(
  db: Queryable,
  clubId: string,
  memberId: string,
  from: Date,
  to: Date,
): Promise<number> {
  const { rows } = await db.query<{ total: number }>(
    `select coalesce(sum(${EARNED_DELTA}), 0)::bigint as total
     from ledger_entries where club_id = $1 and member_id = $2 and created_at >= $3 and created_at < $4`,
    [clubId, memberId, from, to],
  );
  return rows[0]?.total ?? 0;
}

/** earnedBetween for every member of a club with entries in [from, to), in one scan (the auditor's read). */
export async function earnedBetweenByMember(
  db: Queryable,
  clubId: string,
  from: Date,
  to: Date,
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ member_id: string; total: number }>(
    `select member_id, coalesce(sum(${EARNED_DELTA}), 0)::bigint as total
     from ledger_entries where club_id = $1 and member_id is not null and created_at >= $2 and created_at < $3
     group by member_id`,
    [clubId, from, to],
  );
  return new Map(rows.map((r) => [r.member_id, r.total]));
}

/**
 * Entries whose transfer id starts with `prefix` (a campaign's points grants are
 * `adjust:campaign:<campaign>:<member>:<reference>`), for the auditor.
 */
export async function entriesByTransferPrefix(
  db: Queryable,
  clubId: string,
  prefix: string,
): Promise<
  Array<{
    transfer_id: string;
    member_id: string | null;
    amount: number;
    reason: string;
    credit_account: string;
  }>
> {
  const { rows } = await db.query<{
    transfer_id: string;
    member_id: string | null;
    amount: number;
    reason: string;
    credit_account: string;
  }>(
    `select transfer_id, member_id, amount, reason, credit_account from ledger_entries
     where club_id = $1 and starts_with(transfer_id, $2) order by entry_no`,
    [clubId, prefix],
  );
  return rows;
}

/** Points (and entries) each rule gave each member since a time: for caps, limits and once-a-year rules. */
export async function ruleUsage(
  db: Queryable,
  clubId: string,
  ruleIds: string[],
  memberIds: string[],
  since: Date,
): Promise<Array<{ rule_id: string; member_id: string; total: number; n: number }>> {
  if (ruleIds.length === 0 || memberIds.length === 0) return [];
  const { rows } = await db.query<{ rule_id: string; member_id: string; total: number; n: number }>(
    `select rule_id, member_id, sum(amount)::bigint as total, count(*)::int as n from ledger_entries
     where club_id = $1 and rule_id = any($2::text[]) and member_id = any($3::text[]) and created_at >= $4
       and reason in ('earn_purchase', 'earn_event')
     group by rule_id, member_id`,
    [clubId, ruleIds, memberIds, since],
  );
  return rows;
}

/** Members who already have a points lot from an order (so their next order is not their first). */
export async function membersWithOrderLots(
  db: Queryable,
  clubId: string,
  memberIds: string[],
): Promise<Set<string>> {
  if (memberIds.length === 0) return new Set();
  const { rows } = await db.query<{ member_id: string }>(
    `select distinct member_id from point_lots where club_id = $1 and member_id = any($2::text[]) and source_type = 'order'`,
    [clubId, memberIds],
  );
  return new Set(rows.map((r) => r.member_id));
}

export async function entriesBySource(
  db: Queryable,
  clubId: string,
  sourceType: string,
  sourceId: string,
): Promise<EntryRow[]> {
  const { rows } = await db.query<EntryRow>(
    `select entry_no, transfer_id, debit_account, credit_account, amount, reason, source_type, source_id, rule_id, note, created_at
     from ledger_entries where club_id = $1 and source_type = $2 and source_id = $3 order by entry_no`,
    [clubId, sourceType, sourceId],
  );
  return rows;
}

/**
 * First in, first out without per-lot bookkeeping: what expires by `at` is what was credited to the
 * member's available account with an expiry at or before `at`, less everything taken out of it since
 * (spending, reversals, debt repayment, earlier expiry), counting reservations only once committed.
 */
export async function expiryDue(
  db: Queryable,
  clubId: string,
  at: Date,
  opts: { memberId?: string | undefined; limit: number },
): Promise<Array<{ member_id: string; due: number }>> {
  const { rows } = await db.query<{ member_id: string; due: number }>(
    `with credits as (
       select member_id, sum(amount) as c from ledger_entries
       where club_id = $1 and expires_at is not null and expires_at <= $2 and credit_account like 'mem:%:available'
         and ($3::text is null or member_id = $3)
       group by member_id
     ), used as (
       select e.member_id, sum(e.amount) as d from ledger_entries e join credits c on c.member_id = e.member_id
       where e.club_id = $1 and (
         (e.debit_account like 'mem:%:available' and e.reason <> 'redeem_reserve')
         or e.reason = 'redeem_commit')
       group by e.member_id
     )
     select c.member_id, (c.c - coalesce(u.d, 0))::bigint as due from credits c left join used u on u.member_id = c.member_id
     where c.c - coalesce(u.d, 0) > 0 order by c.member_id limit $4`,
    [clubId, at, opts.memberId ?? null, opts.limit],
  );
  return rows;
}

/** The member's credits that carry an expiry, oldest expiry first, and everything used so far. */
export async function expiryLedger(
  db: Queryable,
  clubId: string,
  memberId: string,
): Promise<{ credits: Array<{ expires_at: Date; amount: number }>; used: number }> {
  const { rows: credits } = await db.query<{ expires_at: Date; amount: number }>(
    `select expires_at, sum(amount)::bigint as amount from ledger_entries
     where club_id = $1 and member_id = $2 and expires_at is not null and credit_account like 'mem:%:available'
     group by expires_at order by expires_at`,
    [clubId, memberId],
  );
  const { rows } = await db.query<{ d: number }>(
    `select coalesce(sum(amount), 0)::bigint as d from ledger_entries
     where club_id = $1 and member_id = $2 and (
       (debit_account like 'mem:%:available' and reason <> 'redeem_reserve') or reason = 'redeem_commit')`,
    [clubId, memberId],
  );
  return { credits, used: rows[0]?.d ?? 0 };
}

export interface RedemptionRow {
  redemption_id: string;
  member_id: string;
  order_external_id: string;
  points: number;
  value_rials: number;
  status: 'pending' | 'committed' | 'voided' | 'expired';
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
}

const REDEMPTION_COLUMNS =
  'redemption_id, member_id, order_external_id, points, value_rials, status, expires_at, created_at, updated_at';

export async function insertRedemption(
  tx: Queryable,
  clubId: string,
  r: {
    redemptionId: string;
    memberId: string;
    orderExternalId: string;
    points: number;
    valueRials: number;
    expiresAt: Date;
    at: Date;
  },
): Promise<RedemptionRow> {
  const { rows } = await tx.query<RedemptionRow>(
    `insert into redemptions (club_id, redemption_id, member_id, order_external_id, points, value_rials, status, expires_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8) returning ${REDEMPTION_COLUMNS}`,
    [clubId, r.redemptionId, r.memberId, r.orderExternalId, r.points, r.valueRials, r.expiresAt, r.at],
  );
  return rows[0]!;
}

export async function lockRedemption(
  tx: Queryable,
  clubId: string,
  redemptionId: string,
): Promise<RedemptionRow | null> {
  const { rows } = await tx.query<RedemptionRow>(
    `select ${REDEMPTION_COLUMNS} from redemptions where club_id = $1 and redemption_id = $2 for update`,
    [clubId, redemptionId],
  );
  return rows[0] ?? null;
}

export async function setRedemptionStatus(
  tx: Queryable,
  clubId: string,
  redemptionId: string,
  status: RedemptionRow['status'],
  at: Date,
): Promise<RedemptionRow> {
  const { rows } = await tx.query<RedemptionRow>(
    `update redemptions set status = $3, updated_at = $4 where club_id = $1 and redemption_id = $2 returning ${REDEMPTION_COLUMNS}`,
    [clubId, redemptionId, status, at],
  );
  return rows[0]!;
}

export async function dueReservations(
  tx: Queryable,
  clubId: string,
  now: Date,
  opts: { memberId?: string | undefined; limit: number },
): Promise<string[]> {
  const { rows } = await tx.query<{ redemption_id: string }>(
    `select redemption_id from redemptions where club_id = $1 and status = 'pending' and expires_at <= $2
       and ($3::text is null or member_id = $3) order by expires_at limit $4`,
    [clubId, now, opts.memberId ?? null, opts.limit],
  );
  return rows.map((r) => r.redemption_id);
}

export async function insertReminder(
  tx: Queryable,
  clubId: string,
  memberId: string,
  expiresAt: Date,
  points: number,
): Promise<boolean> {
  const res = await tx.query(
    'insert into expiry_reminders (club_id, member_id, expires_at, points) values ($1, $2, $3, $4) on conflict do nothing',
    [clubId, memberId, expiresAt, points],
  );
  return res.rowCount > 0;
}

export async function upcomingExpiries(
  db: Queryable,
  clubId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ member_id: string }>(
    `select distinct member_id from ledger_entries
     where club_id = $1 and expires_at > $2 and expires_at <= $3 and credit_account like 'mem:%:available' limit $4`,
    [clubId, from, to, limit],
  );
  return rows.map((r) => r.member_id);
}
