import type { CompressedTriples } from './compress.js';
import { fitModel, type ModelFit } from './model-fit.js';
import type { Objective } from './optimise.js';
import { meanPurchaseRate, type PurchaseData, preparePurchaseData, searchSample } from './purchase-data.js';
import { digamma, integrate, logAddExp, logGamma, logSubExp, VectorQuadrature } from './special.js';

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
 * Returns ln(β^s G(y)), or NaN when the series would be slow so the caller integrates instead.
 *
 * Everything in this file carries the factor β^s that the likelihood's prefactor has anyway (J and G
 * as β^s J, β^s G; the "alive" branch as (β/(β+T))^s): s ln β and s ln(β+T) are each ~10⁷ when s and
 * β run off together, and taking their difference as −s·ln(1 + T/β) keeps the log-likelihood's last
 * digits, which the optimiser's stopping tests read.
 */
/** ln(W/β) for the series' expansion point W = max(α, β) + y, without cancellation. */
function logWOverBeta(alpha: number, beta: number, y: number): number {
  return alpha >= beta ? Math.log((alpha + y) / beta) : Math.log1p(y / beta);
}

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
      // −a ln W + s ln β = −(r+x) ln W − s ln(W/β).
      return -(r + x) * Math.log(W) - s * logWOverBeta(alpha, beta, y) + Math.log(sum) + logScale;
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
  return shiftedPrefactor(alphaSharp, k, e2, base, c2 + tx, s, beta, tx) + Math.log(integral);
}

/**
 * ln of the quadrature's prefactor (c₁+lo)^k (c₂+lo)^−e₂ times β^s. With β the flat factor (α sharp):
 * −(s+1) ln(β+lo) + s ln β = −ln(β+lo) − s ln(1+lo/β); with β the sharp one (k = −s):
 * −s ln(β+lo) + s ln β = −s ln(1+lo/β).
 */
function shiftedPrefactor(
  alphaSharp: boolean,
  k: number,
  e2: number,
  base: number,
  base2: number,
  s: number,
  beta: number,
  lo: number,
): number {
  const shift = s * Math.log1p(lo / beta);
  return alphaSharp ? k * Math.log(base) - Math.log(base2) - shift : -shift - e2 * Math.log(base2);
}

/**
 * ln J for one customer (without the β^s factor), by the series where it is fast and by quadrature
 * otherwise; `quadrature` forces the quadrature so tests can check the two methods agree.
 */
export function paretoNbdLogJ(
  params: ParetoNbdParams,
  x: number,
  tx: number,
  T: number,
  method: 'auto' | 'quadrature' = 'auto',
): number {
  const { r, alpha, s, beta } = params;
  const shifted =
    method === 'quadrature'
      ? logJByQuadrature(r, alpha, s, beta, x, tx, T)
      : logJ(r, alpha, s, beta, x, tx, T);
  return shifted - s * Math.log(beta);
}

function logJ(r: number, alpha: number, s: number, beta: number, x: number, tx: number, T: number): number {
  if (T <= tx) return Number.NEGATIVE_INFINITY;
  const gtx = logG(r, alpha, s, beta, x, tx);
  const gT = logG(r, alpha, s, beta, x, T);
  if (Number.isNaN(gtx) || Number.isNaN(gT)) return logJByQuadrature(r, alpha, s, beta, x, tx, T);
  return logSubExp(gtx, gT);
}

/**
 * ln G(y) with its gradient d ln G / d(r, α, s, β) written to `out[at..at+4)`, by the same series as
 * `logG` differentiated term by term (forward mode): with t₀ = 1/a and t_{j+1} = t_j R_j,
 *   R_j = P_j z,  P_j = (q+j)(a+j) / ((j+1)(a+j+1)),
 *   dR_j = R_j (dq/(q+j) + da/((a+j)(a+j+1))) + P_j dz,
 * so each term's derivative follows from the previous one in a few multiply-adds. da = (1, 0, 1, 0);
 * q and the expansion point depend on which of α, β is larger. NaN when the series would be slow.
 */
