import { describe, expect, it } from 'vitest';
import { DAY_MS } from './history.js';
import type { PriceRun } from './intervals.js';
import { buyOrWait } from './signal.js';

const NOW = Date.parse('2025-06-01T00:00:00Z');

/** Runs from a list of [days before now, price]: each price holds until the next. */
function series(points: Array<[number, number]>, inStock = true): PriceRun[] {
  return points.map(([daysAgo, priceRials]) => ({
    validFrom: NOW - daysAgo * DAY_MS,
    lastSeenAt: NOW - daysAgo * DAY_MS,
    priceRials,
    inStock,
  }));
}

describe('buyOrWait', () => {
  it('has nothing to say without a price or with less than 30 days of history', () => {
    expect(buyOrWait([], NOW)).toMatchObject({ action: 'neutral', code: 'no_data' });
    expect(buyOrWait(series([[10, 1000]]), NOW)).toMatchObject({
      action: 'neutral',
      code: 'insufficient_history',
    });
  });

  it('says buy at the 90-day low, and at the all-time low', () => {
    const at90 = buyOrWait(
      series([
        [400, 500],
        [120, 1000],
        [60, 1100],
        [10, 950],
      ]),
      NOW,
    );
    expect(at90).toMatchObject({ action: 'buy', code: 'at_90_day_low', reasonEn: 'At its 90-day low: buy.' });
    expect(at90.reasonFa).toContain('کمترین قیمت ۹۰ روز');
    expect(
      buyOrWait(
        series([
          [200, 1000],
          [100, 900],
          [5, 800],
        ]),
        NOW,
      ),
    ).toMatchObject({ code: 'at_all_time_low' });
  });

  it('says buy within 5% of the 90-day low (a good deal)', () => {
    const s = buyOrWait(
      series([
        [200, 1000],
        [80, 900],
        [40, 1100],
        [5, 940],
      ]),
      NOW,
    );
    expect(s).toMatchObject({ action: 'buy', code: 'near_90_day_low' });
    expect(s.reasonEn).toContain('4.4% above its 90-day low');
  });

  it('says buy when the price is rising steadily', () => {
    const s = buyOrWait(
      series([
        [200, 1000],
        [80, 1050],
        [50, 1100],
        [20, 1200],
      ]),
      NOW,
    );
    expect(s).toMatchObject({
      action: 'buy',
      code: 'rising_steadily',
      reasonEn: 'Rising steadily: buying sooner is cheaper.',
    });
  });

  it('says wait when well above its 30-day average and similar rises fell back', () => {
    // Two earlier spikes to 1200 that fell back to 1000 within a week, then a spike now: 1120 against a
    // 30-day average of (950 × 27 + 1120 × 3) / 30 = 967.
    const s = buyOrWait(
      series([
        [300, 1000],
        [200, 1200],
        [195, 1000],
        [100, 1200],
        [94, 1000],
        [80, 950],
        [3, 1120],
      ]),
      NOW,
    );
    expect(s.action).toBe('wait');
    expect(s.code).toBe('above_average_falls_back');
    expect(s.vsAverage30Percent).toBeCloseTo(15.8, 1);
    expect(s.reasonEn).toBe(
      '15.8% above its 30-day average, and prices of this product have fallen after similar rises: wait.',
    );
    expect(s.reasonFa).toContain('صبر کنید');
  });

  it('has no clear signal when above average but past rises held', () => {
    const s = buyOrWait(
      series([
        [300, 1000],
        [200, 1200],
        [100, 1000],
        [80, 950],
        [3, 1120],
      ]),
      NOW,
    );
    expect(s).toMatchObject({ action: 'neutral', code: 'above_average' });
  });

  it('has no clear signal near its usual price, and none when out of stock', () => {
    expect(
      buyOrWait(
        series([
          [300, 1000],
          [80, 900],
          [40, 1100],
          [10, 1000],
        ]),
        NOW,
      ),
    ).toMatchObject({
      action: 'neutral',
      code: 'usual_price',
    });
    expect(
      buyOrWait(
        series(
          [
            [300, 1000],
            [10, 500],
          ],
          false,
        ),
        NOW,
      ),
    ).toMatchObject({ code: 'out_of_stock' });
  });
});
