import { describe, expect, it } from 'vitest';
import { applyObservations, type PriceRun } from '../prices/intervals.js';
import { buyOrWait } from '../prices/signal.js';
import { generateDemoClub } from './demo-data.js';
import { generateDemoPrices } from './demo-prices.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const club = generateDemoClub({ members: 50, orders: 200, seed: 7, endAt: new Date('2026-03-01T00:00:00Z') });

function signalOf(observations: Array<{ at: string; priceRials: number; inStock: boolean }>) {
  const runs: PriceRun[] = [];
  applyObservations(
    runs,
    observations.map((o) => ({ at: Date.parse(o.at), priceRials: o.priceRials, inStock: o.inStock })),
  );
  return buyOrWait(runs, NOW.getTime());
}

describe('generateDemoPrices', () => {
  it('is the same for the same seed and gives every product 18 months of daily prices', () => {
    const a = generateDemoPrices(club.products, { now: NOW, seed: 7 });
    expect(generateDemoPrices(club.products, { now: NOW, seed: 7 })).toEqual(a);
    expect(a).toHaveLength(club.products.length);
    for (const p of a) {
      expect(p.observations).toHaveLength(548);
      expect(Date.parse(p.observations.at(-1)!.at)).toBeLessThanOrEqual(NOW.getTime());
      expect(Date.parse(p.observations[1]!.at) - Date.parse(p.observations[0]!.at)).toBe(86_400_000);
      expect(p.titleFa.length).toBeGreaterThan(3);
      expect(p.titleEn.length).toBeGreaterThan(3);
    }
    expect(new Set(a.map((p) => p.titleEn)).size).toBe(a.length);
  });

  it('ends today at the base price the orders use, unless a sale or a hike is on', () => {
    const priced = generateDemoPrices(club.products, { now: NOW });
    for (const [i, p] of priced.entries()) {
      const last = p.observations.at(-1)!.priceRials;
      const base = club.products[i]!.basePriceRials;
      if (p.story === 'drop') expect(last).toBeLessThan(base);
      else if (p.story === 'spike') expect(last).toBeGreaterThan(base);
      else expect(last).toBe(base);
    }
  });

  it('tells each story through the buy-or-wait signal', () => {
    const codes = new Map<string, Set<string>>();
    for (const p of generateDemoPrices(club.products, { now: NOW })) {
      const set = codes.get(p.story) ?? new Set<string>();
      set.add(signalOf(p.observations).code);
      codes.set(p.story, set);
    }
    expect([...codes.get('drop')!]).toEqual(['at_90_day_low']);
    expect([...codes.get('spike')!]).toEqual(['above_average_falls_back']);
    expect(codes.get('rising')!.has('rising_steadily')).toBe(true);
    expect(codes.get('usual')!.has('usual_price')).toBe(true);
  });
});
