import type { CompressedTriples } from './compress.js';
import { fitModel, type ModelFit } from './model-fit.js';
import { numericGradient } from './optimise.js';
import { meanPurchaseRate, type PurchaseData, preparePurchaseData, searchSample } from './purchase-data.js';
import { integrate, logAddExp, logGamma, logSubExp } from './special.js';

/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987): while alive a customer buys at Poisson rate
 * λ ~ Gamma(r, α) and dies at exponential rate μ ~ Gamma(s, β).
 */
export type ParetoNbdParams = {
  r: number;
  alpha: number;
  s: number;
  beta: number;
};

export const PARETO_NBD_NAMES = ['r', 'alpha', 's', 'beta'] as const;

/**
 * Estimated number of series terms above which the integral the hypergeometric series stands for is
 * computed by quadrature instead (the series' ratio tends to z, so it crawls when z is near 1).
 */
const SERIES_COST_MAX = 300;
const SERIES_MAX_TERMS = 5000;

/**
 * The likelihood (Fader & Hardie, "A note on deriving the Pareto/NBD model", eq. 1) is
 *   L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s J ],
 *   J = ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ,
 * the second term being death at some τ between the last purchase and T. J = G(t_x) − G(T) with
 *   G(y) = ∫_y^∞ … dτ = W^−a Σ_j (q)_j / j! · z^j / (a + j),   a = r + s + x,
 * which is W^−a/a · 2F1(a, q; a+1; z): the form in Fader & Hardie's "Implementing the Pareto/NBD model"
 * note, lifetimes and CLVTools. Expanding around the larger of α, β keeps 0 ≤ z < 1:
 *   α ≥ β: W = α + y, z = (α − β)/W, q = s + 1;   α < β: W = β + y, z = (β − α)/W, q = r + x.
 * Returns ln G(y), or NaN when the series would be slow so the caller integrates instead.
 */
function logG(r: number, alpha: number, s: number, beta: number, x: number, y: number): number {
  const a = r + s + x;
  let W: number;
  let d: number;
  let q: number;
  if (alpha >= beta) {
    W = alpha + y;
    d = alpha - beta;
    q = s + 1;
  } else {
    W = beta + y;
    d = beta - alpha;
    q = r + x;
  }
  const z = d / W;
  // The terms shrink by about z each once j exceeds q z / (1 − z); past a few hundred terms the
  // quadrature is cheaper and as accurate.
  if ((q * z + 40) / (1 - z) > SERIES_COST_MAX) return Number.NaN;
  let term = 1 / a;
  let sum = term;
  let logScale = 0;
  for (let j = 0; j < SERIES_MAX_TERMS; j++) {
    term *= (((q + j) / (j + 1)) * z * (a + j)) / (a + j + 1);
    sum += term;
    if (sum > 1e250) {
      // Large q (many purchases, α < β) makes the terms climb before they fall; rescale, sum in logs.
      sum *= 1e-250;
      term *= 1e-250;
      logScale += 575.6462732485114;
    }
    if (term < 1e-17 * sum && (q + j + 1) * z < j + 2) {
      return -a * Math.log(W) + Math.log(sum) + logScale;
    }
  }
  return Number.NaN;
}

/**
 * ln J by quadrature, for the cases where the series argument is near 1. That happens only when one of
 * α, β is many times the other, so one factor of the integrand, (c₁+τ)^−e₁ with c₁ the smaller of α
 * and β, is sharp and the other nearly flat. In v = ln((c₁+τ)/(c₁+t_x)) the sharp factor becomes the
 * plain exponential e^{(1−e₁)v} and the flat one stays smooth, with no endpoint singularity:
 *   J = (c₁+t_x)^{1−e₁} (c₂+t_x)^{−e₂} ∫_0^{ln((c₁+T)/(c₁+t_x))} e^{(1−e₁)v} (1 + (c₁+t_x)(e^v−1)/(c₂+t_x))^{−e₂} dv.
 * Adaptive Gauss–Kronrod needs 15 to a few hundred evaluations for 1e-13.
 */
function logJByQuadrature(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  tx: number,
  T: number,
) {
  if (T <= tx) return Number.NEGATIVE_INFINITY;
  const alphaSharp = alpha <= beta;
  const c1 = alphaSharp ? alpha : beta;
  const e1 = alphaSharp ? r + x : s + 1;
  const c2 = alphaSharp ? beta : alpha;
  const e2 = alphaSharp ? s + 1 : r + x;
  const k = 1 - e1;
  const base = c1 + tx;
  const scale = base / (c2 + tx);
  const integrand = (v: number) => Math.exp(k * v - e2 * Math.log1p(scale * Math.expm1(v)));
  const integral = integrate(integrand, 0, Math.log((c1 + T) / base), 1e-13);
  return k * Math.log(base) - e2 * Math.log(c2 + tx) + Math.log(integral);
}