function logGWithGradient(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  y: number,
  out: Float64Array,
  at: number,
): number {
  const a = r + s + x;
  const alphaLarger = alpha >= beta;
  const W = alphaLarger ? alpha + y : beta + y;
  const d = alphaLarger ? alpha - beta : beta - alpha;
  const q = alphaLarger ? s + 1 : r + x;
  const z = d / W;
  if ((q * z + 40) / (1 - z) > SERIES_COST_MAX) return Number.NaN;
  // dz with respect to the larger and the smaller of α, β.
  const dzLarge = (W - d) / (W * W);
  const dzSmall = -1 / W;
  const dzAlpha = alphaLarger ? dzLarge : dzSmall;
  const dzBeta = alphaLarger ? dzSmall : dzLarge;
  // q depends on s (α ≥ β) or on r (α < β).
  const dqR = alphaLarger ? 0 : 1;
  const dqS = alphaLarger ? 1 : 0;
  let term = 1 / a;
  let tr = -term / a;
  let ta = 0;
  let ts = tr;
  let tb = 0;
  let sum = term;
  let sr = tr;
  let sa = 0;
  let ss = ts;
  let sb = 0;
  let logScale = 0;
  for (let j = 0; j < SERIES_MAX_TERMS; j++) {
    const P = ((q + j) / (j + 1)) * ((a + j) / (a + j + 1));
    const R = P * z;
    const da = 1 / ((a + j) * (a + j + 1));
    const common = term * R * da;
    const inv = 1 / (q + j);
    const nr = tr * R + common + term * R * dqR * inv;
    const ns = ts * R + common + term * R * dqS * inv;
    const na = ta * R + term * P * dzAlpha;
    const nb = tb * R + term * P * dzBeta;
    term *= R;
    tr = nr;
    ts = ns;
    ta = na;
    tb = nb;
    sum += term;
    sr += tr;
    ss += ts;
    sa += ta;
    sb += tb;
    if (sum > 1e250) {
      // Rescaling multiplies every term and derivative alike, so d ln S = dS / S is unchanged.
      sum *= 1e-250;
      term *= 1e-250;
      tr *= 1e-250;
      ts *= 1e-250;
      ta *= 1e-250;
      tb *= 1e-250;
      sr *= 1e-250;
      ss *= 1e-250;
      sa *= 1e-250;
      sb *= 1e-250;
      logScale += 575.6462732485114;
    }
    if (term < 1e-17 * sum && (q + j + 1) * z < j + 2) {
      const logW = Math.log(W);
      const shift = logWOverBeta(alpha, beta, y);
      // ln(β^s G) = −(r+x) ln W − s ln(W/β) + ln S: da = 1 for r and s; W follows the larger of α, β.
      out[at] = -logW + sr / sum;
      out[at + 1] = (alphaLarger ? -a / W : 0) + sa / sum;
      out[at + 2] = -shift + ss / sum;
      // d/dβ of −a ln W + s ln β: s/β, less a/W when W = β + y, i.e. −(r+x)/W + s y/(β W).
      out[at + 3] = (alphaLarger ? s / beta : -(r + x) / W + (s * y) / (beta * W)) + sb / sum;
      return -(r + x) * logW - s * shift + Math.log(sum) + logScale;
    }
  }
  return Number.NaN;
}
// Module-level parameters of the quadrature integrand, so the integrand is one function made once.
let qk = 0;
let qe2 = 0;
let qscale = 0;
/**
 * The integrand of J in v = ln((c₁+τ)/(c₁+lo)) (see `logJByQuadrature`) and its moments: h, h·v,
 * h·ln(1+scale(e^v−1)), h·e^−v, h/(1+scale(e^v−1)). With c₁+τ = (c₁+lo)e^v and
 * c₂+τ = (c₂+lo)(1+scale(e^v−1)) these give the means of ln(α+τ), 1/(α+τ), ln(β+τ), 1/(β+τ) under the
 * integrand, which are the derivatives of ln J.
 */
