import { describe, expect, it } from 'vitest';
import {
  fitBgNbd,
  fitGammaGamma,
  predictCustomers,
  summarise,
  TransactionLogBuilder,
} from '../analytics/index.js';
import { computeInsights, isChurnRisk, MODEL_MINIMUMS } from './insights.compute.js';
import { lapsedCsv } from './insights.service.js';

/** A seeded club: 200 customers, a third of them repeat buyers, one stopped long ago. */
function demoLog() {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const b = new TransactionLogBuilder();
  for (let c = 0; c < 200; c++) {
    const first = 19_000 + Math.floor(rand() * 300);
    const repeats = c % 3 === 0 ? 1 + Math.floor(rand() * 8) : 0;
    b.add(`c${c}`, first, 1_000_000 + Math.floor(rand() * 5_000_000));
    let day = first;
    for (let k = 0; k < repeats; k++) {
      day += 5 + Math.floor(rand() * 40);
      if (day <= 19_400) b.add(`c${c}`, day, 1_000_000 + Math.floor(rand() * 5_000_000));
    }
  }
  return b.build();
}

describe('computeInsights', () => {
  const settings = { monthlyDiscountRate: 0.01, margin: 0.2, horizonMonths: 12 };

  it('gives the CLV and pAlive of predictCustomers with the same models', () => {
    const log = demoLog();
    const result = computeInsights(log, 19_400, settings);
    expect(result.purchaseModel).not.toBeNull();
    const s = summarise(log, { calibrationEnd: 19_400, timeUnit: 'day' });
    const purchase = fitBgNbd(s);
    const spendFit = fitGammaGamma({ x: s.x, monetary: Float64Array.from(s.monetary, (v) => v / 1000) });
    const p = predictCustomers({ ...s, monetary: Float64Array.from(s.monetary, (v) => v / 1000) }, purchase, {
      ...settings,
      spendFit,
    });
    for (let i = 0; i < s.size; i++) {
      expect(result.members.pAlive[i]).toBeCloseTo(p.pAlive[i]!, 10);
      expect(result.members.clvRials[i]! / 1000).toBeCloseTo(p.clv[i]!, 6);
      expect(result.members.avgSpendRials[i]! / 1000).toBeCloseTo(p.expectedAvgValue[i]!, 6);
    }
    expect(result.spendModel!.params.v).toBeCloseTo(spendFit.params.v * 1000, 3);
  });

  it('stores RFM and leaves the predictions empty, with a warning, below the model minimums', () => {
    const b = new TransactionLogBuilder();
    b.add('a', 100, 5);
    b.add('a', 110, 5);
    b.add('b', 105, 7);
    const r = computeInsights(b.build(), 120, settings);
    expect(r.purchaseModel).toBeNull();
    expect(r.warnings[0]).toContain(`at least ${MODEL_MINIMUMS.buyers} buyers`);
    expect(r.members.pAlive).toEqual([null, null]);
    expect(r.members.purchaseDays).toEqual([2, 1]);
    expect(r.members.recencyDays).toEqual([10, 15]);
    expect(r.members.segment.every((x) => typeof x === 'string')).toBe(true);
  });

  it('flags churn risk by the documented rule', () => {
    expect(isChurnRisk(2, 0.49, 'Champions')).toBe(true);
    expect(isChurnRisk(1, 0.1, 'New Customers')).toBe(false);
    expect(isChurnRisk(3, 0.9, 'At Risk')).toBe(true);
    expect(isChurnRisk(1, null, 'Hibernating')).toBe(true);
    expect(isChurnRisk(1, null, 'Cannot Lose Them')).toBe(true);
    expect(isChurnRisk(5, null, 'Lost')).toBe(false);
    expect(isChurnRisk(5, 0.5, 'Loyal')).toBe(false);
  });
});

describe('lapsedCsv', () => {
  it('quotes commas and quotes, keeps mobiles, and defuses formulas', () => {
    const csv = lapsedCsv([
      {
        memberExternalId: 'C-1',
        firstName: 'علی، "رضا"',
        lastName: '=HYPERLINK("x")',
        mobile: '+989121234567',
        email: null,
        province: 'تهران',
        consentSms: true,
        consentEmail: false,
        segment: 'At Risk',
        purchaseDays: 3,
        revenueRials: 12_000_000,
        lastPurchaseDay: '2025-01-02',
        recencyDays: 200,
        pAlive: 0.25,
        clvRials: null,
      },
    ]);
    const [header, row] = csv.split('\r\n');
    expect(header!.split(',')).toHaveLength(15);
    expect(row).toBe(
      'C-1,"علی، ""رضا""","\'=HYPERLINK(""x"")",+989121234567,,تهران,true,false,At Risk,3,12000000,2025-01-02,200,0.25,',
    );
  });
});
