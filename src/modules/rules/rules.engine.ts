import type { TContribution, TRuleKind } from './rules.schema.js';

/**
 * The earning rules, evaluated purely: given a club's rules and what is known about one order (or one
 * member event), the points each rule contributes. No I/O here, so the same code answers
 * POST /v1/orders/simulate and the real earning, and unit tests can cover every rule kind.
 */
export interface EngineRule {
  id: string;
  name: string;
  kind: TRuleKind;
  priority: number;
  // biome-ignore lint/suspicious/noExplicitAny: the config's shape depends on `kind` and was validated on save.
  config: any;
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

export interface OrderFacts {
  at: Date;
  totalRials: number;
  lines: Array<{
    sku: string;
    category?: string | null | undefined;
    quantity: number;
    unitPriceRials: number;
  }>;
  tierKey: string | null;
  /** The member's RFM segment in the latest insights run, if any. */
  segment?: string | null;
  /** The earning multiplier of the member's tier benefits, if any. */
  tierMultiplier: number | null;
  isFirstOrder: boolean;
  isBirthMonth: boolean;
  birthdayGivenThisYear: boolean;
  clubRialsPerPoint: number;
}

/** Points this rule already gave this member today and this month (for the per-member caps). */
export interface CapUsage {
  day: number;
  month: number;
}

/** The id written on entries made by the club's default rate when it has no order rules of its own. */
export const DEFAULT_RULE_ID = 'default_rate';

const ORDER_KINDS: ReadonlySet<TRuleKind> = new Set([
  'rate',
  'multiplier',
  'product_bonus',
  'first_order',
  'birthday',
  'tier_multiplier',
]);

export function isLive(
  rule: EngineRule,
  at: Date,
  tierKey: string | null,
  segment: string | null = null,
): boolean {
  if (!rule.enabled) return false;
  if (rule.activeFrom && at < rule.activeFrom) return false;
  if (rule.activeTo && at >= rule.activeTo) return false;
  if (rule.targetTiers.length > 0 && (!tierKey || !rule.targetTiers.includes(tierKey))) return false;
  if (rule.targetSegments.length > 0 && (!segment || !rule.targetSegments.includes(segment))) return false;
  return true;
}

function round(value: number, mode: 'floor' | 'round' | 'ceil'): number {
  // A small epsilon keeps 2.9999999 (float noise of a multiplication) from flooring to 2.
  if (mode === 'floor') return Math.floor(value + 1e-9);
  if (mode === 'ceil') return Math.ceil(value - 1e-9);
  return Math.round(value);
}

// Formatters are built once: toLocaleString with alternating locales builds a new one per call, which
// the ingest bench measured at ~39% of the server's CPU on batches.
const EN_NUMBER = new Intl.NumberFormat('en-US');
const FA_NUMBER = new Intl.NumberFormat('fa-IR');
const fmt = (n: number) => EN_NUMBER.format(n);
const fmtFa = (n: number) => FA_NUMBER.format(n);

/** What one rule would give before caps, and why; null when the rule does not apply to this order. */
function raw(
  rule: EngineRule,
  f: OrderFacts,
  soFar: number,
): { points: number; detail: string; detailFa: string } | null {
  const c = rule.config;
  switch (rule.kind) {
    case 'rate': {
      if (f.totalRials < (c.minOrderRials ?? 0)) return null;
      const points = round(f.totalRials / c.rialsPerPoint, c.rounding ?? 'floor');
      return {
        points,
        detail: `${fmt(f.totalRials)} rials at 1 point per ${fmt(c.rialsPerPoint)}`,
        detailFa: `${fmtFa(f.totalRials)} ریال، هر ${fmtFa(c.rialsPerPoint)} ریال یک امتیاز`,
      };
    }
    case 'multiplier': {
      const categories: string[] = c.categories ?? [];
      const skus: string[] = c.skus ?? [];
      const amount = f.lines
        .filter((l) => skus.includes(l.sku) || (l.category != null && categories.includes(l.category)))
        .reduce((s, l) => s + l.quantity * l.unitPriceRials, 0);
      if (amount === 0) return null;
      const rate = c.rialsPerPoint ?? f.clubRialsPerPoint;
      const points = Math.floor((amount / rate) * (c.factor - 1) + 1e-9);
      return {
        points,
        detail: `×${c.factor} on ${fmt(amount)} rials of matching lines`,
        detailFa: `×${fmtFa(c.factor)} روی ${fmtFa(amount)} ریال از اقلام مشمول`,
      };
    }
    case 'product_bonus': {
      const units = f.lines.filter((l) => c.skus.includes(l.sku)).reduce((s, l) => s + l.quantity, 0);
      if (units === 0) return null;
      const points = c.perUnit ? c.points * units : c.points;
      return {
        points,
        detail: c.perUnit ? `${c.points} points × ${units} units` : `${c.points} points for the product`,
        detailFa: c.perUnit
          ? `${fmtFa(c.points)} امتیاز × ${fmtFa(units)} عدد`
          : `${fmtFa(c.points)} امتیاز برای کالا`,
      };
    }
    case 'first_order': {
      if (!f.isFirstOrder || f.totalRials < (c.minOrderRials ?? 0)) return null;
      return { points: c.points, detail: 'first order bonus', detailFa: 'جایزهٔ اولین خرید' };
    }
    case 'birthday': {
      if (!f.isBirthMonth || f.birthdayGivenThisYear) return null;
      return { points: c.points, detail: 'birthday month bonus', detailFa: 'جایزهٔ ماه تولد' };
    }
    case 'tier_multiplier': {
      const factor = (f.tierKey ? c.factors?.[f.tierKey] : undefined) ?? f.tierMultiplier ?? 1;
      if (factor <= 1 || soFar <= 0) return null;
      const points = Math.floor(soFar * (factor - 1) + 1e-9);
      return {
        points,
        detail: `tier ${f.tierKey} ×${factor} on ${fmt(soFar)} points`,
        detailFa: `ضریب سطح ${f.tierKey} ×${fmtFa(factor)} روی ${fmtFa(soFar)} امتیاز`,
      };
    }
    default:
      return null;
  }
}

function capped(rule: EngineRule, points: number, usage: CapUsage): { points: number; note: string } {
  let p = points;
  let note = '';
  if (rule.capPerOrder != null && p > rule.capPerOrder) {
    p = rule.capPerOrder;
    note = ` (capped at ${rule.capPerOrder} per order)`;
  }
  if (rule.capPerMemberPerDay != null && p > rule.capPerMemberPerDay - usage.day) {
    p = Math.max(0, rule.capPerMemberPerDay - usage.day);
    note = ` (daily cap ${rule.capPerMemberPerDay} reached)`;
  }
  if (rule.capPerMemberPerMonth != null && p > rule.capPerMemberPerMonth - usage.month) {
    p = Math.max(0, rule.capPerMemberPerMonth - usage.month);
    note = ` (monthly cap ${rule.capPerMemberPerMonth} reached)`;
  }
  return { points: p, note };
}

/**
 * Runs the order rules in priority order. A rule that applies contributes its points (after its caps)
 * and, with `stop`, ends the evaluation. When the club has no order rules, the default rate
 * (`clubRialsPerPoint`, rounded down) applies.
 */
export function evaluateOrder(
  rules: EngineRule[],
  f: OrderFacts,
  usage: (ruleId: string) => CapUsage,
): TContribution[] {
  const orderRules = rules.filter((r) => ORDER_KINDS.has(r.kind)).sort((a, b) => a.priority - b.priority);
  if (orderRules.length === 0) {
    const points = Math.floor(f.totalRials / f.clubRialsPerPoint);
    return points > 0
      ? [
          {
            ruleId: DEFAULT_RULE_ID,
            ruleName: 'Default rate',
            kind: 'rate',
            points,
            detail: `${fmt(f.totalRials)} rials at 1 point per ${fmt(f.clubRialsPerPoint)}`,
            detailFa: `${fmtFa(f.totalRials)} ریال، هر ${fmtFa(f.clubRialsPerPoint)} ریال یک امتیاز`,
          },
        ]
      : [];
  }
  const out: TContribution[] = [];
  let soFar = 0;
  for (const rule of orderRules) {
    if (!isLive(rule, f.at, f.tierKey, f.segment ?? null)) continue;
    const r = raw(rule, f, soFar);
    if (!r) continue;
    const { points, note } = capped(rule, r.points, usage(rule.id));
    if (points > 0) {
      out.push({
        ruleId: rule.id,
        ruleName: rule.name,
        kind: rule.kind,
        points,
        detail: r.detail + note,
        detailFa: r.detailFa,
      });
      soFar += points;
    }
    if (rule.stop) break;
  }
  return out;
}

export interface EventFacts {
  type: string;
  at: Date;
  tierKey: string | null;
  segment?: string | null;
  /** Rewarded events of this type the member already had in the rule's limit period. */
  countInPeriod: (ruleId: string, period: 'day' | 'month' | 'year' | 'lifetime') => number;
}

/** Runs the event rules for this event type in priority order (caps, limits and stop as for orders). */
export function evaluateEvent(
  rules: EngineRule[],
  f: EventFacts,
  usage: (ruleId: string) => CapUsage,
): TContribution[] {
  const out: TContribution[] = [];
  for (const rule of rules.filter((r) => r.kind === 'event').sort((a, b) => a.priority - b.priority)) {
    if (rule.config.eventType !== f.type || !isLive(rule, f.at, f.tierKey, f.segment ?? null)) continue;
    const limit = rule.config.limit as
      | { count: number; period: 'day' | 'month' | 'year' | 'lifetime' }
      | null
      | undefined;
    if (limit && f.countInPeriod(rule.id, limit.period) >= limit.count) {
      if (rule.stop) break;
      continue;
    }
    const { points, note } = capped(rule, rule.config.points, usage(rule.id));
    if (points > 0) {
      out.push({
        ruleId: rule.id,
        ruleName: rule.name,
        kind: 'event',
        points,
        detail: `${f.type} event${note}`,
        detailFa: `رویداد ${f.type}`,
      });
    }
    if (rule.stop) break;
  }
  return out;
}
