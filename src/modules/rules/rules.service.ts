import type { Db, Queryable } from '../../db/db.js';
import { AppError, notFound } from '../../errors.js';
import { hashRequest, newId } from '../../lib/ids.js';
import { birthMonth, monthOf, startOfMonth, startOfTehranDay, startOfYear } from '../../lib/tehran-time.js';
import type { ClubSettings, ClubsService } from '../clubs/index.js';
import type { MembersService } from '../members/index.js';
import { enqueueEvents } from '../outbox/index.js';
import type { Contribution, EarnItem, EarningPolicy, PointsService } from '../points/index.js';
import { type CapUsage, type EngineRule, evaluateEvent, evaluateOrder } from './rules.engine.js';
import * as repo from './rules.repo.js';
import type { TMemberEvent, TMemberEventInput, TRule, TRuleInput } from './rules.schema.js';

/** How the rules learn members' tiers, in bulk; the tiers module provides it (absent: no tier). */
export type TierLookup = (
  db: Queryable,
  clubId: string,
  memberIds: string[],
) => Promise<Map<string, { key: string; earningMultiplier: number | null }>>;

/** How the rules learn members' RFM segments (latest insights run); the insights module provides it. */
export type SegmentLookup = (
  db: Queryable,
  clubId: string,
  memberIds: string[],
) => Promise<Map<string, string>>;

/** At most this many live rules per club: every order evaluates all of them. */
export const MAX_RULES_PER_CLUB = 200;

/**
 * Earning rules: their definitions, and the EarningPolicy the ledger asks what an order earns. Facts
 * the rules need (first order, birthday given this year, caps used) are read in bulk per batch, so a
 * batch of 1,000 orders costs a handful of queries, not thousands.
 */
/** Rules are read by every order; a short cache keeps that off the database. Edits here clear it at once. */
const RULES_CACHE_TTL_MS = 5_000;

export class RulesService implements EarningPolicy {
  private tierLookup: TierLookup = async () => new Map();
  private segmentLookup: SegmentLookup = async () => new Map();
  private readonly cache = new Map<string, { rules: EngineRule[]; expiresAt: number }>();

  constructor(
    private readonly db: Db,
    private readonly clubs: ClubsService,
    private readonly members: MembersService,
    private readonly points: PointsService,
    private readonly clock: () => Date,
  ) {}

  setTierLookup(lookup: TierLookup): void {
    this.tierLookup = lookup;
  }

  setSegmentLookup(lookup: SegmentLookup): void {
    this.segmentLookup = lookup;
  }

  async listRules(clubId: string): Promise<TRule[]> {
    return (await repo.listRules(this.db, clubId)).map(toRule);
  }

  async createRule(clubId: string, input: TRuleInput): Promise<TRule> {
    const rule = await this.db.transaction(async (tx) => {
      const live = await repo.listRules(tx, clubId);
      if (live.length >= MAX_RULES_PER_CLUB) {
        throw new AppError(
          'validation_failed',
          `A club has at most ${MAX_RULES_PER_CLUB} rules; archive one first.`,
        );
      }
      checkPriority(live, input.priority, null);
      return toRule(await repo.insertRule(tx, clubId, newId('rule'), toValues(input)));
    });
    // After the commit: a read between an earlier clear and the commit would cache the old rules.
    this.cache.delete(clubId);
    return rule;
  }

  /** Replaces a rule's definition (version + 1). Entries it made before keep what they earned. */
  async updateRule(clubId: string, ruleId: string, input: TRuleInput): Promise<TRule> {
    const rule = await this.db.transaction(async (tx) => {
      checkPriority(await repo.listRules(tx, clubId), input.priority, ruleId);
      const row = await repo.updateRule(tx, clubId, ruleId, toValues(input));
      if (!row) throw notFound('Rule', ruleId);
      return toRule(row);
    });
    this.cache.delete(clubId);
    return rule;
  }

  async archiveRule(clubId: string, ruleId: string): Promise<void> {
    const done = await this.db.transaction((tx) => repo.archiveRule(tx, clubId, ruleId));
    this.cache.delete(clubId);
    if (!done) throw notFound('Rule', ruleId);
  }

  private async engineRules(db: Queryable, clubId: string): Promise<EngineRule[]> {
    const hit = this.cache.get(clubId);
    if (hit && hit.expiresAt > Date.now()) return hit.rules;
    const rules = await this.loadEngineRules(db, clubId);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(clubId, { rules, expiresAt: Date.now() + RULES_CACHE_TTL_MS });
    return rules;
  }