/**
 * ln J for one customer, by the series where it is fast and by quadrature otherwise; `quadrature`
 * forces the quadrature so tests can check the two methods agree.
 */
export function paretoNbdLogJ(
  params: ParetoNbdParams,
  x: number,
  tx: number,
  T: number,
  method: 'auto' | 'quadrature' = 'auto',
): number {
  const { r, alpha, s, beta } = params;
  return method === 'quadrature'
    ? logJByQuadrature(r, alpha, s, beta, x, tx, T)
    : logJ(r, alpha, s, beta, x, tx, T);
}

function logJ(r: number, alpha: number, s: number, beta: number, x: number, tx: number, T: number): number {
  if (T <= tx) return Number.NEGATIVE_INFINITY;
  const gtx = logG(r, alpha, s, beta, x, tx);
  const gT = logG(r, alpha, s, beta, x, T);
  if (Number.isNaN(gtx) || Number.isNaN(gT)) return logJByQuadrature(r, alpha, s, beta, x, tx, T);
  return logSubExp(gtx, gT);
}

/** Pair tables so ln G is computed once per distinct (x, t) per evaluation, not once per customer. */
interface PairTables {
  /** Distinct (x index, time index) pairs: their x and time values. */
  pairX: Float64Array;
  pairTime: Float64Array;
  /** Per triple: pair index of (x, t_x) and of (x, T). */
  txPair: Int32Array;
  TPair: Int32Array;
  /** Per evaluation scratch: ln G per pair. */
  logGPair: Float64Array;
}

function buildPairs(data: CompressedTriples): PairTables {
  const nt = data.timeValues.length;
  const index = new Map<number, number>();
  const xs: number[] = [];
  const ts: number[] = [];
  const lookup = (xi: number, ti: number) => {
    const key = xi * nt + ti;
    let k = index.get(key);
    if (k === undefined) {
      k = xs.length;
      index.set(key, k);
      xs.push(data.xValues[xi]!);
      ts.push(data.timeValues[ti]!);
    }
    return k;
  };
  const txPair = new Int32Array(data.size);
  const TPair = new Int32Array(data.size);
  for (let i = 0; i < data.size; i++) {
    txPair[i] = lookup(data.xIndex[i]!, data.txIndex[i]!);
    TPair[i] = lookup(data.xIndex[i]!, data.TIndex[i]!);
  }
  return {
    pairX: Float64Array.from(xs),
    pairTime: Float64Array.from(ts),
    txPair,
    TPair,
    logGPair: new Float64Array(xs.length),
  };
}

/** Total Pareto/NBD log-likelihood over the weighted triples. */
export function paretoNbdLogLikelihood(
  theta: ArrayLike<number>,
  data: CompressedTriples,
  pairs: PairTables = buildPairs(data),
): number {
  const r = theta[0]!;
  const alpha = theta[1]!;
  const s = theta[2]!;
  const beta = theta[3]!;
  const { pairX, pairTime, logGPair } = pairs;
  for (let k = 0; k < pairX.length; k++) logGPair[k] = logG(r, alpha, s, beta, pairX[k]!, pairTime[k]!);
  const lgR = logGamma(r);
  const base = r * Math.log(alpha) + s * Math.log(beta) - lgR;
  const logS = Math.log(s);
  const { xValues, timeValues } = data;
  const lgRX = new Float64Array(xValues.length);
  for (let k = 0; k < xValues.length; k++) lgRX[k] = logGamma(r + xValues[k]!);
  const logAlphaT = new Float64Array(timeValues.length);
  const logBetaT = new Float64Array(timeValues.length);
  for (let k = 0; k < timeValues.length; k++) {
    logAlphaT[k] = Math.log(alpha + timeValues[k]!);
    logBetaT[k] = Math.log(beta + timeValues[k]!);
  }
  let ll = 0;
  for (let i = 0; i < data.size; i++) {
    const x = data.x[i]!;
    const Ti = data.TIndex[i]!;
    const first = -(r + x) * logAlphaT[Ti]! - s * logBetaT[Ti]!;
    const gtx = logGPair[pairs.txPair[i]!]!;
    const gT = logGPair[pairs.TPair[i]!]!;
    const lj =
      Number.isNaN(gtx) || Number.isNaN(gT)
        ? logJByQuadrature(r, alpha, s, beta, x, data.tx[i]!, data.T[i]!)
        : logSubExp(gtx, gT);
    ll += data.weight[i]! * (base + lgRX[data.xIndex[i]!]! + logAddExp(first, logS + lj));
  }
  return ll;
}