function momentIntegrand(v: number, out: Float64Array): void {
  const em1 = Math.expm1(v);
  const inner = 1 + qscale * em1;
  const L2 = Math.log1p(qscale * em1);
  const h = Math.exp(qk * v - qe2 * L2);
  out[0] = h;
  out[1] = h * v;
  out[2] = h * L2;
  out[3] = h / (1 + em1);
  out[4] = h / inner;
}
const quadrature = new VectorQuadrature(5);
const moments = new Float64Array(5);

/**
 * ln ∫_lo^hi (α+τ)^−(r+x) (β+τ)^−(s+1) dτ by quadrature, with its gradient in (r, α, s, β) written to
 * `out[at..at+4)`: d ln J/dr = −E[ln(α+τ)], d/dα = −(r+x) E[1/(α+τ)], d/ds = −E[ln(β+τ)],
 * d/dβ = −(s+1) E[1/(β+τ)], the means taken under the integrand.
 */
function logJQuadratureWithGradient(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  lo: number,
  hi: number,
  out: Float64Array,
  at: number,
): number {
  const alphaSharp = alpha <= beta;
  const c1 = alphaSharp ? alpha : beta;
  const e1 = alphaSharp ? r + x : s + 1;
  const c2 = alphaSharp ? beta : alpha;
  const e2 = alphaSharp ? s + 1 : r + x;
  const base = c1 + lo;
  const base2 = c2 + lo;
  qk = 1 - e1;
  qe2 = e2;
  qscale = base / base2;
  quadrature.integrate(momentIntegrand, 0, Math.log((c1 + hi) / base), 1e-13, moments);
  const I0 = moments[0]!;
  if (!(I0 > 0)) {
    out.fill(0, at, at + 4);
    return Number.NEGATIVE_INFINITY;
  }
  const meanLog1 = Math.log(base) + moments[1]! / I0;
  const meanLog2 = Math.log(base2) + moments[2]! / I0;
  const meanInv1 = moments[3]! / I0 / base;
  const meanInv2 = moments[4]! / I0 / base2;
  // E[ln(β+τ)] − ln β, the s-derivative with the β^s factor, taken from ln(1 + lo/β) plus the mean of
  // the integration variable's part so nothing of size ln β cancels.
  const betaLogExcess = Math.log1p(lo / beta) + (alphaSharp ? moments[2]! : moments[1]!) / I0;
  out[at] = -(alphaSharp ? meanLog1 : meanLog2);
  out[at + 1] = -(r + x) * (alphaSharp ? meanInv1 : meanInv2);
  out[at + 2] = -betaLogExcess;
  out[at + 3] = s / beta - (s + 1) * (alphaSharp ? meanInv2 : meanInv1);
  return shiftedPrefactor(alphaSharp, qk, e2, base, base2, s, beta, lo) + Math.log(I0);
}

/**
 * The distinct (x, t) pairs of a data set, so the hypergeometric term is computed once per pair per
 * evaluation, not once per customer. Pairs are grouped by x and, within a group, sorted by time
 * descending: when the series is slow for a group, its G values are built by quadrature as a running
 * sum down the group (see `computePairs`).
 */
interface PairTables {
  pairX: Float64Array;
  pairTime: Float64Array;
  /** Group g (one x value) holds pairs groupStart[g] … groupStart[g+1]−1. */
  groupStart: Int32Array;
  /** Per triple: pair index of (x, t_x) and of (x, T). */
  txPair: Int32Array;
  TPair: Int32Array;
  /** Per evaluation scratch: ln G per pair and its gradient (4 per pair). */
  logGPair: Float64Array;
  gradPair: Float64Array;
  /** Per distinct x: total weight; per distinct time: ln(α+t) and ln(1+t/β). */
  xWeight: Float64Array;
  logAlphaT: Float64Array;
  logBetaT: Float64Array;
  lgRX: Float64Array;
  psiRX: Float64Array;
}

const pairCache = new WeakMap<CompressedTriples, PairTables>();

