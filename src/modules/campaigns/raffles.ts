import { createHash, randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import type { Services } from '../../http/types.js';
import { newId } from '../../lib/ids.js';
import { enqueueEvents } from '../outbox/index.js';
import type { RewardRow } from '../rewards/index.js';
import type { TCreateRaffle, TRaffle, TSegment } from './campaigns.schema.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const DRAW_ALGORITHM =
  'seed = secretSeed, or secretSeed + ":" + publicSeed when a public seed was given; ' +
  'digest = sha256(seed + "\\n" + entryIds sorted ascending and joined by "\\n"); ' +
  'for k = 0, 1, 2, …: pick index = (sha256(digest + ":" + k) read as a big-endian integer) mod (entries left), ' +
  'remove that entry; a member who already won is skipped; stop when every prize has a winner or no entry is left.';

/** The draw, as a pure function anyone can run again from the published seed and entry list. */
export function drawWinners(
  seed: string,
  entries: Array<{ id: string; memberId: string }>,
  count: number,
): Array<{ id: string; memberId: string }> {
  const left = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const digest = sha256(`${seed}\n${left.map((e) => e.id).join('\n')}`);
  const winners: Array<{ id: string; memberId: string }> = [];
  const won = new Set<string>();
  for (let k = 0; winners.length < count && left.length > 0; k++) {
    const idx = Number(BigInt(`0x${sha256(`${digest}:${k}`)}`) % BigInt(left.length));
    const [picked] = left.splice(idx, 1);
    if (picked && !won.has(picked.memberId)) {
      winners.push(picked);
      won.add(picked.memberId);
    }
  }
  return winners;
}

interface RaffleRow {
  raffle_id: string;
  name: string;
  description: string | null;
  status: 'open' | 'drawn';
  entry_cost_points: number;
  max_entries_per_member: number;
  segment: TSegment;
  closes_at: Date;
  prizes: Array<{ nameFa: string; points: number }>;
  seed_commitment: string;
  secret_seed: string;
  public_seed: string | null;
  drawn_at: Date | null;
}

interface WinnerRow {
  raffle_id: string;
  rank: number;
  entry_id: string;
  external_id: string;
  prize: { nameFa: string };
}

function toRaffle(r: RaffleRow, entries: number, winners: WinnerRow[]): TRaffle {
  return {
    id: r.raffle_id,
    name: r.name,
    description: r.description,
    status: r.status,
    entryCostPoints: Number(r.entry_cost_points),
    maxEntriesPerMember: r.max_entries_per_member,
    closesAt: r.closes_at.toISOString(),
    prizes: r.prizes,
    entries,
    seedCommitment: r.seed_commitment,
    // The secret seed is revealed only after the draw: before it, knowing it would let one predict the winners.
    seed: r.status === 'drawn' ? r.secret_seed : null,
    publicSeed: r.public_seed,
    drawnAt: r.drawn_at?.toISOString() ?? null,
    winners: winners
      .filter((w) => w.raffle_id === r.raffle_id)
      .map((w) => ({
        rank: w.rank,
        entryId: w.entry_id,
        memberExternalId: w.external_id,
        prize: w.prize.nameFa,
      })),
  };
}

export class RafflesService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
    private readonly inSegment: (clubId: string, segment: TSegment, memberId: string) => Promise<boolean>,
    private readonly clock: () => Date,
  ) {}

  async create(clubId: string, input: TCreateRaffle): Promise<TRaffle> {
    if (Date.parse(input.closesAt) <= this.clock().getTime()) {
      throw new AppError('validation_failed', 'closesAt: must be in the future', {
        errors: [{ field: 'closesAt', in: 'body', message: 'must be in the future' }],
      });
    }
    const secret = randomBytes(32).toString('hex');
    const id = newId('rfl');
    await this.db.query(
      `insert into raffles (club_id, raffle_id, name, description, status, entry_cost_points, max_entries_per_member,
         segment, closes_at, prizes, seed_commitment, secret_seed, created_at)
       values ($1, $2, $3, $4, 'open', $5, $6, $7::jsonb, $8, $9::jsonb, $10, $11, $12)`,
      [
        clubId,
        id,
        input.name,
        input.description ?? null,
        input.entryCostPoints,
        input.maxEntriesPerMember,
        JSON.stringify(input.segment),
        input.closesAt,
        JSON.stringify(input.prizes),
        sha256(secret),
        secret,
        this.clock(),
      ],
    );
    return this.get(clubId, id);
  }

  private async row(db: Queryable, clubId: string, id: string, lock = false): Promise<RaffleRow> {
    const { rows } = await db.query<RaffleRow>(
      `select * from raffles where club_id = $1 and raffle_id = $2${lock ? ' for update' : ''}`,
      [clubId, id],
    );
    if (!rows[0]) throw notFound('Raffle', id);
    return rows[0];
  }

  async get(clubId: string, id: string): Promise<TRaffle> {
    const r = await this.row(this.db, clubId, id);
    const { rows: count } = await this.db.query<{ n: number }>(
      'select count(*)::int as n from raffle_entries where club_id = $1 and raffle_id = $2',
      [clubId, id],
    );
    return toRaffle(r, count[0]?.n ?? 0, await this.winners(clubId, [id]));
  }

  /** The club's raffles, newest first: two queries whatever their number, for the dashboard's list. */
  async list(clubId: string, limit = 200): Promise<TRaffle[]> {
    const { rows } = await this.db.query<RaffleRow & { entries: number }>(
      `select r.*, (select count(*)::int from raffle_entries e
                     where e.club_id = r.club_id and e.raffle_id = r.raffle_id) as entries
         from raffles r where r.club_id = $1 order by r.created_at desc, r.raffle_id desc limit $2`,
      [clubId, limit],
    );
    const winners = await this.winners(
      clubId,
      rows.map((r) => r.raffle_id),
    );
    return rows.map((r) => toRaffle(r, r.entries, winners));
  }

  private async winners(clubId: string, raffleIds: string[]) {
    if (raffleIds.length === 0) return [];
    const { rows } = await this.db.query<WinnerRow>(
      `select w.raffle_id, w.rank, w.entry_id, m.external_id, w.prize from raffle_winners w
       join members m on m.club_id = w.club_id and m.member_id = w.member_id
       where w.club_id = $1 and w.raffle_id = any($2::text[]) order by w.raffle_id, w.rank`,
      [clubId, raffleIds],
    );
    return rows;
  }

  /** The entry itself, inside the caller's transaction (points entries and raffle-ticket rewards). */
  async insertEntry(
    tx: Queryable,
    clubId: string,
    raffleId: string,
    memberId: string,
    via: 'points' | 'qualified' | 'reward',
    redemptionId: string | null,
  ): Promise<string> {
    const r = await this.row(tx, clubId, raffleId, true);
    if (r.status !== 'open' || r.closes_at <= this.clock()) {
      throw new AppError('raffle_not_open', `Raffle ${raffleId} is closed.`);
    }
    const { rows } = await tx.query<{ n: number }>(
      'select count(*)::int as n from raffle_entries where club_id = $1 and raffle_id = $2 and member_id = $3',
      [clubId, raffleId, memberId],
    );
    if ((rows[0]?.n ?? 0) >= r.max_entries_per_member) {
      throw new AppError('raffle_not_open', `The member already has ${r.max_entries_per_member} entries.`, {
        reason: 'entry_limit',
      });
    }
    const entryId = newId('rfe');
    await tx.query(
      `insert into raffle_entries (club_id, raffle_id, entry_id, member_id, via, redemption_id, created_at)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [clubId, raffleId, entryId, memberId, via, redemptionId, this.clock()],
    );
    return entryId;
  }

  /** The issuer the rewards catalog calls for a raffle_ticket reward. */
  rewardIssuer = async (tx: Queryable, clubId: string, memberId: string, reward: RewardRow) => {
    const raffleId = String(reward.config.raffleId);
    const entryId = await this.insertEntry(tx, clubId, raffleId, memberId, 'reward', null);
    return { raffleId, entryId };
  };

  /**
   * Enters a member: with points (reserve → enter → commit, void on failure) or, for a free raffle,
   * by qualifying through its segment.
   */
  async enter(clubId: string, raffleId: string, memberExternalId: string) {
    const r = await this.row(this.db, clubId, raffleId);
    const memberId = await this.services.members.getMemberId(clubId, memberExternalId);
    if (r.status !== 'open' || r.closes_at <= this.clock())
      throw new AppError('raffle_not_open', `Raffle ${raffleId} is closed.`);
    if (r.entry_cost_points === 0) {
      if (!(await this.inSegment(clubId, r.segment, memberId))) {
        throw new AppError('raffle_not_open', 'The member does not qualify for this raffle.', {
          reason: 'not_qualified',
        });
      }
      const id = await this.db.transaction((tx) =>
        this.insertEntry(tx, clubId, raffleId, memberId, 'qualified', null),
      );
      return { id, memberExternalId, via: 'qualified', createdAt: this.clock().toISOString() };
    }
    const reserved = await this.services.points.reserve(
      clubId,
      memberExternalId,
      { points: r.entry_cost_points, orderExternalId: `raffle:${raffleId}` },
      undefined,
    );
    let id: string;
    try {
      id = await this.db.transaction((tx) =>
        this.insertEntry(tx, clubId, raffleId, memberId, 'points', reserved.body.id),
      );
    } catch (err) {
      await this.services.points.void(clubId, memberExternalId, reserved.body.id);
      throw err;
    }
    await this.services.points.commit(clubId, memberExternalId, reserved.body.id);
    return { id, memberExternalId, via: 'points', createdAt: this.clock().toISOString() };
  }

  /**
   * The member's view (the portal): open raffles with their own entries and whether they may enter,
   * and the drawn raffles they entered (the last 10) with what they won. Other members are not named.
   */
  async listForMember(clubId: string, memberId: string) {
    const now = this.clock();
    const { rows } = await this.db.query<RaffleRow & { mine: number }>(
      `select r.*, (select count(*)::int from raffle_entries e
                     where e.club_id = r.club_id and e.raffle_id = r.raffle_id and e.member_id = $2) as mine
         from raffles r
        where r.club_id = $1 and ((r.status = 'open' and r.closes_at > $3)
              or (r.status = 'drawn' and exists (select 1 from raffle_entries e
                    where e.club_id = r.club_id and e.raffle_id = r.raffle_id and e.member_id = $2)))
        order by r.status desc, r.closes_at, r.raffle_id limit 50`,
      [clubId, memberId, now],
    );
    const open = rows.filter((r) => r.status === 'open');
    const drawn = rows.filter((r) => r.status === 'drawn').slice(0, 10);
    const { rows: won } = await this.db.query<{ raffle_id: string; rank: number; prize: { nameFa: string } }>(
      `select raffle_id, rank, prize from raffle_winners where club_id = $1 and member_id = $2
          and raffle_id = any($3::text[])`,
      [clubId, memberId, drawn.map((r) => r.raffle_id)],
    );
    const view = async (r: RaffleRow & { mine: number }) => {
      let reason: 'entry_limit' | 'not_qualified' | null = null;
      if (r.mine >= r.max_entries_per_member) reason = 'entry_limit';
      else if (Number(r.entry_cost_points) === 0 && !(await this.inSegment(clubId, r.segment, memberId)))
        reason = 'not_qualified';
      return {
        id: r.raffle_id,
        name: r.name,
        description: r.description,
        status: r.status,
        entryCostPoints: Number(r.entry_cost_points),
        maxEntriesPerMember: r.max_entries_per_member,
        closesAt: r.closes_at.toISOString(),
        prizes: r.prizes.map((p) => p.nameFa),
        myEntries: r.mine,
        canEnter: r.status === 'open' && reason === null,
        reason,
        drawnAt: r.drawn_at?.toISOString() ?? null,
        won: won.find((w) => w.raffle_id === r.raffle_id)?.prize.nameFa ?? null,
      };
    };
    const items = [];
    for (const r of [...open, ...drawn]) items.push(await view(r));
    return items;
  }

  async entries(clubId: string, raffleId: string) {
    await this.row(this.db, clubId, raffleId);
    const { rows } = await this.db.query<{
      entry_id: string;
      member_id: string;
      external_id: string;
      via: string;
      created_at: Date;
    }>(
      `select e.entry_id, e.member_id, m.external_id, e.via, e.created_at from raffle_entries e
       join members m on m.club_id = e.club_id and m.member_id = e.member_id
       where e.club_id = $1 and e.raffle_id = $2 order by e.entry_id`,
      [clubId, raffleId],
    );
    return rows;
  }

  /** Draws once: reveals the seed, records the winners, then credits prize points (idempotent keys). */
  async draw(
    clubId: string,
    raffleId: string,
    publicSeed: string | undefined,
    author: string | null,
  ): Promise<TRaffle> {
    const entries = await this.entries(clubId, raffleId);
    const now = this.clock();
    const winners = await this.db.transaction(async (tx) => {
      const r = await this.row(tx, clubId, raffleId, true);
      if (r.status === 'drawn')
        throw new AppError('raffle_not_open', `Raffle ${raffleId} was already drawn.`);
      const seed = publicSeed ? `${r.secret_seed}:${publicSeed}` : r.secret_seed;
      // Members are named by their external ids in the draw, as in the published entry list.
      const picked = drawWinners(
        seed,
        entries.map((e) => ({ id: e.entry_id, memberId: e.external_id })),
        r.prizes.length,
      );
      for (const [i, w] of picked.entries()) {
        const internal = entries.find((e) => e.entry_id === w.id)!.member_id;
        await tx.query(
          `insert into raffle_winners (club_id, raffle_id, rank, entry_id, member_id, prize) values ($1, $2, $3, $4, $5, $6::jsonb)`,
          [clubId, raffleId, i + 1, w.id, internal, JSON.stringify(r.prizes[i])],
        );
      }
      await tx.query(
        `update raffles set status = 'drawn', public_seed = $3, drawn_at = $4 where club_id = $1 and raffle_id = $2`,
        [clubId, raffleId, publicSeed ?? null, now],
      );
      await enqueueEvents(tx, clubId, [
        { type: 'raffle.drawn', payload: { raffleId, winners: picked.map((w) => w.memberId) } },
      ]);
      return picked.map((w, i) => ({ ...w, prize: r.prizes[i]! }));
    });
    for (const [i, w] of winners.entries()) {
      if (w.prize.points <= 0) continue;
      await this.services.points.adjust(
        clubId,
        w.memberId,
        { points: w.prize.points, reason: `جایزهٔ قرعه‌کشی: ${w.prize.nameFa}` },
        `raffle:${raffleId}:${i + 1}`,
        author,
      );
      await this.db.query(
        'update raffle_winners set granted_at = $4 where club_id = $1 and raffle_id = $2 and rank = $3',
        [clubId, raffleId, i + 1, this.clock()],
      );
    }
    return this.get(clubId, raffleId);
  }

  async verification(clubId: string, raffleId: string) {
    const r = await this.row(this.db, clubId, raffleId);
    if (r.status !== 'drawn')
      throw new AppError('raffle_not_open', 'The raffle has not been drawn yet; the seed is still secret.');
    const entries = await this.entries(clubId, raffleId);
    const recorded = (await this.get(clubId, raffleId)).winners.map((w) => w.entryId);
    const seed = r.public_seed ? `${r.secret_seed}:${r.public_seed}` : r.secret_seed;
    const again = drawWinners(
      seed,
      entries.map((e) => ({ id: e.entry_id, memberId: e.external_id })),
      r.prizes.length,
    );
    return {
      algorithm: DRAW_ALGORITHM,
      seedCommitment: r.seed_commitment,
      seed: r.secret_seed,
      publicSeed: r.public_seed,
      entryIds: entries.map((e) => e.entry_id),
      entryMembers: entries.map((e) => e.external_id),
      winners: recorded,
      verified:
        sha256(r.secret_seed) === r.seed_commitment && again.map((w) => w.id).join() === recorded.join(),
    };
  }
}
