import { AnalyticsError } from './errors.js';
import { fitModel, type ModelFit } from './model-fit.js';
import type { Objective } from './optimise.js';
import { digamma, logGamma } from './special.js';

/**
 * Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"): each
 * transaction's value is Gamma(p, ν) and each customer's ν is Gamma(q, γ); `v` is γ. Spend is
 * assumed independent of purchase frequency; check that on your data before trusting CLV.
 */
export type GammaGammaParams = {
  p: number;
  q: number;
  v: number;
};

export const GAMMA_GAMMA_NAMES = ['p', 'q', 'v'] as const;

/** The input: repeat purchase count and mean repeat spend per customer; customers with x = 0 are skipped. */
export interface SpendData {
  x: Float64Array;
  monetary: Float64Array;
}

interface RepeatSpend {
  /** Distinct x values and, per distinct x, the total weight. */
  xValues: Float64Array;
  xWeight: Float64Array;
  /** Per customer: index into xValues, x · z̄ and ln z̄. */
  xIndex: Int32Array;
  xz: Float64Array;
  logZ: Float64Array;
  /** Σ over customers of (p x − 1) ln z̄ + p x ln x splits into these two sums, computed once. */
  sumXLogZ: number;
  sumLogZ: number;
  sumXLogX: number;
  size: number;
  /** Repeat customers left out because their repeat purchases were all free (mean spend 0). */
  skipped: number;
}

function prepareSpend(data: SpendData): RepeatSpend {
  const n = data.x.length;
  if (data.monetary.length !== n) {
    throw new AnalyticsError(
      'ANALYTICS_INVALID_INPUT',
      'Gamma-Gamma: x and monetary must have the same length',
    );
  }
  let size = 0;
  let skipped = 0;
  const usable = (x: number, m: number) => x > 0 && m > 0 && Number.isFinite(m);
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const m = data.monetary[i]!;
    if (!Number.isFinite(m) || m < 0) {
      throw new AnalyticsError(
        'ANALYTICS_INVALID_INPUT',
        `Gamma-Gamma: customer ${i} has mean spend ${m}; spend must be a non-negative number`,
      );
    }
    if (usable(x, m)) size++;
    else if (x > 0) skipped++;
  }
  if (size < 2) {
    throw new AnalyticsError(
      'ANALYTICS_INSUFFICIENT_DATA',
      `Gamma-Gamma needs at least 2 customers with repeat purchases and positive spend; got ${size}`,
    );
  }
  const xs = new Float64Array(size);
  const xz = new Float64Array(size);
  const logZ = new Float64Array(size);
  let k = 0;
  let sumXLogZ = 0;
  let sumLogZ = 0;
  let sumXLogX = 0;
  for (let i = 0; i < n; i++) {
    const x = data.x[i]!;
    const m = data.monetary[i]!;
    if (!usable(x, m)) continue;
    xs[k] = x;
    xz[k] = x * m;
    logZ[k] = Math.log(m);
    sumXLogZ += x * logZ[k]!;
    sumLogZ += logZ[k]!;
    sumXLogX += x * Math.log(x);
    k++;
  }
  const xValues = Float64Array.from(new Set(xs)).sort();
  const position = new Map<number, number>();
  xValues.forEach((v, j) => {
    position.set(v, j);
  });
  const xIndex = new Int32Array(size);
  const xWeight = new Float64Array(xValues.length);
  for (let i = 0; i < size; i++) {
    const j = position.get(xs[i]!)!;
    xIndex[i] = j;
    xWeight[j]!++;
  }
  return { xValues, xWeight, xIndex, xz, logZ, sumXLogZ, sumLogZ, sumXLogX, size, skipped };
}

/**
 * Total log-likelihood over customers with x > 0 (Fader & Hardie 2013 eq. 3 with the x^{px} z̄^{px−1}
 * Jacobian, as CLVTools and lifetimes report it):
 *   LL = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄).
 */