function buildPairs(data: CompressedTriples): PairTables {
  const cached = pairCache.get(data);
  if (cached !== undefined) return cached;
  const nt = data.timeValues.length;
  const index = new Map<number, number>();
  const keys: number[] = [];
  const lookup = (xi: number, ti: number) => {
    const key = xi * nt + ti;
    let k = index.get(key);
    if (k === undefined) {
      k = keys.length;
      index.set(key, k);
      keys.push(key);
    }
    return k;
  };
  const txRaw = new Int32Array(data.size);
  const TRaw = new Int32Array(data.size);
  for (let i = 0; i < data.size; i++) {
    txRaw[i] = lookup(data.xIndex[i]!, data.txIndex[i]!);
    TRaw[i] = lookup(data.xIndex[i]!, data.TIndex[i]!);
  }
  const count = keys.length;
  const xOf = (k: number) => data.xValues[Math.floor(keys[k]! / nt)]!;
  const tOf = (k: number) => data.timeValues[keys[k]! % nt]!;
  const order = Array.from({ length: count }, (_, k) => k).sort((p, q) => xOf(p) - xOf(q) || tOf(q) - tOf(p));
  const rank = new Int32Array(count);
  const pairX = new Float64Array(count);
  const pairTime = new Float64Array(count);
  const starts: number[] = [];
  order.forEach((k, i) => {
    rank[k] = i;
    pairX[i] = xOf(k);
    pairTime[i] = tOf(k);
    if (i === 0 || pairX[i] !== pairX[i - 1]) starts.push(i);
  });
  starts.push(count);
  const xWeight = new Float64Array(data.xValues.length);
  for (let i = 0; i < data.size; i++) xWeight[data.xIndex[i]!]! += data.weight[i]!;
  const tables: PairTables = {
    pairX,
    pairTime,
    groupStart: Int32Array.from(starts),
    txPair: txRaw.map((k) => rank[k]!),
    TPair: TRaw.map((k) => rank[k]!),
    logGPair: new Float64Array(count),
    gradPair: new Float64Array(4 * count),
    xWeight,
    logAlphaT: new Float64Array(nt),
    logBetaT: new Float64Array(nt),
    lgRX: new Float64Array(data.xValues.length),
    psiRX: new Float64Array(data.xValues.length),
  };
  pairCache.set(data, tables);
  return tables;
}

const stepGradient = new Float64Array(4);

/**
 * ln G and its gradient for every pair. Per x group: by the series when it is fast for the group's
 * smallest time (the series' argument z shrinks as the time grows, so that pair is the slowest);
 * otherwise by quadrature as a running sum from the group's largest time Y downwards,
 *   G̃(t_k) = G̃(t_{k+1}) + ∫_{t_k}^{t_{k+1}} … dτ,   G̃(Y) = 0,
 * which is G shifted by the constant G(Y): J = G(t_x) − G(T) = G̃(t_x) − G̃(T) all the same. Every
 * addend is positive, so nothing cancels, and each short interval needs one or two 15-point panels.
 */
function computePairs(r: number, alpha: number, s: number, beta: number, pairs: PairTables, grad: boolean) {
  const { pairX, pairTime, groupStart, logGPair, gradPair } = pairs;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    const from = groupStart[g]!;
    const to = groupStart[g + 1]!;
    const x = pairX[from]!;
    let series = !Number.isNaN(
      grad
        ? logGWithGradient(r, alpha, s, beta, x, pairTime[to - 1]!, gradPair, 4 * (to - 1))
        : logG(r, alpha, s, beta, x, pairTime[to - 1]!),
    );
    if (series) {
      for (let k = from; k < to; k++) {
        const v = grad
          ? logGWithGradient(r, alpha, s, beta, x, pairTime[k]!, gradPair, 4 * k)
          : logG(r, alpha, s, beta, x, pairTime[k]!);
        if (Number.isNaN(v)) {
          series = false;
          break;
        }
        logGPair[k] = v;
      }
    }
    if (series) continue;
    logGPair[from] = Number.NEGATIVE_INFINITY;
    gradPair.fill(0, 4 * from, 4 * from + 4);
    for (let k = from + 1; k < to; k++) {
      const logI = logJQuadratureWithGradient(
        r,
        alpha,
        s,
        beta,
        x,
        pairTime[k]!,
        pairTime[k - 1]!,
        stepGradient,
        0,
      );
      const previous = logGPair[k - 1]!;
      const current = logAddExp(previous, logI);
      const wPrevious = previous === Number.NEGATIVE_INFINITY ? 0 : Math.exp(previous - current);
      logGPair[k] = current;
      for (let c = 0; c < 4; c++) {
        gradPair[4 * k + c] = wPrevious * gradPair[4 * (k - 1) + c]! + (1 - wPrevious) * stepGradient[c]!;
      }
    }
  }
}

