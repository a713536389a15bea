import type { CompressedTriples } from './compress.js';
import { fitModel, type ModelFit } from './model-fit.js';
import type { Objective } from './optimise.js';
import { meanPurchaseRate, type PurchaseData, preparePurchaseData, searchSample } from './purchase-data.js';
import { digamma, logGamma, logHyp2f1 } from './special.js';

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
 * gradient in the natural parameters. Per customer
 *   LL = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 *        + ln[ (α+T)^−(r+x) + [x>0] a/(b+x−1) (α+t_x)^−(r+x) ].
 * Terms depending only on x are summed once per distinct x with its total weight, logs of α + t once
 * per distinct time, leaving one exp and one log1p per triple.
 */
export function bgNbdLogLikelihood(
  theta: ArrayLike<number>,
  data: CompressedTriples,
  grad?: Float64Array,
): number {
  const r = theta[0]!;
  const alpha = theta[1]!;
  const a = theta[2]!;
  const b = theta[3]!;
  const { xValues, timeValues } = data;
  const nx = xValues.length;
  const nt = timeValues.length;

  const logAt = new Float64Array(nt);
  const invAt = new Float64Array(nt);
  for (let k = 0; k < nt; k++) {
    logAt[k] = Math.log(alpha + timeValues[k]!);
    invAt[k] = 1 / (alpha + timeValues[k]!);
  }
  // Per distinct x: the Beta/Gamma part of the likelihood and the log of a/(b+x−1).
  const logDrop = new Float64Array(nx);
  const xWeight = new Float64Array(nx);
  for (let i = 0; i < data.size; i++) xWeight[data.xIndex[i]!]! += data.weight[i]!;
  const lgR = logGamma(r);
  const lgB = logGamma(b);
  const lgAB = logGamma(a + b);
  const logA = Math.log(a);
  const logAlpha = Math.log(alpha);
  let ll = 0;
  let gr = 0;
  let ga = 0;
  let gb = 0;
  let galpha = 0;
  const psiR = grad ? digamma(r) : 0;
  const psiB = grad ? digamma(b) : 0;
  const psiAB = grad ? digamma(a + b) : 0;
  for (let k = 0; k < nx; k++) {
    const x = xValues[k]!;
    const w = xWeight[k]!;
    if (w === 0) continue;
    ll += w * (logGamma(r + x) - lgR + r * logAlpha + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x));
    logDrop[k] = x > 0 ? logA - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    if (grad) {
      const psiABX = digamma(a + b + x);
      gr += w * (digamma(r + x) - psiR + logAlpha);
      galpha += (w * r) / alpha;
      ga += w * (psiAB - psiABX);
      gb += w * (psiAB + digamma(b + x) - psiB - psiABX);
    }
  }

  const { weight, x: xs, xIndex, txIndex, TIndex } = data;
  for (let i = 0; i < data.size; i++) {
    const w = weight[i]!;
    const x = xs[i]!;
    const rx = r + x;
    const tI = TIndex[i]!;
    const a3 = -rx * logAt[tI]!;
    if (x === 0) {
      ll += w * a3;
      if (grad) {
        gr -= w * logAt[tI]!;
        galpha -= w * rx * invAt[tI]!;
      }
      continue;
    }
    const xI = xIndex[i]!;
    const txI = txIndex[i]!;
    const a4 = logDrop[xI]! - rx * logAt[txI]!;
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
    if (grad) {
      const w3 = 1 - w4;
      gr -= w * (w3 * logAt[tI]! + w4 * logAt[txI]!);
      galpha -= w * rx * (w3 * invAt[tI]! + w4 * invAt[txI]!);
      ga += (w * w4) / a;
      gb -= (w * w4) / (b + x - 1);
    }
  }
  if (grad) {
    grad[0] = gr;
    grad[1] = galpha;
    grad[2] = ga;
    grad[3] = gb;
  }
  return ll;
}

/** Per-customer negative log-likelihood in log-parameters, the optimiser's objective. */
function objective(data: CompressedTriples): Objective {
  const theta = new Float64Array(4);
  const g = new Float64Array(4);
  return (u, grad) => {
    for (let i = 0; i < 4; i++) theta[i] = Math.exp(u[i]!);
    const ll = bgNbdLogLikelihood(theta, data, g);
    for (let i = 0; i < 4; i++) grad[i] = (-g[i]! * theta[i]!) / data.customers;
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
  return fitModel<BgNbdParams, 'bgnbd'>({
    model: 'bgnbd',
    names: [...BG_NBD_NAMES],
    objective: objective(data),
    ...(sample === undefined ? {} : { searchObjective: objective(sample) }),
    logLikelihood: (theta) => bgNbdLogLikelihood(theta, data),
    negLogLikelihoodGradient: (theta, grad) => {
      bgNbdLogLikelihood(theta, data, grad);
      for (let i = 0; i < 4; i++) grad[i] = -grad[i]!;
    },
    starts,
    shapes: ['r', 'a', 'b'],
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
