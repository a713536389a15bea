/**
 * Special functions the purchase and spend models need. JavaScript has no lgamma, digamma or
 * hypergeometric function, and the likelihoods are sums of many such terms, so each is written for
 * accuracy near 1e-15 relative and without allocation (they run inside the optimiser's hot loops).
 */

const LANCZOS_G = 7;
// Lanczos coefficients for g = 7, n = 9 (Numerical Recipes 3rd ed. / Boost); relative error about 1e-15.
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.9189385332046728;

/** Natural log of the gamma function for x > 0 (the models never need negative arguments). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range; log(pi / sin(pi x)) is fine for 0 < x < 0.5.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  if (x >= 15) {
    // Stirling's series is both faster and more accurate than Lanczos for large arguments.
    const inv = 1 / x;
    const inv2 = inv * inv;
    const series =
      inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188)))));
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series;
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS_G + 2; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Digamma ψ(x) = d/dx log Γ(x) for x > 0, via the recurrence up to x ≥ 10 and the asymptotic series. */
export function digamma(x: number): number {
  let result = 0;
  let y = x;
  while (y < 10) {
    result -= 1 / y;
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  return (
    result +
    Math.log(y) -
    0.5 * inv -
    inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132)))))
  );
}

/**
 * Trigamma ψ′(x) for x > 0, for the BG/NBD Hessian: the recurrence ψ′(x) = ψ′(x+1) + 1/x² up to
 * x ≥ 10, then the asymptotic series 1/x + 1/(2x²) + Σ B₂ₖ/x^(2k+1).
 */
export function trigamma(x: number): number {
  let result = 0;
  let y = x;
  while (y < 10) {
    result += 1 / (y * y);
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  return (
    result +
    inv +
    0.5 * inv2 +
    inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30 - inv2 * (5 / 66)))))
  );
}

/** log(exp(a) + exp(b)) without overflow; -Infinity stands for a zero term. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(exp(a) - exp(b)) for a ≥ b; -Infinity when they are equal. */
export function logSubExp(a: number, b: number): number {
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (b >= a) return Number.NEGATIVE_INFINITY;
  return a + Math.log(-Math.expm1(b - a));
}

/** A value as log|v| and its sign, so hypergeometric sums far beyond 1e308 stay representable. */
export interface LogSigned {
  logAbs: number;
  sign: number;
}

const RESCALE_AT = 1e250;
const LOG_RESCALE = Math.log(RESCALE_AT);

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for 0 ≤ z < 1 by its power series, summed with
 * rescaling so terms that grow to 1e1000 (large purchase counts) do not overflow. The series converges
 * geometrically with ratio z; callers keep z away from 1 (the models' arguments are ratios such as
 * t / (α + T + t)). Throws when c is a non-positive integer, where the function has a pole.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, maxTerms = 1_000_000): LogSigned {
  if (!(z >= 0 && z < 1)) throw new RangeError(`2F1 argument z = ${z} is outside [0, 1)`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`2F1 parameter c = ${c} is a pole`);
  let sum = 1;
  let term = 1;
  let logScale = 0;
  for (let j = 0; j < maxTerms; j++) {
    term *= (((a + j) / (c + j)) * (b + j) * z) / (j + 1);
    sum += term;
    if (Math.abs(sum) > RESCALE_AT) {
      sum /= RESCALE_AT;
      term /= RESCALE_AT;
      logScale += LOG_RESCALE;
    }
    // Stop once the terms are negligible and shrinking; the shrink test guards the early growth phase.
    if (
      Math.abs(term) <= 1e-17 * Math.abs(sum) &&
      Math.abs((a + j + 1) * (b + j + 1) * z) < Math.abs((c + j + 1) * (j + 2))
    ) {
      return { logAbs: Math.log(Math.abs(sum)) + logScale, sign: Math.sign(sum) };
    }
    if (term === 0) break;
  }
  if (term === 0) return { logAbs: Math.log(Math.abs(sum)) + logScale, sign: Math.sign(sum) };
  throw new RangeError(`2F1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms`);
}

/**
 * Gauss–Kronrod 7/15 rule on [-1, 1] (QUADPACK's qk15): the 15-point Kronrod estimate and the embedded
 * 7-point Gauss estimate share nodes, so one pass of 15 evaluations yields a value and an error bound.
 */
const GK_NODES = [
  0.9914553711208126, 0.9491079123427585, 0.8648644233597691, 0.7415311855993945, 0.5860872354676911,
  0.4058451513773972, 0.20778495500789848, 0,
];
const GK_WEIGHTS = [
  0.022935322010529224, 0.06309209262997856, 0.10479001032225019, 0.14065325971552592, 0.1690047266392679,
  0.19035057806478542, 0.20443294007529889, 0.20948214108472782,
];
/** 7-point Gauss weights, for the Kronrod nodes with odd index (1, 3, 5) and the centre. */
const G7_WEIGHTS = [0.1294849661688697, 0.27970539148927664, 0.3818300505051189, 0.4179591836734694];

function gaussKronrod15(f: (t: number) => number, lo: number, hi: number): { value: number; error: number } {
  const mid = 0.5 * (lo + hi);
  const half = 0.5 * (hi - lo);
  const fc = f(mid);
  let kronrod = GK_WEIGHTS[7]! * fc;
  let gauss = G7_WEIGHTS[3]! * fc;
  for (let i = 0; i < 7; i++) {
    const dx = half * GK_NODES[i]!;
    const pair = f(mid - dx) + f(mid + dx);
    kronrod += GK_WEIGHTS[i]! * pair;
    if (i % 2 === 1) gauss += G7_WEIGHTS[(i - 1) / 2]! * pair;
  }
  return { value: kronrod * half, error: Math.abs((kronrod - gauss) * half) };
}