/**
 * Total Pareto/NBD log-likelihood over the weighted triples and, when `grad` is given, its gradient
 * in the natural parameters. Per customer, with F = −(r+x) ln(α+T) − s ln(β+T) (alive at T) and
 * D = ln s + ln J (died in (t_x, T]),
 *   LL = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + ln(e^F + e^D),
 * so the gradient is the branch-share-weighted mix of ∇F and ∇D, with ∇ ln J from the pair tables:
 *   ∇ ln J = (G(t_x) ∇ln G(t_x) − G(T) ∇ln G(T)) / (G(t_x) − G(T)).
 */
export function paretoNbdLogLikelihood(
  theta: ArrayLike<number>,
  data: CompressedTriples,
  grad?: Float64Array,
): number {
  const pairs = buildPairs(data);
  const r = theta[0]!;
  const alpha = theta[1]!;
  const s = theta[2]!;
  const beta = theta[3]!;
  const wantGrad = grad !== undefined;
  computePairs(r, alpha, s, beta, pairs, wantGrad);
  const { logGPair, gradPair, txPair, TPair, xWeight, logAlphaT, logBetaT, lgRX, psiRX } = pairs;
  const { xValues, timeValues } = data;
  let total = 0;
  let ll = 0;
  let gr = 0;
  for (let k = 0; k < xValues.length; k++) {
    lgRX[k] = logGamma(r + xValues[k]!);
    if (wantGrad) psiRX[k] = digamma(r + xValues[k]!);
    const w = xWeight[k]!;
    total += w;
    ll += w * lgRX[k]!;
    if (wantGrad) gr += w * psiRX[k]!;
  }
  const logAlpha = Math.log(alpha);
  // β^s is inside the pair values and the "alive" branch (see `logG`).
  ll += total * (r * logAlpha - logGamma(r));
  let ga = (total * r) / alpha;
  let gs = 0;
  let gb = 0;
  if (wantGrad) gr += total * (logAlpha - digamma(r));
  for (let k = 0; k < timeValues.length; k++) {
    logAlphaT[k] = Math.log(alpha + timeValues[k]!);
    logBetaT[k] = Math.log1p(timeValues[k]! / beta);
  }
  const logS = Math.log(s);
  const { weight, x: xs, T: Ts, TIndex } = data;
  for (let i = 0; i < data.size; i++) {
    const w = weight[i]!;
    const x = xs[i]!;
    const Ti = TIndex[i]!;
    const rx = r + x;
    const first = -rx * logAlphaT[Ti]! - s * logBetaT[Ti]!;
    const pT = TPair[i]!;
    const pTx = txPair[i]!;
    const gtx = logGPair[pTx]!;
    const gT = logGPair[pT]!;
    const lj = logSubExp(gtx, gT);
    if (lj === Number.NEGATIVE_INFINITY) {
      // t_x = T: no time to die unobserved; only the "alive" branch.
      ll += w * first;
      if (wantGrad) {
        const T = Ts[i]!;
        gr -= w * logAlphaT[Ti]!;
        ga -= (w * rx) / (alpha + T);
        gs -= w * logBetaT[Ti]!;
        gb += (w * s * T) / (beta * (beta + T));
      }
      continue;
    }
    const second = logS + lj;
    const both = logAddExp(first, second);
    ll += w * both;
    if (wantGrad) {
      const T = Ts[i]!;
      const w2 = Math.exp(second - both);
      const w1 = 1 - w2;
      // ∇ ln J from the two pairs; ρ = G(T)/G(t_x) < 1.
      const rho = gT === Number.NEGATIVE_INFINITY ? 0 : Math.exp(gT - gtx);
      const scale = (w * w2) / (1 - rho);
      const a = 4 * pTx;
      const b = 4 * pT;
      gr += scale * (gradPair[a]! - rho * gradPair[b]!) - w * w1 * logAlphaT[Ti]!;
      ga += scale * (gradPair[a + 1]! - rho * gradPair[b + 1]!) - (w * w1 * rx) / (alpha + T);
      gs += scale * (gradPair[a + 2]! - rho * gradPair[b + 2]!) + (w * w2) / s - w * w1 * logBetaT[Ti]!;
      gb += scale * (gradPair[a + 3]! - rho * gradPair[b + 3]!) + (w * w1 * s * T) / (beta * (beta + T));
    }
  }
  if (grad !== undefined) {
    grad[0] = gr;
    grad[1] = ga;
    grad[2] = gs;
    grad[3] = gb;
  }
  return ll;
}

