/**
 * Price runs: the storage model of price history, as pure functions.
 *
 * A run is a stretch of consecutive observations of one product with the same price and stock
 * state. It keeps only its first observation (`validFrom`) and its last (`lastSeenAt`), so a price
 * sent every day for a year while it does not change is one row, and "the same price again" is an
 * update of `lastSeenAt`. The price of a product at an instant t is the price of the run with the
 * latest `validFrom` at or before t: a price holds until the next change.
 *
 * Runs of a product are sorted by `validFrom`, never overlap (`lastSeenAt` < the next `validFrom`),
 * and two neighbours always differ in price or stock (otherwise they would be one run).
 */
export interface PriceRun {
  /** Epoch ms of the run's first observation. */
  validFrom: number;
  /** Epoch ms of the run's last observation (>= validFrom). */
  lastSeenAt: number;
  priceRials: number;
  inStock: boolean;
}

export interface Observation {
  /** Epoch ms. */
  at: number;
  priceRials: number;
  inStock: boolean;
}

/**
 * What an observation did:
 * - `created`: it started a new run (a new price, or a split of a run it contradicts);
 * - `extended`: it moved an end of an existing run (the same price seen later, or earlier);
 * - `unchanged`: the runs already say exactly this (a retry, or a point inside a run of that price);
 * - `conflict`: an instant already recorded (an end of a run) with another price or stock state.
 */
export type ApplyOutcome = 'created' | 'extended' | 'unchanged' | 'conflict';

const same = (r: PriceRun, o: Observation) => r.priceRials === o.priceRials && r.inStock === o.inStock;

/** Index of the last run with validFrom <= at, or -1. Runs are sorted; the common case is the last. */
export function findRun(runs: PriceRun[], at: number): number {
  const n = runs.length;
  if (n === 0 || runs[0]!.validFrom > at) return -1;
  if (runs[n - 1]!.validFrom <= at) return n - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[mid]!.validFrom <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Applies observations to a product's runs, in place, and says what each did. The observations are
 * applied in time order (they are sorted here), whatever order they arrived in:
 * - at an end of a run (an instant already recorded): the same price is a no-op, another is a conflict
 *   and nothing changes;
 * - strictly inside a stored run: the same price is a no-op; another price splits the run. Only the
 *   run's ends are known observations, so the old price keeps its first observation, the new price
 *   holds from its instant, and the old price resumes at the run's last observation;
 * - between two runs (or before the first, after the last): the same price as the run before extends
 *   its end, the same as the run after extends its start back, otherwise a new run of one observation.
 *
 * A start is moved back only once the whole batch is applied (neighbours of equal price are joined at
 * the end): a batch of history that ends where a stored run begins then stays exact, because its later
 * observations still land between runs rather than inside the run it joins.
 */
export function applyObservations(runs: PriceRun[], observations: Observation[]): ApplyOutcome[] {
  const order = observations
    .map((_, i) => i)
    .sort((a, b) => observations[a]!.at - observations[b]!.at || a - b);
  const outcomes: ApplyOutcome[] = new Array(observations.length);
  for (const i of order) outcomes[i] = applyOne(runs, observations[i]!);
  joinEqualNeighbours(runs);
  return outcomes;
}

/** One observation, for a single API call or a test: the same as a batch of one. */
export function applyObservation(runs: PriceRun[], o: Observation): ApplyOutcome {
  return applyObservations(runs, [o])[0]!;
}

function applyOne(runs: PriceRun[], o: Observation): ApplyOutcome {
  const i = findRun(runs, o.at);
  const run = i >= 0 ? runs[i]! : undefined;
  if (run && (o.at === run.validFrom || o.at === run.lastSeenAt))
    return same(run, o) ? 'unchanged' : 'conflict';
  if (run && o.at < run.lastSeenAt) {
    if (same(run, o)) return 'unchanged';
    const left: PriceRun = { ...run, lastSeenAt: run.validFrom };
    const middle: PriceRun = {
      validFrom: o.at,
      lastSeenAt: o.at,
      priceRials: o.priceRials,
      inStock: o.inStock,
    };
    const right: PriceRun = { ...run, validFrom: run.lastSeenAt };
    runs.splice(i, 1, left, middle, right);
    return 'created';
  }
  // In the gap after run i (or before the first run when i = -1).
  if (run && same(run, o)) {
    run.lastSeenAt = o.at;
    return 'extended';
  }
  const next = runs[i + 1];
  runs.splice(i + 1, 0, { validFrom: o.at, lastSeenAt: o.at, priceRials: o.priceRials, inStock: o.inStock });
  // The same price as the run after: joined to it at the end of the batch, which extends its start back.
  return next && same(next, o) ? 'extended' : 'created';
}

function joinEqualNeighbours(runs: PriceRun[]): void {
  let w = 0;
  for (let r = 1; r < runs.length; r++) {
    const a = runs[w]!;
    const b = runs[r]!;
    if (a.priceRials === b.priceRials && a.inStock === b.inStock) a.lastSeenAt = b.lastSeenAt;
    else runs[++w] = b;
  }
  runs.length = Math.min(runs.length, w + 1);
}

export interface RunsDiff {
  /** validFrom of stored runs to delete. */
  deleted: number[];
  /** Stored runs (same validFrom) whose lastSeenAt, price or stock changed. */
  updated: PriceRun[];
  inserted: PriceRun[];
}

/**
 * The writes that turn `before` (runs as loaded) into `after`. A run is identified by its validFrom,
 * so a start moved back is a delete plus an insert; deletes must run before inserts.
 */
export function diffRuns(before: PriceRun[], after: PriceRun[]): RunsDiff {
  const old = new Map(before.map((r) => [r.validFrom, r]));
  const diff: RunsDiff = { deleted: [], updated: [], inserted: [] };
  const kept = new Set<number>();
  for (const r of after) {
    const o = old.get(r.validFrom);
    if (!o) diff.inserted.push(r);
    else {
      kept.add(r.validFrom);
      if (o.lastSeenAt !== r.lastSeenAt || o.priceRials !== r.priceRials || o.inStock !== r.inStock)
        diff.updated.push(r);
    }
  }
  for (const r of before) if (!kept.has(r.validFrom)) diff.deleted.push(r.validFrom);
  return diff;
}

/** Throws if the runs break an invariant; used by tests and by the service before it writes. */
export function checkRuns(runs: PriceRun[]): string | null {
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i]!;
    if (r.lastSeenAt < r.validFrom) return `run ${i} ends before it starts`;
    const next = runs[i + 1];
    if (!next) continue;
    if (next.validFrom <= r.lastSeenAt) return `runs ${i} and ${i + 1} overlap`;
    if (next.priceRials === r.priceRials && next.inStock === r.inStock)
      return `runs ${i} and ${i + 1} are equal`;
  }
  return null;
}

/** The price in effect at an instant (the run with the latest start at or before it), or null. */
export function priceAt(runs: PriceRun[], at: number): PriceRun | null {
  const i = findRun(runs, at);
  return i >= 0 ? runs[i]! : null;
}