export type ParetoNbdFit = ModelFit<ParetoNbdParams, 'pareto-nbd'>;

function objectiveFor(data: CompressedTriples) {
  const pairs = buildPairs(data);
  const theta = new Float64Array(4);
  return numericGradient((u) => {
    for (let i = 0; i < 4; i++) theta[i] = Math.exp(u[i]!);
    return -paretoNbdLogLikelihood(theta, data, pairs) / data.customers;
  });
}

/**
 * Fits Pareto/NBD by maximum likelihood. The gradient is by central differences: the derivatives of
 * the hypergeometric term in its parameters have no cheap closed form, and with the pair tables one
 * evaluation costs a few series per distinct (x, t), so nine evaluations per gradient stay affordable.
 */
export function fitParetoNbd(input: PurchaseData): ParetoNbdFit {
  const data = preparePurchaseData(input, 'Pareto/NBD');
  const sample = searchSample(data);
  const rate = meanPurchaseRate(data);
  let meanT = 0;
  for (let i = 0; i < data.size; i++) meanT += data.weight[i]! * data.T[i]!;
  meanT /= data.customers;
  // Starts: r/α at the observed rate; mean lifetime β/(s−1) from about a quarter of to several times
  // the observation window.
  const starts = [
    [1, 1 / rate, 1, meanT],
    [0.5, 0.5 / rate, 0.5, 0.5 * meanT],
    [2, 2 / rate, 2, 4 * meanT],
    [0.25, 0.25 / rate, 1, 0.25 * meanT],
  ];
  const pairs = buildPairs(data);
  return fitModel<ParetoNbdParams, 'pareto-nbd'>({
    model: 'pareto-nbd',
    names: [...PARETO_NBD_NAMES],
    objective: objectiveFor(data),
    ...(sample === undefined ? {} : { searchObjective: objectiveFor(sample) }),
    logLikelihood: (theta) => paretoNbdLogLikelihood(theta, data, pairs),
    starts,
    shapes: ['r', 's'],
    customers: data.customers,
    gradientTolerance: 1e-8,
    extraWarnings: ({ s, beta }) =>
      s < 1e-2 && beta > 1e3 * meanT
        ? [
            `pareto-nbd: s = ${s.toPrecision(3)} and beta = ${beta.toPrecision(3)} describe dropout rates near 0: the data show almost no dropout, so P(alive) is near 1 for everyone`,
          ]
        : [],
  });
}

/** ln of the two likelihood branches (alive at T; died in (t_x, T]) without the common factor. */
function branches(params: ParetoNbdParams, x: number, tx: number, T: number): [number, number] {
  const { r, alpha, s, beta } = params;
  const first = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const second = Math.log(s) + logJ(r, alpha, s, beta, x, tx, T);
  return [first, second];
}

/** P(alive | x, t_x, T): the share of the likelihood from the "still alive at T" branch. */
export function paretoNbdProbabilityAlive(params: ParetoNbdParams, x: number, tx: number, T: number): number {
  const [first, second] = branches(params, x, tx, T);
  return Math.exp(first - logAddExp(first, second));
}

/**
 * E[purchases in (T, T + t] | x, t_x, T] (Fader & Hardie 2005 note, eq. 22):
 *   P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].
 * The bracket over (s − 1) is evaluated as −expm1(−(s−1)L)/(s−1), L = ln(1 + t/(β+T)), whose limit at
 * s = 1 is L, so s near 1 neither divides by zero nor cancels.
 */
export function paretoNbdExpectedPurchases(
  params: ParetoNbdParams,
  x: number,
  tx: number,
  T: number,
  t: number,
): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = params;
  const L = Math.log1p(t / (beta + T));
  const k = s - 1;
  const factor = Math.abs(k * L) < 1e-8 ? L * (1 - 0.5 * k * L) : -Math.expm1(-k * L) / k;
  return (paretoNbdProbabilityAlive(params, x, tx, T) * (r + x) * (beta + T) * factor) / (alpha + T);
}