function logLikelihood(theta: ArrayLike<number>, d: RepeatSpend, grad?: Float64Array): number {
  const p = theta[0]!;
  const q = theta[1]!;
  const v = theta[2]!;
  const lgQ = logGamma(q);
  const logV = Math.log(v);
  let ll = p * d.sumXLogZ - d.sumLogZ + p * d.sumXLogX;
  let gp = d.sumXLogZ + d.sumXLogX;
  let gq = 0;
  let gv = 0;
  const psiQ = grad ? digamma(q) : 0;
  for (let k = 0; k < d.xValues.length; k++) {
    const x = d.xValues[k]!;
    const w = d.xWeight[k]!;
    ll += w * (logGamma(p * x + q) - logGamma(p * x) - lgQ + q * logV);
    if (grad) {
      const psiPXQ = digamma(p * x + q);
      gp += w * x * (psiPXQ - digamma(p * x));
      gq += w * (psiPXQ - psiQ + logV);
      gv += (w * q) / v;
    }
  }
  const { xValues, xIndex, xz } = d;
  for (let i = 0; i < d.size; i++) {
    const x = xValues[xIndex[i]!]!;
    const logDen = Math.log(v + xz[i]!);
    ll -= (p * x + q) * logDen;
    if (grad) {
      gp -= x * logDen;
      gq -= logDen;
      gv -= (p * x + q) / (v + xz[i]!);
    }
  }
  if (grad) {
    grad[0] = gp;
    grad[1] = gq;
    grad[2] = gv;
  }
  return ll;
}

export type GammaGammaFit = ModelFit<GammaGammaParams, 'gamma-gamma'>;

/**
 * Fits Gamma-Gamma by maximum likelihood on the customers with at least one repeat purchase and a
 * positive mean repeat spend (the model's spend is Gamma distributed, so 0 has no likelihood).
 */
export function fitGammaGamma(input: SpendData): GammaGammaFit {
  const d = prepareSpend(input);
  let meanSpend = 0;
  for (let i = 0; i < d.size; i++) meanSpend += Math.exp(d.logZ[i]!);
  meanSpend /= d.size;
  const theta = new Float64Array(3);
  const g = new Float64Array(3);
  const objective: Objective = (u, grad) => {
    for (let i = 0; i < 3; i++) theta[i] = Math.exp(u[i]!);
    const ll = logLikelihood(theta, d, g);
    for (let i = 0; i < 3; i++) grad[i] = (-g[i]! * theta[i]!) / d.size;
    return -ll / d.size;
  };
  // The population mean spend is p γ / (q − 1); starts put it at the sample mean for several shapes.
  const starts = [
    [1, 2, meanSpend],
    [4, 3, 0.5 * meanSpend],
    [2, 5, 2 * meanSpend],
    [10, 1.5, 0.05 * meanSpend],
  ];
  return fitModel<GammaGammaParams, 'gamma-gamma'>({
    model: 'gamma-gamma',
    names: [...GAMMA_GAMMA_NAMES],
    objective,
    logLikelihood: (t) => logLikelihood(t, d),
    negLogLikelihoodGradient: (t, grad) => {
      logLikelihood(t, d, grad);
      for (let i = 0; i < 3; i++) grad[i] = -grad[i]!;
    },
    starts,
    shapes: ['p', 'q'],
    customers: d.size,
    extraWarnings: (params) => [
      ...(params.q <= 1
        ? [
            `gamma-gamma: q = ${params.q.toPrecision(4)} ≤ 1 means the population mean spend is infinite; expected spend falls back to each customer's own mean (0 without repeat purchases)`,
          ]
        : []),
      ...(d.skipped > 0
        ? [
            `gamma-gamma: ${d.skipped} customers with repeat purchases but zero mean spend were left out of the fit`,
          ]
        : []),
    ],
  });
}

/**
 * E[spend per transaction | x, z̄] (Fader & Hardie 2013 eq. 5): a weighted mean of the population mean
 * p γ / (q − 1) and the customer's own mean z̄, the weight on z̄ growing with x. Customers without repeat
 * purchases get the population mean. Needs q > 1; otherwise the customer's own mean is returned (0 for
 * x = 0) rather than an infinite population mean.
 */
export function gammaGammaExpectedSpend(params: GammaGammaParams, x: number, monetary: number): number {
  const { p, q, v } = params;
  if (q <= 1) return x > 0 ? monetary : 0;
  if (x <= 0) return (p * v) / (q - 1);
  return (p * (v + x * monetary)) / (p * x + q - 1);
}