/**
 * Adaptive Gauss–Kronrod integral of a smooth, non-negative function: a panel is accepted when its
 * Kronrod–Gauss difference is below `relTol` of its value (or negligible against the first estimate),
 * otherwise it is bisected. Smooth integrands finish in one panel of 15 evaluations.
 */
export function integrate(f: (t: number) => number, lo: number, hi: number, relTol = 1e-12): number {
  if (hi <= lo) return 0;
  const first = gaussKronrod15(f, lo, hi);
  // The integrand is positive, so the first estimate sets the scale of the total; a panel may then
  // carry its share of the allowed error by width, which stops the recursion from chasing pieces
  // (near-singular ends where the integrand is tiny) that cannot change the total.
  const absTolPerWidth = (Math.abs(first.value) * relTol) / (hi - lo);
  // A budget of panels bounds the cost when rounding noise in the integrand (say, a power of 10^6)
  // keeps the error estimate above the tolerance; the best estimate so far is then returned.
  const budget = { panels: MAX_PANELS };
  return refine(f, lo, hi, first, relTol, absTolPerWidth, budget);
}

const MAX_PANELS = 64;

function refine(
  f: (t: number) => number,
  lo: number,
  hi: number,
  panel: { value: number; error: number },
  relTol: number,
  absTolPerWidth: number,
  budget: { panels: number },
): number {
  if (
    budget.panels <= 0 ||
    panel.error <= relTol * Math.abs(panel.value) ||
    panel.error <= absTolPerWidth * (hi - lo)
  ) {
    return panel.value;
  }
  budget.panels -= 2;
  const mid = 0.5 * (lo + hi);
  return (
    refine(f, lo, mid, gaussKronrod15(f, lo, mid), relTol, absTolPerWidth, budget) +
    refine(f, mid, hi, gaussKronrod15(f, mid, hi), relTol, absTolPerWidth, budget)
  );
}

const MAX_DEPTH = 40;

/**
 * Adaptive Gauss–Kronrod (7/15) quadrature of several integrands that share their nodes: `f(t, out)`
 * writes m values at t, the first of which is positive and steers the refinement (the others are it
 * times smooth bounded weights, the derivatives of a log-likelihood, so the same panels serve them).
 * Same acceptance rule and panel budget as `integrate`; scratch is allocated once per instance, so
 * calls inside a likelihood evaluation do not allocate.
 */
export class VectorQuadrature {
  private readonly values: Float64Array[];
  private readonly errors = new Float64Array(MAX_DEPTH);
  private readonly point: Float64Array;
  private readonly pair: Float64Array;
  private budget = 0;

  constructor(readonly m: number) {
    this.values = Array.from({ length: MAX_DEPTH }, () => new Float64Array(m));
    this.point = new Float64Array(m);
    this.pair = new Float64Array(m);
  }

  /** Writes the m integrals over [lo, hi] into `result`. */
  integrate(
    f: (t: number, out: Float64Array) => void,
    lo: number,
    hi: number,
    relTol: number,
    result: Float64Array,
  ): void {
    result.fill(0);
    if (hi <= lo) return;
    this.panel(f, lo, hi, 0);
    const absTolPerWidth = (Math.abs(this.values[0]![0]!) * relTol) / (hi - lo);
    this.budget = MAX_PANELS;
    this.refine(f, lo, hi, 0, relTol, absTolPerWidth, result);
  }

  private panel(f: (t: number, out: Float64Array) => void, lo: number, hi: number, depth: number): void {
    const m = this.m;
    const kronrod = this.values[depth]!;
    const { point, pair } = this;
    const mid = 0.5 * (lo + hi);
    const half = 0.5 * (hi - lo);
    f(mid, point);
    for (let c = 0; c < m; c++) kronrod[c] = GK_WEIGHTS[7]! * point[c]!;
    let gauss = G7_WEIGHTS[3]! * point[0]!;
    for (let i = 0; i < 7; i++) {
      const dx = half * GK_NODES[i]!;
      f(mid - dx, pair);
      f(mid + dx, point);
      const wk = GK_WEIGHTS[i]!;
      for (let c = 0; c < m; c++) kronrod[c]! += wk * (pair[c]! + point[c]!);
      if (i % 2 === 1) gauss += G7_WEIGHTS[(i - 1) / 2]! * (pair[0]! + point[0]!);
    }
    this.errors[depth] = Math.abs((kronrod[0]! - gauss) * half);
    for (let c = 0; c < m; c++) kronrod[c]! *= half;
  }

  private refine(
    f: (t: number, out: Float64Array) => void,
    lo: number,
    hi: number,
    depth: number,
    relTol: number,
    absTolPerWidth: number,
    result: Float64Array,
  ): void {
    const v = this.values[depth]!;
    const e = this.errors[depth]!;
    if (
      this.budget <= 0 ||
      depth === MAX_DEPTH - 1 ||
      e <= relTol * Math.abs(v[0]!) ||
      e <= absTolPerWidth * (hi - lo)
    ) {
      for (let c = 0; c < this.m; c++) result[c]! += v[c]!;
      return;
    }
    this.budget -= 2;
    const mid = 0.5 * (lo + hi);
    this.panel(f, lo, mid, depth + 1);
    this.refine(f, lo, mid, depth + 1, relTol, absTolPerWidth, result);
    this.panel(f, mid, hi, depth + 1);
    this.refine(f, mid, hi, depth + 1, relTol, absTolPerWidth, result);
  }
}
