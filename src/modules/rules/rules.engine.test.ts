import { describe, expect, it } from 'vitest';
import { type EngineRule, evaluateEvent, evaluateOrder, type OrderFacts } from './rules.engine.js';

const rule = (
  over: Partial<EngineRule> & Pick<EngineRule, 'id' | 'kind' | 'priority' | 'config'>,
): EngineRule => ({
  name: over.id,
  activeFrom: null,
  activeTo: null,
  targetTiers: [],
  targetSegments: [],
  capPerOrder: null,
  capPerMemberPerDay: null,
  capPerMemberPerMonth: null,
  stop: false,
  enabled: true,
  ...over,
});

const facts = (over: Partial<OrderFacts> = {}): OrderFacts => ({
  at: new Date('2026-05-01T10:00:00Z'),
  totalRials: 10_000_000,
  lines: [
    { sku: 'MOB-1', category: 'mobile', quantity: 1, unitPriceRials: 8_000_000 },
    { sku: 'BK-1', category: 'books', quantity: 2, unitPriceRials: 1_000_000 },
  ],
  tierKey: null,
  tierMultiplier: null,
  isFirstOrder: false,
  isBirthMonth: false,
  birthdayGivenThisYear: false,
  clubRialsPerPoint: 10_000,
  ...over,
});
const none = () => ({ day: 0, month: 0 });
const sum = (cs: Array<{ points: number }>) => cs.reduce((s, c) => s + c.points, 0);

describe('evaluateOrder', () => {
  it('falls back to the club’s default rate when there are no order rules', () => {
    const out = evaluateOrder(
      [rule({ id: 'ev', kind: 'event', priority: 1, config: { eventType: 'x', points: 5 } })],
      facts(),
      none,
    );
    expect(out).toEqual([expect.objectContaining({ ruleId: 'default_rate', points: 1000 })]);
  });

  it('applies rate rounding modes', () => {
    const f = facts({ totalRials: 25_000 });
    expect(
      sum(
        evaluateOrder(
          [
            rule({
              id: 'r',
              kind: 'rate',
              priority: 1,
              config: { rialsPerPoint: 10_000, rounding: 'floor' },
            }),
          ],
          f,
          none,
        ),
      ),
    ).toBe(2);
    expect(
      sum(
        evaluateOrder(
          [rule({ id: 'r', kind: 'rate', priority: 1, config: { rialsPerPoint: 10_000, rounding: 'ceil' } })],
          f,
          none,
        ),
      ),
    ).toBe(3);
    expect(
      sum(
        evaluateOrder(
          [
            rule({
              id: 'r',
              kind: 'rate',
              priority: 1,
              config: { rialsPerPoint: 10_000, rounding: 'round' },
            }),
          ],
          f,
          none,
        ),
      ),
    ).toBe(3);
  });

  it('adds a category multiplier on matching lines only', () => {
    const out = evaluateOrder(
      [
        rule({ id: 'base', kind: 'rate', priority: 1, config: { rialsPerPoint: 10_000 } }),
        rule({
          id: 'books2x',
          kind: 'multiplier',
          priority: 2,
          config: { factor: 2, categories: ['books'], skus: [] },
        }),
      ],
      facts(),
      none,
    );
    expect(out.map((c) => [c.ruleId, c.points])).toEqual([
      ['base', 1000],
      ['books2x', 200],
    ]);
  });

  it('gives product bonuses per unit or once, first-order and birthday bonuses once', () => {
    const rules = [
      rule({
        id: 'bk',
        kind: 'product_bonus',
        priority: 1,
        config: { skus: ['BK-1'], points: 50, perUnit: true },
      }),
      rule({ id: 'first', kind: 'first_order', priority: 2, config: { points: 300 } }),
      rule({ id: 'bday', kind: 'birthday', priority: 3, config: { points: 500 } }),
    ];
    expect(sum(evaluateOrder(rules, facts(), none))).toBe(100);
    expect(sum(evaluateOrder(rules, facts({ isFirstOrder: true, isBirthMonth: true }), none))).toBe(900);
    expect(sum(evaluateOrder(rules, facts({ isBirthMonth: true, birthdayGivenThisYear: true }), none))).toBe(
      100,
    );
  });

  it('multiplies what earlier rules gave by the tier factor', () => {
    const rules = [
      rule({ id: 'base', kind: 'rate', priority: 1, config: { rialsPerPoint: 10_000 } }),
      rule({ id: 'tier', kind: 'tier_multiplier', priority: 9, config: { factors: { gold: 1.5 } } }),
    ];
    expect(sum(evaluateOrder(rules, facts({ tierKey: 'gold' }), none))).toBe(1500);
    expect(sum(evaluateOrder(rules, facts({ tierKey: 'silver', tierMultiplier: 1.2 }), none))).toBe(1200);
    expect(sum(evaluateOrder(rules, facts(), none))).toBe(1000);
  });

  it('honours priority, stop, windows, target tiers and caps', () => {
    const promo = rule({
      id: 'promo',
      kind: 'rate',
      priority: 1,
      config: { rialsPerPoint: 5_000 },
      stop: true,
      activeFrom: new Date('2026-04-01T00:00:00Z'),
      activeTo: new Date('2026-06-01T00:00:00Z'),
      targetTiers: ['gold'],
      capPerOrder: 1500,
    });
    const base = rule({ id: 'base', kind: 'rate', priority: 2, config: { rialsPerPoint: 10_000 } });
    expect(
      evaluateOrder([base, promo], facts({ tierKey: 'gold' }), none).map((c) => [c.ruleId, c.points]),
    ).toEqual([['promo', 1500]]);
    expect(evaluateOrder([base, promo], facts({ tierKey: 'silver' }), none).map((c) => c.ruleId)).toEqual([
      'base',
    ]);
    expect(
      evaluateOrder(
        [base, promo],
        facts({ tierKey: 'gold', at: new Date('2026-06-01T00:00:00Z') }),
        none,
      ).map((c) => c.ruleId),
    ).toEqual(['base']);
    const daily = rule({
      id: 'base',
      kind: 'rate',
      priority: 2,
      config: { rialsPerPoint: 10_000 },
      capPerMemberPerDay: 1200,
    });
    expect(sum(evaluateOrder([daily], facts(), () => ({ day: 1000, month: 1000 })))).toBe(200);
  });
});