/**
 * Pareto/NBD searches on a smaller subsample than BG/NBD: each evaluation also costs a series or a
 * quadrature per distinct (x, t) pair, and on data whose death-rate heterogeneity runs off (s, β → ∞)
 * every start walks a long ridge, so the starts are where the time goes. The full-data polish that
 * follows moves the estimate by a fraction of a standard error.
 */
const PARETO_SEARCH_SAMPLE_SIZE = 5_000;

export type ParetoNbdFit = ModelFit<ParetoNbdParams, 'pareto-nbd'>;

/** Per-customer negative log-likelihood in log-parameters with its analytic gradient. */
function objectiveFor(data: CompressedTriples): Objective {
  const theta = new Float64Array(4);
  const g = new Float64Array(4);
  return (u, grad) => {
    for (let i = 0; i < 4; i++) theta[i] = Math.exp(u[i]!);
    const ll = paretoNbdLogLikelihood(theta, data, g);
    for (let i = 0; i < 4; i++) grad[i] = (-g[i]! * theta[i]!) / data.customers;
    return -ll / data.customers;
  };
}

/**
 * Fits Pareto/NBD by maximum likelihood with the analytic gradient (series differentiated term by
 * term, quadrature of the integrand's moments); standard errors from central differences of it.
 */
export function fitParetoNbd(input: PurchaseData): ParetoNbdFit {
  const data = preparePurchaseData(input, 'Pareto/NBD');
  const sample = searchSample(data, PARETO_SEARCH_SAMPLE_SIZE);
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
  return fitModel<ParetoNbdParams, 'pareto-nbd'>({
    model: 'pareto-nbd',
    names: [...PARETO_NBD_NAMES],
    objective: objectiveFor(data),
    ...(sample === undefined ? {} : { searchObjective: objectiveFor(sample) }),
    logLikelihood: (theta) => paretoNbdLogLikelihood(theta, data),
    negLogLikelihoodGradient: (theta, grad) => {
      paretoNbdLogLikelihood(theta, data, grad);
      for (let i = 0; i < 4; i++) grad[i] = -grad[i]!;
    },
    starts,
    shapes: ['r', 's'],
    ridges: [
      ['r', 'alpha'],
      ['s', 'beta'],
    ],
    customers: data.customers,
    extraWarnings: ({ s, beta }) =>
      // The mean death rate s/β times the mean observation time: the share of customers the model
      // expects to have died during the observation window, to first order.
      (s / beta) * meanT < 1e-3
        ? [
            `pareto-nbd: s = ${s.toPrecision(3)} and beta = ${beta.toPrecision(3)} describe dropout rates near 0 (mean s/beta = ${(s / beta).toPrecision(3)} per time unit): the data show almost no dropout, so P(alive) is near 1 for everyone`,
          ]
        : [],
  });
}

/** ln of the two likelihood branches (alive at T; died in (t_x, T]) without the common factor. */
function branches(params: ParetoNbdParams, x: number, tx: number, T: number): [number, number] {
  const { r, alpha, s, beta } = params;
  // Both with the factor β^s (see `logG`).
  const first = -(r + x) * Math.log(alpha + T) - s * Math.log1p(T / beta);
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
