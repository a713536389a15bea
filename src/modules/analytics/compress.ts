/**
 * Customers with equal (x, t_x, T) contribute equal likelihood terms, so the purchase models are fitted
 * on the unique triples with a weight each. On top of that every likelihood term is built from pieces
 * that depend on x alone (log-gamma of r + x), on t_x alone or on T alone (logs of α + t), or on a
 * (x, t) pair (the Pareto/NBD hypergeometric term); those pieces are computed once per unique value per
 * evaluation and looked up through the index arrays here, which leaves only a few additions per triple.
 */
export interface CompressedTriples {
  /** Number of unique triples. */
  size: number;
  /** Number of customers (sum of weights). */
  customers: number;
  weight: Float64Array;
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Unique x values (first-seen order, not sorted) and each triple's index into them. */
  xValues: Float64Array;
  xIndex: Int32Array;
  /** Unique time values (t_x and T share one table) and each triple's index for t_x and for T. */
  timeValues: Float64Array;
  txIndex: Int32Array;
  TIndex: Int32Array;
  /** For each triple, which original customers map to it is kept so predictions can be scattered back. */
  customerToTriple: Int32Array;
}

// Hashing reads a double's two 32-bit halves through this shared view; equality is then checked on
// the doubles themselves, so the hash only has to spread, never to be exact.
const BITS = new Float64Array(1);
const WORDS = new Uint32Array(BITS.buffer);

function mix(h: number, v: number): number {
  BITS[0] = v;
  h = Math.imul(h ^ WORDS[0]!, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ WORDS[1]!, 0x85ebca77);
  return h ^ (h >>> 13);
}

/** Smallest power of two ≥ 2n (load factor ≤ 1/2 keeps linear probing short). */
function tableSize(n: number): number {
  let size = 16;
  while (size < 2 * n) size *= 2;
  return size;
}

/**
 * Distinct values in first-seen order, by open addressing on the value's bits. The table grows as
 * values arrive, so with few distinct values (x, or whole days) it stays in cache.
 */
class ValueIndex {
  private mask = 255;
  private slots = new Int32Array(256).fill(-1);
  values = new Float64Array(128);
  count = 0;

  get(value: number): number {
    // + 0 turns −0 into 0, whose bits differ but which must share a slot.
    const v = value + 0;
    let h = mix(0x2545f491, v) & this.mask;
    for (;;) {
      const k = this.slots[h]!;
      if (k < 0) break;
      if (this.values[k] === v) return k;
      h = (h + 1) & this.mask;
    }
    if (this.count === this.values.length) {
      this.grow();
      return this.get(v);
    }
    this.slots[h] = this.count;
    this.values[this.count] = v;
    return this.count++;
  }

  private grow(): void {
    const old = this.values;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array(this.mask + 1).fill(-1);
    this.values = new Float64Array(old.length * 2);
    this.values.set(old);
    for (let k = 0; k < this.count; k++) {
      let h = mix(0x2545f491, old[k]!) & this.mask;
      while (this.slots[h]! >= 0) h = (h + 1) & this.mask;
      this.slots[h] = k;
    }
  }

  unique(): Float64Array {
    return this.values.slice(0, this.count);
  }
}

/** Largest (x, t) grid addressed directly; beyond it (continuous times) triples are hashed whole. */
const MAX_PAIR_GRID = 1 << 24;

/**
 * Compresses per-customer (x, t_x, T) columns to unique weighted triples, in O(n) without sorting
 * keys. x and the times are indexed by small hash tables; each customer's (x, t_x) gets a dense pair
 * id from a direct-addressed grid; customers are then bucketed by T (a counting sort) and, inside a
 * bucket, grouped by pair id through a table that stays in cache. A hash table over whole triples
 * costs about four times as much on 10^6 customers, because nearly every probe misses the cache; it
 * is kept for data whose (x, t) grid is too large to address (continuous times).
 */
export function compressTriples(x: Float64Array, tx: Float64Array, T: Float64Array): CompressedTriples {
  const n = x.length;
  const xs = new ValueIndex();
  const times = new ValueIndex();
  const xI = new Int32Array(n);
  const txI = new Int32Array(n);
  const TI = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    xI[i] = xs.get(x[i]!);
    txI[i] = times.get(tx[i]!);
    TI[i] = times.get(T[i]!);
  }
  const nx = xs.count;
  const nt = times.count;
  if (nx * nt > MAX_PAIR_GRID) return hashTriples(xs.unique(), xI, times.unique(), txI, TI);

  // Dense ids for the (x, t_x) pairs that occur, with each pair's x and t_x index.
  const grid = new Int32Array(nx * nt).fill(-1);
  const pairOf = new Int32Array(n);
  const pairX = new Int32Array(Math.min(n, nx * nt));
  const pairTx = new Int32Array(pairX.length);
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    const g = xI[i]! * nt + txI[i]!;
    let p = grid[g]!;
    if (p < 0) {
      p = pairs++;
      grid[g] = p;
      pairX[p] = xI[i]!;
      pairTx[p] = txI[i]!;
    }
    pairOf[i] = p;
  }
  // Counting sort of customers by T, carrying each customer's pair id so the grouping pass below
  // reads sequentially.
  const start = new Int32Array(nt + 1);
  for (let i = 0; i < n; i++) start[TI[i]! + 1]!++;
  for (let k = 0; k < nt; k++) start[k + 1]! += start[k]!;
  const order = new Int32Array(n);
  const sortedPair = new Int32Array(n);
  const fill = start.slice(0, nt);
  for (let i = 0; i < n; i++) {
    const at = fill[TI[i]!]!++;
    order[at] = i;
    sortedPair[at] = pairOf[i]!;
  }

  const stamp = new Int32Array(pairs).fill(-1);
  const tripleOfPair = new Int32Array(pairs);
  const customerToTriple = new Int32Array(n);
  // At most one triple per (pair, T); fill the front and trim.
  const cap = Math.min(n, pairs * nt);
  const w = new Float64Array(cap);
  const oxi = new Int32Array(cap);
  const otxi = new Int32Array(cap);
  const oTi = new Int32Array(cap);
  let size = 0;
  for (let b = 0; b < nt; b++) {
    for (let j = start[b]!; j < start[b + 1]!; j++) {
      const p = sortedPair[j]!;
      let k: number;
      if (stamp[p] === b) {
        k = tripleOfPair[p]!;
      } else {
        stamp[p] = b;
        k = size++;
        tripleOfPair[p] = k;
        oxi[k] = pairX[p]!;
        otxi[k] = pairTx[p]!;
        oTi[k] = b;
      }
      w[k]!++;
      customerToTriple[order[j]!] = k;
    }
  }
  return build(size, w, customerToTriple, xs.unique(), oxi, times.unique(), otxi, oTi, n);
}

