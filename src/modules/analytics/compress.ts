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
  /** Unique x values and each triple's index into them. */
  xValues: Float64Array;
  xIndex: Int32Array;
  /** Unique time values (t_x and T share one table) and each triple's index for t_x and for T. */
  timeValues: Float64Array;
  txIndex: Int32Array;
  TIndex: Int32Array;
  /** For each triple, which original customers map to it is kept so predictions can be scattered back. */
  customerToTriple: Int32Array;
}

/** Sorted unique values of a typed array. */
function uniqueSorted(values: Float64Array): Float64Array {
  const sorted = Float64Array.from(values).sort();
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
  }
  return sorted.slice(0, k);
}

/** Index of `v` in sorted unique `table` by binary search; `v` is known to be present. */
function indexOf(table: Float64Array, v: number): number {
  let lo = 0;
  let hi = table.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Compresses per-customer (x, t_x, T) columns to unique weighted triples. */
export function compressTriples(x: Float64Array, tx: Float64Array, T: Float64Array): CompressedTriples {
  const n = x.length;
  const xValues = uniqueSorted(x);
  const both = new Float64Array(2 * n);
  both.set(tx);
  both.set(T, n);
  const timeValues = uniqueSorted(both);
  const nx = xValues.length;
  const nt = timeValues.length;

  const xi = new Int32Array(n);
  const txi = new Int32Array(n);
  const Ti = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    xi[i] = indexOf(xValues, x[i]!);
    txi[i] = indexOf(timeValues, tx[i]!);
    Ti[i] = indexOf(timeValues, T[i]!);
  }

  // One integer key per customer; sorting keys groups equal triples. The key is exact while
  // nx * nt * nt < 2^53, which holds for any realistic log (10^4 x values and 10^5 times give 10^14).
  const exact = nx * nt * nt < 2 ** 53;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (exact) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (xi[i]! * nt + txi[i]!) * nt + Ti[i]!;
    // Sorting (key, index) pairs packed in one Float64Array would lose exactness, so sort the keys and
    // recover the grouping from a second sorted copy via binary search per customer.
    const sortedKeys = Float64Array.from(keys).sort();
    let unique = 0;
    for (let i = 0; i < n; i++) {
      if (i === 0 || sortedKeys[i] !== sortedKeys[unique - 1]) sortedKeys[unique++] = sortedKeys[i]!;
    }
    const table = sortedKeys.slice(0, unique);
    const customerToTriple = new Int32Array(n);
    const weight = new Float64Array(unique);
    const ox = new Float64Array(unique);
    const otx = new Float64Array(unique);
    const oT = new Float64Array(unique);
    const oxi = new Int32Array(unique);
    const otxi = new Int32Array(unique);
    const oTi = new Int32Array(unique);
    for (let i = 0; i < n; i++) {
      const t = indexOf(table, keys[i]!);
      customerToTriple[i] = t;
      if (weight[t] === 0) {
        ox[t] = x[i]!;
        otx[t] = tx[i]!;
        oT[t] = T[i]!;
        oxi[t] = xi[i]!;
        otxi[t] = txi[i]!;
        oTi[t] = Ti[i]!;
      }
      weight[t]!++;
    }
    return {
      size: unique,
      customers: n,
      weight,
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
  // Fallback without grouping: still correct, only slower.
  return {
    size: n,
    customers: n,
    weight: new Float64Array(n).fill(1),
    x: Float64Array.from(x),
    tx: Float64Array.from(tx),
    T: Float64Array.from(T),
    xValues,
    xIndex: xi,
    timeValues,
    txIndex: txi,
    TIndex: Ti,
    customerToTriple: order,
  };
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
