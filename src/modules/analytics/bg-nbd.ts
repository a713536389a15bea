import type { CompressedTriples } from './compress.js';
import { fitModel, type ModelFit } from './model-fit.js';
import { gradientOnly, logParameterDerivatives, type NewtonObjective } from './optimise.js';
import { meanPurchaseRate, type PurchaseData, preparePurchaseData, searchSample } from './purchase-data.js';
import { digamma, logGamma, logHyp2f1, trigamma } from './special.js';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): while alive a customer
 * buys at Poisson rate λ ~ Gamma(r, α); after each purchase she drops out with probability
 * p ~ Beta(a, b).
 */
export type BgNbdParams = {
  r: number;
  alpha: number;
  a: number;
  b: number;
};

export const BG_NBD_NAMES = ['r', 'alpha', 'a', 'b'] as const;

/**
 * Total log-likelihood (FHL 2005 eq. 6) over the weighted triples and, when `grad` is given, its
 * gradient in the natural parameters, and with `hess` also its Hessian (row-major 4×4). Per customer
 *   LL = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 *        + ln[ (α+T)^−(r+x) + [x>0] a/(b+x−1) (α+t_x)^−(r+x) ].
 * Terms depending only on x are summed once per distinct x with its total weight, logs of α + t once
 * per distinct time, leaving one exp and one log1p per triple. The last term is log(e^A₃ + e^A₄) with
 * A₃, A₄ linear-ish in the parameters, so with the branch shares w₃ + w₄ = 1 its Hessian is
 * w₃∇²A₃ + w₄∇²A₄ + w₃w₄ (∇A₃ − ∇A₄)(∇A₃ − ∇A₄)ᵀ: a few multiply-adds per triple.
 */