  private async loadEngineRules(db: Queryable, clubId: string): Promise<EngineRule[]> {
    return (await repo.listRules(db, clubId)).map((r) => ({
      id: r.rule_id,
      name: r.name,
      kind: r.kind,
      priority: r.priority,
      config: r.config,
      activeFrom: r.active_from,
      activeTo: r.active_to,
      targetTiers: r.target_tiers,
      targetSegments: r.target_segments,
      capPerOrder: r.cap_per_order,
      capPerMemberPerDay: r.cap_per_member_day,
      capPerMemberPerMonth: r.cap_per_member_month,
      stop: r.stop,
      enabled: r.enabled,
    }));
  }

  /** EarningPolicy: what each order earns, rule by rule; orders of one member are taken in placing order. */
  async computeOrderEarnings(
    tx: Queryable,
    settings: ClubSettings,
    items: EarnItem[],
  ): Promise<Map<string, Contribution[]>> {
    const out = new Map<string, Contribution[]>();
    if (items.length === 0) return out;
    const rules = await this.engineRules(tx, settings.clubId);
    const now = this.clock();
    const memberIds = [...new Set(items.map((i) => i.memberId))];
    const ctx = await this.memberContext(tx, settings, rules, memberIds, now);
    const seenFirst = new Set<string>();
    const sorted = [...items].sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime());
    for (const item of sorted) {
      const m = ctx.members.get(item.memberId)!;
      const isFirstOrder = !m.hasOrders && !seenFirst.has(item.memberId);
      seenFirst.add(item.memberId);
      const contributions = evaluateOrder(
        rules,
        {
          at: item.placedAt,
          totalRials: item.paidRials,
          lines: item.lines,
          tierKey: m.tier?.key ?? null,
          segment: m.segment,
          tierMultiplier: m.tier?.earningMultiplier ?? null,
          isFirstOrder,
          isBirthMonth:
            m.birthDate !== null &&
            birthMonth(m.birthDate, settings.calendar) === monthOf(item.placedAt, settings.calendar),
          birthdayGivenThisYear: ctx.birthdayGiven(item.memberId),
          clubRialsPerPoint: settings.rialsPerPoint,
        },
        (ruleId) => ctx.usage(ruleId, item.memberId),
      );
      ctx.record(item.memberId, contributions);
      out.set(item.orderId, contributions);
    }
    return out;
  }

  /** Facts about members the rules need, read in a few bulk queries. */
  private async memberContext(
    tx: Queryable,
    settings: ClubSettings,
    rules: EngineRule[],
    memberIds: string[],
    now: Date,
  ) {
    const needsTier = rules.some((r) => r.targetTiers.length > 0 || r.kind === 'tier_multiplier');
    const birthdayRules = rules.filter((r) => r.kind === 'birthday').map((r) => r.id);
    const cappedRules = rules
      .filter((r) => r.capPerMemberPerDay != null || r.capPerMemberPerMonth != null)
      .map((r) => r.id);
    // Each fact is read only when a rule needs it: most orders of most clubs need none of them.
    const withOrders = rules.some((r) => r.kind === 'first_order')
      ? await this.points.membersWithOrderLots(tx, settings.clubId, memberIds)
      : new Set<string>();
    const profiles = rules.some((r) => r.kind === 'birthday')
      ? await this.members.profiles(tx, settings.clubId, memberIds)
      : new Map<string, { birthDate: string | null }>();
    const members = new Map<
      string,
      {
        hasOrders: boolean;
        birthDate: string | null;
        tier: { key: string; earningMultiplier: number | null } | null;
        segment: string | null;
      }
    >();
    const tiers = needsTier ? await this.tierLookup(tx, settings.clubId, memberIds) : new Map();
    const segments = rules.some((r) => r.targetSegments.length > 0)
      ? await this.segmentLookup(tx, settings.clubId, memberIds)
      : new Map<string, string>();
    for (const id of memberIds) {
      members.set(id, {
        hasOrders: withOrders.has(id),
        birthDate: profiles.get(id)?.birthDate ?? null,
        tier: tiers.get(id) ?? null,
        segment: segments.get(id) ?? null,
      });
    }
    const dayStart = startOfTehranDay(now);
    const monthStart = startOfMonth(now, settings.calendar);
    const day = new Map<string, number>();
    const month = new Map<string, number>();
    for (const u of await this.points.ruleUsage(tx, settings.clubId, cappedRules, memberIds, monthStart)) {
      month.set(`${u.rule_id}:${u.member_id}`, u.total);
    }
    for (const u of await this.points.ruleUsage(tx, settings.clubId, cappedRules, memberIds, dayStart)) {
      day.set(`${u.rule_id}:${u.member_id}`, u.total);
    }
    const birthday = new Set(
      (
        await this.points.ruleUsage(
          tx,
          settings.clubId,
          birthdayRules,
          memberIds,
          startOfYear(now, settings.calendar),
        )
      ).map((u) => u.member_id),
    );
    return {
      members,
      usage: (ruleId: string, memberId: string): CapUsage => ({
        day: day.get(`${ruleId}:${memberId}`) ?? 0,
        month: month.get(`${ruleId}:${memberId}`) ?? 0,
      }),
      birthdayGiven: (memberId: string) => birthday.has(memberId),
      record: (memberId: string, contributions: Contribution[]) => {
        for (const c of contributions) {
          const key = `${c.ruleId}:${memberId}`;
          day.set(key, (day.get(key) ?? 0) + c.points);
          month.set(key, (month.get(key) ?? 0) + c.points);
          if (c.kind === 'birthday') birthday.add(memberId);
        }
      },
    };
  }

  /** What an order would earn now, rule by rule; writes nothing. */
  async simulate(
    clubId: string,
    input: {
      memberExternalId: string;
      placedAt?: string | undefined;
      totalRials: number;
      lines: EarnItem['lines'];
    },
  ): Promise<{ points: number; contributions: Contribution[] }> {
    const settings = await this.clubs.getSettings(clubId);
    const memberId = await this.members.getMemberId(clubId, input.memberExternalId).catch(() => {
      throw new AppError(
        'member_not_found',
        `Member '${input.memberExternalId}' does not exist in this club.`,
        {
          errors: [{ field: 'memberExternalId', in: 'body', message: 'no such member in this club' }],
        },
      );
    });
    const at = input.placedAt ? new Date(input.placedAt) : this.clock();
    const result = await this.computeOrderEarnings(this.db, settings, [
      {
        orderId: 'simulation',
        memberId,
        placedAt: at,
        paidRials: input.totalRials,
        deliveredAt: null,
        lines: input.lines,
      },
    ]);
    const contributions = result.get('simulation') ?? [];
    return { points: contributions.reduce((s, c) => s + c.points, 0), contributions };
  }

  /**
   * Records a member event (review approved, survey answered, app installed…) once per external id and
   * credits what the event rules give, straight to available.
   */
  async recordEvent(
    clubId: string,
    input: TMemberEventInput,
  ): Promise<{ status: number; body: TMemberEvent }> {
    const settings = await this.clubs.getSettings(clubId);
    const now = this.clock();
    const at = input.at ? new Date(input.at) : now;
    if (at.getTime() > now.getTime() + 86_400_000) {
      throw new AppError('validation_failed', 'at: is more than a day in the future', {
        errors: [{ field: 'at', in: 'body', message: 'is more than a day in the future' }],
      });
    }
    const requestHash = hashRequest(input);
    return this.db.transaction(async (tx) => {
      const memberId = await this.members.getMemberId(clubId, input.memberExternalId, tx).catch(() => {
        throw new AppError(
          'member_not_found',
          `Member '${input.memberExternalId}' does not exist in this club.`,
          {
            errors: [{ field: 'memberExternalId', in: 'body', message: 'no such member in this club' }],
          },
        );
      });
      const eventId = newId('mev');
      const inserted = await repo.insertEvent(tx, clubId, {
        eventId,
        externalId: input.externalId,
        memberId,
        type: input.type,
        at,
        properties: input.properties,
        requestHash,
      });
      if (!inserted) {
        const prior = (await repo.findEvent(tx, clubId, input.externalId))!;
        if (prior.request_hash !== requestHash) {
          throw new AppError(
            'idempotency_conflict',
            `Event '${input.externalId}' was recorded before with a different body.`,
            {
              errors: [{ field: 'externalId', in: 'body', message: 'already used for another event' }],
            },
          );
        }
        const entries = await this.points.entriesBySource(tx, clubId, 'event', prior.event_id);
        return { status: 200, body: toEvent(prior, input.memberExternalId, entries) };
      }
      const rules = await this.engineRules(tx, clubId);
      const eventRules = rules.filter((r) => r.kind === 'event' && r.config.eventType === input.type);
      const segment = rules.some((r) => r.targetSegments.length > 0)
        ? ((await this.segmentLookup(tx, clubId, [memberId])).get(memberId) ?? null)
        : null;
      const tier = rules.some((r) => r.targetTiers.length > 0)
        ? ((await this.tierLookup(tx, clubId, [memberId])).get(memberId) ?? null)
        : null;
      const periodStart = (period: 'day' | 'month' | 'year' | 'lifetime') =>
        period === 'day'
          ? startOfTehranDay(now)
          : period === 'month'
            ? startOfMonth(now, settings.calendar)
            : period === 'year'
              ? startOfYear(now, settings.calendar)
              : new Date(0);
      const counts = new Map<string, number>();
      for (const r of eventRules) {
        const limit = r.config.limit as { period: 'day' | 'month' | 'year' | 'lifetime' } | null | undefined;
        if (!limit) continue;
        const [u] = await this.points.ruleUsage(tx, clubId, [r.id], [memberId], periodStart(limit.period));
        counts.set(r.id, u?.n ?? 0);
      }
      const ids = eventRules.map((r) => r.id);
      const day = new Map(
        (await this.points.ruleUsage(tx, clubId, ids, [memberId], startOfTehranDay(now))).map((u) => [
          u.rule_id,
          u.total,
        ]),
      );
      const month = new Map(
        (await this.points.ruleUsage(tx, clubId, ids, [memberId], startOfMonth(now, settings.calendar))).map(
          (u) => [u.rule_id, u.total],
        ),
      );
      const contributions = evaluateEvent(
        rules,
        {
          type: input.type,
          at,
          segment,
          tierKey: tier?.key ?? null,
          countInPeriod: (ruleId) => counts.get(ruleId) ?? 0,
        },
        (ruleId) => ({ day: day.get(ruleId) ?? 0, month: month.get(ruleId) ?? 0 }),
      );
      const points = await this.points.creditEvent(tx, settings, { memberId, eventId, at, contributions });
      await repo.setEventPoints(tx, clubId, eventId, points);
      await enqueueEvents(tx, clubId, [
        { type: 'member.event', payload: { memberId, eventId, type: input.type, points } },
      ]);
      return {
        status: 201,
        body: {
          id: eventId,
          externalId: input.externalId,
          memberExternalId: input.memberExternalId,
          type: input.type,
          at: at.toISOString(),
          points,
          contributions,
        },
      };
    });
  }
}