/** The compressed columns from each triple's value indices (arrays may be longer than `size`). */
function build(
  size: number,
  w: Float64Array,
  customerToTriple: Int32Array,
  xValues: Float64Array,
  xIndex: Int32Array,
  timeValues: Float64Array,
  txIndex: Int32Array,
  TIndex: Int32Array,
  customers: number,
): CompressedTriples {
  const oxi = xIndex.slice(0, size);
  const otxi = txIndex.slice(0, size);
  const oTi = TIndex.slice(0, size);
  const ox = new Float64Array(size);
  const otx = new Float64Array(size);
  const oT = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    ox[k] = xValues[oxi[k]!]!;
    otx[k] = timeValues[otxi[k]!]!;
    oT[k] = timeValues[oTi[k]!]!;
  }
  return {
    size,
    customers,
    weight: w.slice(0, size),
    x: ox,
    tx: otx,
    T: oT,
    xValues,
    xIndex: oxi,
    timeValues,
    txIndex: otxi,
    TIndex: oTi,
    customerToTriple,
  };
}

/** Groups equal triples through one hash table on their index triple (the general, slower path). */
function hashTriples(
  xValues: Float64Array,
  xI: Int32Array,
  timeValues: Float64Array,
  txI: Int32Array,
  TI: Int32Array,
): CompressedTriples {
  const n = xI.length;
  const mask = tableSize(n) - 1;
  const slots = new Int32Array(mask + 1).fill(-1);
  const customerToTriple = new Int32Array(n);
  const first = new Int32Array(n);
  const w = new Float64Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const a = xI[i]!;
    const b = txI[i]!;
    const c = TI[i]!;
    let h = Math.imul(Math.imul(Math.imul(a, 0x9e3779b1) ^ b, 0x85ebca77) ^ c, 0xc2b2ae35);
    h = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const k = slots[h]!;
      if (k < 0) {
        slots[h] = size;
        first[size] = i;
        customerToTriple[i] = size++;
        w[size - 1] = 1;
        break;
      }
      const f = first[k]!;
      if (xI[f] === a && txI[f] === b && TI[f] === c) {
        w[k]!++;
        customerToTriple[i] = k;
        break;
      }
      h = (h + 1) & mask;
    }
  }
  const oxi = new Int32Array(size);
  const otxi = new Int32Array(size);
  const oTi = new Int32Array(size);
  for (let k = 0; k < size; k++) {
    const i = first[k]!;
    oxi[k] = xI[i]!;
    otxi[k] = txI[i]!;
    oTi[k] = TI[i]!;
  }
  return build(size, w, customerToTriple, xValues, oxi, timeValues, otxi, oTi, n);
}

/**
 * A weighted random subsample of the triples, used to run the multi-start search cheaply on large
 * data before one polishing run on the full set. Weights are scaled so the log-likelihood keeps the
 * magnitude of the full data (the optimiser's tolerances are per customer anyway).
 */
export function subsampleTriples(data: CompressedTriples, maxSize: number, seed: number): CompressedTriples {
  if (data.size <= maxSize) return data;
  let state = seed >>> 0 || 1;
  const keep = new Uint8Array(data.size);
  const p = maxSize / data.size;
  let kept = 0;
  for (let i = 0; i < data.size; i++) {
    // xorshift32: deterministic, so two runs on the same data give the same fit.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    if (state / 4294967296 < p) {
      keep[i] = 1;
      kept++;
    }
  }
  const pick = <A extends Float64Array | Int32Array>(src: A, make: (n: number) => A): A => {
    const out = make(kept);
    let k = 0;
    for (let i = 0; i < data.size; i++) if (keep[i] === 1) out[k++] = src[i]!;
    return out;
  };
  const f64 = (n: number) => new Float64Array(n);
  const i32 = (n: number) => new Int32Array(n);
  const weight = pick(data.weight, f64);
  let total = 0;
  for (let i = 0; i < kept; i++) total += weight[i]!;
  return {
    size: kept,
    customers: total,
    weight,
    x: pick(data.x, f64),
    tx: pick(data.tx, f64),
    T: pick(data.T, f64),
    xValues: data.xValues,
    xIndex: pick(data.xIndex, i32),
    timeValues: data.timeValues,
    txIndex: pick(data.txIndex, i32),
    TIndex: pick(data.TIndex, i32),
    customerToTriple: new Int32Array(0),
  };
}
