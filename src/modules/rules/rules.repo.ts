import type { Queryable } from '../../db/db.js';
import type { TRuleKind } from './rules.schema.js';

export interface RuleRow {
  rule_id: string;
  name: string;
  kind: TRuleKind;
  priority: number;
  config: Record<string, unknown>;
  active_from: Date | null;
  active_to: Date | null;
  target_tiers: string[];
  target_segments: string[];
  cap_per_order: number | null;
  cap_per_member_day: number | null;
  cap_per_member_month: number | null;
  stop: boolean;
  enabled: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `rule_id, name, kind, priority, config, active_from, active_to, target_tiers, target_segments, cap_per_order,
  cap_per_member_day, cap_per_member_month, stop, enabled, version, created_at, updated_at`;

export interface RuleValues {
  name: string;
  kind: TRuleKind;
  priority: number;
  config: unknown;
  activeFrom: Date | null;
  activeTo: Date | null;
  targetTiers: string[];
  targetSegments: string[];
  capPerOrder: number | null;
  capPerMemberPerDay: number | null;
  capPerMemberPerMonth: number | null;
  stop: boolean;
  enabled: boolean;
}

function params(v: RuleValues): unknown[] {
  return [
    v.name,
    v.kind,
    v.priority,
    JSON.stringify(v.config),
    v.activeFrom,
    v.activeTo,
    v.targetTiers,
    v.capPerOrder,
    v.capPerMemberPerDay,
    v.capPerMemberPerMonth,
    v.stop,
    v.enabled,
    v.targetSegments,
  ];
}

export async function listRules(db: Queryable, clubId: string): Promise<RuleRow[]> {
  const { rows } = await db.query<RuleRow>(
    `select ${COLUMNS} from earning_rules where club_id = $1 and archived_at is null order by priority`,
    [clubId],
  );
  return rows;
}

export async function insertRule(
  tx: Queryable,
  clubId: string,
  ruleId: string,
  v: RuleValues,
): Promise<RuleRow> {
  const { rows } = await tx.query<RuleRow>(
    `insert into earning_rules (club_id, rule_id, name, kind, priority, config, active_from, active_to, target_tiers,
       cap_per_order, cap_per_member_day, cap_per_member_month, stop, enabled, target_segments)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::text[], $10, $11, $12, $13, $14, $15::text[])
     returning ${COLUMNS}`,
    [clubId, ruleId, ...params(v)],
  );
  return rows[0]!;
}

export async function updateRule(
  tx: Queryable,
  clubId: string,
  ruleId: string,
  v: RuleValues,
): Promise<RuleRow | null> {
  const { rows } = await tx.query<RuleRow>(
    `update earning_rules set name = $3, kind = $4, priority = $5, config = $6::jsonb, active_from = $7, active_to = $8,
       target_tiers = $9::text[], cap_per_order = $10, cap_per_member_day = $11, cap_per_member_month = $12,
       stop = $13, enabled = $14, target_segments = $15::text[], version = version + 1, updated_at = now()
     where club_id = $1 and rule_id = $2 and archived_at is null
     returning ${COLUMNS}`,
    [clubId, ruleId, ...params(v)],
  );
  return rows[0] ?? null;
}

export async function archiveRule(tx: Queryable, clubId: string, ruleId: string): Promise<boolean> {
  const res = await tx.query(
    'update earning_rules set archived_at = now(), updated_at = now() where club_id = $1 and rule_id = $2 and archived_at is null',
    [clubId, ruleId],
  );
  return res.rowCount > 0;
}

export interface EventRow {
  event_id: string;
  external_id: string;
  member_id: string;
  type: string;
  at: Date;
  points: number;
  request_hash: string;
}

export async function insertEvent(
  tx: Queryable,
  clubId: string,
  e: {
    eventId: string;
    externalId: string;
    memberId: string;
    type: string;
    at: Date;
    properties: unknown;
    requestHash: string;
  },
): Promise<boolean> {
  const res = await tx.query(
    `insert into member_events (club_id, event_id, external_id, member_id, type, at, properties, request_hash)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) on conflict (club_id, external_id) do nothing`,
    [clubId, e.eventId, e.externalId, e.memberId, e.type, e.at, JSON.stringify(e.properties), e.requestHash],
  );
  return res.rowCount > 0;
}

export async function setEventPoints(
  tx: Queryable,
  clubId: string,
  eventId: string,
  points: number,
): Promise<void> {
  await tx.query('update member_events set points = $3 where club_id = $1 and event_id = $2', [
    clubId,
    eventId,
    points,
  ]);
}

export async function findEvent(db: Queryable, clubId: string, externalId: string): Promise<EventRow | null> {
  const { rows } = await db.query<EventRow>(
    'select event_id, external_id, member_id, type, at, points, request_hash from member_events where club_id = $1 and external_id = $2',
    [clubId, externalId],
  );
  return rows[0] ?? null;
}