export function bgNbdLogLikelihood(
  theta: ArrayLike<number>,
  data: CompressedTriples,
  grad?: Float64Array,
  hess?: Float64Array,
): number {
  const r = theta[0]!;
  const alpha = theta[1]!;
  const a = theta[2]!;
  const b = theta[3]!;
  const scratch = scratchFor(data);
  const { logAt, invAt, logDrop, xWeight } = scratch;
  const { xValues, timeValues } = data;
  const nx = xValues.length;
  const nt = timeValues.length;
  const wantGrad = grad !== undefined || hess !== undefined;
  const wantHess = hess !== undefined;

  for (let k = 0; k < nt; k++) {
    const at = alpha + timeValues[k]!;
    logAt[k] = Math.log(at);
    invAt[k] = 1 / at;
  }
  const lgR = logGamma(r);
  const lgB = logGamma(b);
  const lgAB = logGamma(a + b);
  const logA = Math.log(a);
  const logAlpha = Math.log(alpha);
  let ll = 0;
  // Gradient (g*) and upper-triangle Hessian (h**) accumulators; r=0, α=1, a=2, b=3.
  let gr = 0;
  let galpha = 0;
  let ga = 0;
  let gb = 0;
  let hrr = 0;
  let hra = 0;
  let haa = 0;
  let hAA = 0;
  let hAB = 0;
  let hBB = 0;
  let hrA = 0;
  let hrB = 0;
  let haA = 0;
  let haB = 0;
  const psiR = wantGrad ? digamma(r) : 0;
  const psiB = wantGrad ? digamma(b) : 0;
  const psiAB = wantGrad ? digamma(a + b) : 0;
  const triR = wantHess ? trigamma(r) : 0;
  const triB = wantHess ? trigamma(b) : 0;
  const triAB = wantHess ? trigamma(a + b) : 0;
  let totalWeight = 0;
  for (let k = 0; k < nx; k++) {
    const x = xValues[k]!;
    const w = xWeight[k]!;
    logDrop[k] = x > 0 ? logA - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    if (w === 0) continue;
    totalWeight += w;
    ll += w * (logGamma(r + x) - lgR + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x));
    if (wantGrad) {
      const psiABX = digamma(a + b + x);
      gr += w * (digamma(r + x) - psiR);
      ga += w * (psiAB - psiABX);
      gb += w * (psiAB + digamma(b + x) - psiB - psiABX);
      if (wantHess) {
        const triABX = trigamma(a + b + x);
        hrr += w * (trigamma(r + x) - triR);
        hAA += w * (triAB - triABX);
        hAB += w * (triAB - triABX);
        hBB += w * (triAB + trigamma(b + x) - triB - triABX);
      }
    }
  }
  ll += totalWeight * r * logAlpha;
  gr += totalWeight * logAlpha;
  galpha += (totalWeight * r) / alpha;
  hra += totalWeight / alpha;
  haa -= (totalWeight * r) / (alpha * alpha);

  const { weight, x: xs, xIndex, txIndex, TIndex } = data;
  for (let i = 0; i < data.size; i++) {
    const w = weight[i]!;
    const x = xs[i]!;
    const rx = r + x;
    const tI = TIndex[i]!;
    const lT = logAt[tI]!;
    const a3 = -rx * lT;
    if (x === 0) {
      ll += w * a3;
      if (wantGrad) {
        const iT = invAt[tI]!;
        gr -= w * lT;
        galpha -= w * rx * iT;
        if (wantHess) {
          hra -= w * iT;
          haa += w * rx * iT * iT;
        }
      }
      continue;
    }
    const txI = txIndex[i]!;
    const lTx = logAt[txI]!;
    const a4 = logDrop[xIndex[i]!]! - rx * lTx;
    // log(e^a3 + e^a4) and the share w4 of the "dropped out after t_x" branch, from one exp.
    let w4: number;
    if (a3 >= a4) {
      const e = Math.exp(a4 - a3);
      ll += w * (a3 + Math.log1p(e));
      w4 = e / (1 + e);
    } else {
      const e = Math.exp(a3 - a4);
      ll += w * (a4 + Math.log1p(e));
      w4 = 1 / (1 + e);
    }
    if (wantGrad) {
      const w3 = 1 - w4;
      const iT = invAt[tI]!;
      const iTx = invAt[txI]!;
      const ib = 1 / (b + x - 1);
      gr -= w * (w3 * lT + w4 * lTx);
      galpha -= w * rx * (w3 * iT + w4 * iTx);
      ga += (w * w4) / a;
      gb -= w * w4 * ib;
      if (wantHess) {
        // ∇A₃ − ∇A₄ = (ln(α+t_x) − ln(α+T), (r+x)(1/(α+t_x) − 1/(α+T)), −1/a, 1/(b+x−1)).
        const d0 = lTx - lT;
        const d1 = rx * (iTx - iT);
        const d2 = -1 / a;
        const d3 = ib;
        const c = w * w3 * w4;
        hrr += c * d0 * d0;
        hra += c * d0 * d1 - w * (w3 * iT + w4 * iTx);
        haa += c * d1 * d1 + w * rx * (w3 * iT * iT + w4 * iTx * iTx);
        hAA += c * d2 * d2 - (w * w4) / (a * a);
        hBB += c * d3 * d3 + w * w4 * ib * ib;
        hAB += c * d2 * d3;
        hrA += c * d0 * d2;
        hrB += c * d0 * d3;
        haA += c * d1 * d2;
        haB += c * d1 * d3;
      }
    }
  }
  if (grad !== undefined) {
    grad[0] = gr;
    grad[1] = galpha;
    grad[2] = ga;
    grad[3] = gb;
  }
  if (hess !== undefined) {
    const upper = [hrr, hra, hrA, hrB, haa, haA, haB, hAA, hAB, hBB];
    let u = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = i; j < 4; j++) {
        hess[i * 4 + j] = upper[u]!;
        hess[j * 4 + i] = upper[u++]!;
      }
    }
  }
  return ll;
}

interface Scratch {
  logAt: Float64Array;
  invAt: Float64Array;
  logDrop: Float64Array;
  /** Total weight of the triples with each distinct x (fixed per data set). */
  xWeight: Float64Array;
}

/** Per-data scratch arrays, made once so the optimiser's evaluations do not allocate. */
const scratches = new WeakMap<CompressedTriples, Scratch>();

function scratchFor(data: CompressedTriples): Scratch {
  let s = scratches.get(data);
  if (s === undefined) {
    const xWeight = new Float64Array(data.xValues.length);
    for (let i = 0; i < data.size; i++) xWeight[data.xIndex[i]!]! += data.weight[i]!;
    s = {
      logAt: new Float64Array(data.timeValues.length),
      invAt: new Float64Array(data.timeValues.length),
      logDrop: new Float64Array(data.xValues.length),
      xWeight,
    };
    scratches.set(data, s);
  }
  return s;
}

