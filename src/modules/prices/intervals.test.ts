import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyObservation,
  applyObservations,
  checkRuns,
  diffRuns,
  type Observation,
  type PriceRun,
  priceAt,
} from './intervals.js';

const D = 86_400_000;
const obs = (day: number, priceRials: number, inStock = true): Observation => ({
  at: day * D,
  priceRials,
  inStock,
});
const run = (from: number, to: number, priceRials: number, inStock = true): PriceRun => ({
  validFrom: from * D,
  lastSeenAt: to * D,
  priceRials,
  inStock,
});

function shuffle<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let x = seed | 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function applyAll(list: Observation[], runs: PriceRun[] = []) {
  const outcomes = list.map((o) => applyObservation(runs, o));
  return { runs, outcomes };
}

/** The canonical runs of a set of observations: runs of equal values in time order. */
function canonical(list: Observation[]): PriceRun[] {
  const sorted = [...list].sort((a, b) => a.at - b.at);
  const out: PriceRun[] = [];
  for (const o of sorted) {
    const last = out[out.length - 1];
    if (last && last.priceRials === o.priceRials && last.inStock === o.inStock) last.lastSeenAt = o.at;
    else out.push({ validFrom: o.at, lastSeenAt: o.at, priceRials: o.priceRials, inStock: o.inStock });
  }
  return out;
}

describe('applyObservation', () => {
  it('extends the run when the same price is seen again, instead of adding a row', () => {
    const { runs, outcomes } = applyAll([obs(1, 100), obs(2, 100), obs(3, 100)]);
    expect(runs).toEqual([run(1, 3, 100)]);
    expect(outcomes).toEqual(['created', 'extended', 'extended']);
  });

  it('starts a new run on a new price or stock state', () => {
    const { runs } = applyAll([obs(1, 100), obs(2, 120), obs(3, 120, false)]);
    expect(runs).toEqual([run(1, 1, 100), run(2, 2, 120), run(3, 3, 120, false)]);
  });

  it('changes nothing for the same observation again, and refuses another price at a recorded instant', () => {
    const { runs } = applyAll([obs(1, 100), obs(3, 100)]);
    const before = structuredClone(runs);
    expect(applyObservation(runs, obs(1, 100))).toBe('unchanged');
    expect(applyObservation(runs, obs(3, 100))).toBe('unchanged');
    expect(applyObservation(runs, obs(2, 100))).toBe('unchanged');
    expect(applyObservation(runs, obs(3, 90))).toBe('conflict');
    expect(applyObservation(runs, obs(1, 100, false))).toBe('conflict');
    expect(runs).toEqual(before);
  });

  it('splits a run that an out-of-order observation contradicts', () => {
    const { runs } = applyAll([obs(1, 100), obs(5, 100), obs(3, 80)]);
    expect(runs).toEqual([run(1, 1, 100), run(3, 3, 80), run(5, 5, 100)]);
    expect(priceAt(runs, 4 * D)?.priceRials).toBe(80);
    expect(priceAt(runs, 5 * D)?.priceRials).toBe(100);
  });

  it('fills history in before the first run, joining it when the price is the same', () => {
    const { runs, outcomes } = applyAll([obs(10, 100), obs(5, 90), obs(7, 100), obs(6, 90)]);
    expect(runs).toEqual([run(5, 6, 90), run(7, 10, 100)]);
    expect(outcomes).toEqual(['created', 'created', 'extended', 'extended']);
  });

  it('builds exactly the runs of the sorted observations from batches in any order: history behind the feed', () => {
    // Each batch is applied in time order, so only a stored run contradicted inside is approximated.
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom(100, 110, 120)), {
          maxLength: 40,
        }),
        fc.integer(),
        (raw, seed) => {
          const byDay = new Map(raw.map(([day, price]) => [day, price]));
          const list = [...byDay].map(([day, price]) => obs(day, price));
          const sorted = [...list].sort((a, b) => a.at - b.at);
          // Two halves, each in time order, the later first: the live feed, then history behind it.
          const cut = sorted.length ? Math.abs(seed) % (sorted.length + 1) : 0;
          const runs: PriceRun[] = [];
          applyObservations(runs, shuffle(sorted.slice(cut), seed));
          applyObservations(runs, shuffle(sorted.slice(0, cut), seed + 1));
          expect(checkRuns(runs)).toBeNull();
          expect(runs).toEqual(canonical(list));
        },
      ),
    );
  });

  it('keeps the invariants and the latest word on any instant, in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(100, 110, 120), fc.boolean()), {
          maxLength: 60,
        }),
        (raw) => {
          const runs: PriceRun[] = [];
          const seen = new Map<number, Observation>();
          for (const [day, price, inStock] of raw) {
            const o = obs(day, price, inStock);
            const outcome = applyObservation(runs, o);
            const prior = seen.get(o.at);
            if (prior && (prior.priceRials !== price || prior.inStock !== inStock)) {
              // A recorded instant is refused; one forgotten inside a split run may be re-recorded.
              if (outcome !== 'conflict') seen.set(o.at, o);
            } else {
              expect(outcome).not.toBe('conflict');
              seen.set(o.at, o);
            }
            expect(checkRuns(runs)).toBeNull();
            if (outcome !== 'conflict') {
              const at = priceAt(runs, o.at)!;
              expect([at.priceRials, at.inStock]).toEqual([price, inStock]);
            }
          }
          // Sending everything again changes nothing.
          const again = structuredClone(runs);
          for (const o of seen.values()) {
            const copy = structuredClone(again);
            const outcome = applyObservation(copy, o);
            if (outcome === 'unchanged') expect(copy).toEqual(again);
          }
        },
      ),
    );
  });
});

describe('diffRuns', () => {
  it('turns a moved start into a delete and an insert, and an extension into an update', () => {
    const before = [run(5, 5, 90), run(10, 12, 100)];
    const after = structuredClone(before);
    applyObservation(after, obs(13, 100));
    applyObservation(after, obs(4, 90));
    expect(diffRuns(before, after)).toEqual({
      deleted: [5 * D],
      updated: [run(10, 13, 100)],
      inserted: [run(4, 5, 90)],
    });
  });

  it('is empty when nothing changed', () => {
    const before = [run(1, 2, 100)];
    expect(diffRuns(before, structuredClone(before))).toEqual({ deleted: [], updated: [], inserted: [] });
  });
});