describe('target segments', () => {
  it('applies a segment-targeted rule only to members in those segments', () => {
    const rules = [
      rule({ id: 'base', kind: 'rate', priority: 1, config: { rialsPerPoint: 10_000 } }),
      rule({
        id: 'winback',
        kind: 'first_order',
        priority: 2,
        config: { points: 0 },
        targetSegments: ['At Risk'],
      }),
      rule({
        id: 'vip',
        kind: 'product_bonus',
        priority: 3,
        config: { skus: ['MOB-1'], points: 70 },
        targetSegments: ['Champions'],
      }),
    ];
    expect(sum(evaluateOrder(rules, facts({ segment: 'Champions' }), none))).toBe(1070);
    expect(sum(evaluateOrder(rules, facts({ segment: 'Lost' }), none))).toBe(1000);
    expect(sum(evaluateOrder(rules, facts(), none))).toBe(1000);
  });
});

describe('evaluateEvent', () => {
  it('credits matching event rules within their limit', () => {
    const rules = [
      rule({
        id: 'rev',
        kind: 'event',
        priority: 1,
        config: { eventType: 'review_approved', points: 20, limit: { count: 3, period: 'month' } },
      }),
      rule({ id: 'app', kind: 'event', priority: 2, config: { eventType: 'app_installed', points: 100 } }),
    ];
    const base = { type: 'review_approved', at: new Date(), tierKey: null };
    expect(sum(evaluateEvent(rules, { ...base, countInPeriod: () => 2 }, none))).toBe(20);
    expect(sum(evaluateEvent(rules, { ...base, countInPeriod: () => 3 }, none))).toBe(0);
    expect(sum(evaluateEvent(rules, { ...base, type: 'app_installed', countInPeriod: () => 0 }, none))).toBe(
      100,
    );
  });
});