/** Per-customer negative log-likelihood in log-parameters, the optimiser's objective. */
function objective(data: CompressedTriples): NewtonObjective {
  const theta = new Float64Array(4);
  const g = new Float64Array(4);
  const h = new Float64Array(16);
  return (u, grad, hess) => {
    for (let i = 0; i < 4; i++) theta[i] = Math.exp(u[i]!);
    const ll = bgNbdLogLikelihood(theta, data, grad === null ? undefined : g, hess === null ? undefined : h);
    if (grad !== null) logParameterDerivatives(theta, g, h, data.customers, grad, hess);
    return -ll / data.customers;
  };
}

export type BgNbdFit = ModelFit<BgNbdParams, 'bgnbd'>;

/** Fits BG/NBD by maximum likelihood; see `fitModel` for the optimiser, errors and warnings. */
export function fitBgNbd(input: PurchaseData): BgNbdFit {
  const data = preparePurchaseData(input, 'BG/NBD');
  const sample = searchSample(data);
  const rate = meanPurchaseRate(data);
  // Starts spread over the shapes seen in practice: r/α at the observed rate, dropout p = a/(a+b)
  // from 0.1 to 0.5, and heterogeneity from strong (r = 0.25) to mild (r = 2).
  const starts = [
    [1, 1 / rate, 1, 1],
    [0.25, 0.25 / rate, 0.5, 2],
    [2, 2 / rate, 1, 9],
    [0.5, 0.5 / rate, 2, 2],
  ];
  const full = objective(data);
  return fitModel<BgNbdParams, 'bgnbd'>({
    model: 'bgnbd',
    names: [...BG_NBD_NAMES],
    objective: gradientOnly(full),
    newtonObjective: full,
    ...(sample === undefined ? {} : { searchObjective: gradientOnly(objective(sample)) }),
    logLikelihood: (theta) => bgNbdLogLikelihood(theta, data),
    negLogLikelihoodHessian: (theta) => {
      const hess = new Float64Array(16);
      bgNbdLogLikelihood(theta, data, new Float64Array(4), hess);
      for (let i = 0; i < 16; i++) hess[i] = -hess[i]!;
      return hess;
    },
    starts,
    shapes: ['r', 'a', 'b'],
    ridges: [
      ['r', 'alpha'],
      ['a', 'b'],
    ],
    customers: data.customers,
    extraWarnings: ({ a, b }) =>
      a / (a + b) < 1e-3
        ? [
            `bgnbd: the mean dropout probability a/(a+b) = ${(a / (a + b)).toPrecision(3)} is close to 0: the data show almost no dropout, so P(alive) is near 1 for everyone and long-horizon predictions are optimistic`,
          ]
        : [],
  });
}

/** P(alive | x, t_x, T) (FHL 2005 eq. 11 of the technical note). */
export function bgNbdProbabilityAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logRatio = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

function conditionalExpectation(params: BgNbdParams, x: number, tx: number, T: number, t: number): number {
  const { r, alpha, a, b } = params;
  const z = t / (alpha + T + t);
  const f = logHyp2f1(r + x, b + x, a + b + x - 1, z);
  // (1 − z)^(r+x) · 2F1 in logs: the two factors over- and underflow separately for large x.
  const logPart = (r + x) * Math.log1p(-z) + f.logAbs;
  const bracket = f.sign > 0 ? -Math.expm1(logPart) : 1 + Math.exp(logPart);
  const numerator = ((a + b + x - 1) / (a - 1)) * bracket;
  const denominator =
    x > 0 ? 1 + Math.exp(Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx))) : 1;
  return numerator / denominator;
}

/**
 * E[purchases in (T, T + t] | x, t_x, T] (FHL 2005 eq. 10). At a = 1 the formula is 0/0; there the
 * mean of the values at a ± 1e-4 is used, exact to O(1e-8) because the expectation is smooth in a.
 */
export function bgNbdExpectedPurchases(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  t: number,
): number {
  if (t <= 0) return 0;
  if (Math.abs(params.a - 1) < 1e-4) {
    const lo = conditionalExpectation({ ...params, a: 1 - 1e-4 }, x, tx, T, t);
    const hi = conditionalExpectation({ ...params, a: 1 + 1e-4 }, x, tx, T, t);
    return 0.5 * (lo + hi);
  }
  return conditionalExpectation(params, x, tx, T, t);
}