function checkPriority(live: repo.RuleRow[], priority: number, self: string | null): void {
  const clash = live.find((r) => r.priority === priority && r.rule_id !== self);
  if (clash) {
    throw new AppError(
      'validation_failed',
      `priority: rule '${clash.name}' already has priority ${priority}`,
      {
        errors: [{ field: 'priority', in: 'body', message: `already used by rule ${clash.rule_id}` }],
      },
    );
  }
}

function toValues(input: TRuleInput): repo.RuleValues {
  return {
    name: input.name,
    kind: input.kind,
    priority: input.priority,
    config: input.config,
    activeFrom: input.activeFrom ? new Date(input.activeFrom) : null,
    activeTo: input.activeTo ? new Date(input.activeTo) : null,
    targetTiers: input.targetTiers,
    targetSegments: input.targetSegments,
    capPerOrder: input.capPerOrder ?? null,
    capPerMemberPerDay: input.capPerMemberPerDay ?? null,
    capPerMemberPerMonth: input.capPerMemberPerMonth ?? null,
    stop: input.stop,
    enabled: input.enabled,
  };
}

function toRule(r: repo.RuleRow): TRule {
  return {
    id: r.rule_id,
    kind: r.kind,
    name: r.name,
    priority: r.priority,
    config: r.config,
    activeFrom: r.active_from?.toISOString() ?? null,
    activeTo: r.active_to?.toISOString() ?? null,
    targetTiers: r.target_tiers,
    targetSegments: r.target_segments,
    capPerOrder: r.cap_per_order,
    capPerMemberPerDay: r.cap_per_member_day,
    capPerMemberPerMonth: r.cap_per_member_month,
    stop: r.stop,
    enabled: r.enabled,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toEvent(
  e: repo.EventRow,
  memberExternalId: string,
  entries: Array<{ ruleId: string | null; amount: number; note: string | null }>,
): TMemberEvent {
  return {
    id: e.event_id,
    externalId: e.external_id,
    memberExternalId,
    type: e.type,
    at: e.at.toISOString(),
    points: e.points,
    contributions: entries.map((x) => ({
      ruleId: x.ruleId ?? '',
      ruleName: '',
      kind: 'event',
      points: x.amount,
      detail: x.note ?? '',
      detailFa: '',
    })),
  };
}
