import { AnalyticsError } from './errors.js';

/**
 * Objective in log-parameters u = log θ: returns f(u) and writes ∇f into `grad`. Optimising in logs
 * keeps every parameter positive without constraints and puts 0.24 and 4.4 on comparable scales.
 */
export type Objective = (u: Float64Array, grad: Float64Array) => number;

export interface MinimiseOptions {
  /** Box on u; a component pinned at its bound is reported by the caller as "ran to a bound". */
  lower: number;
  upper: number;
  maxIterations?: number;
  /** Stop when the largest free gradient component (per customer, in log-parameters) is below this. */
  gradientTolerance?: number;
  /**
   * Components (shape parameters) that are capped where they stand once past `runawayAbove`: the
   * likelihood then creeps towards a limit at infinity, the caller reports the parameter as
   * unidentified, and walking on to the box would cost dozens of evaluations for digits that mean
   * nothing.
   */
  runaway?: number[];
  runawayAbove?: number;
  /**
   * BFGS: start from this inverse Hessian instead of the identity. The objective is per customer, so
   * the curvature learnt on a subsample carries over to the full data and the polish there needs a
   * few quasi-Newton steps instead of relearning it from scratch.
   */
  initialInverseHessian?: Float64Array;
}

/**
 * Per-component upper bounds: the box, except that a runaway component is capped where it stands once
 * past `runawayAbove`, so it counts as "at its bound" and the others go on converging along the ridge.
 */
function upperBounds(n: number, options: MinimiseOptions): Float64Array {
  return new Float64Array(n).fill(options.upper);
}

function capRunaways(u: Float64Array, hi: Float64Array, options: MinimiseOptions): void {
  if (options.runaway === undefined || options.runawayAbove === undefined) return;
  for (const i of options.runaway) if (u[i]! > options.runawayAbove && u[i]! < hi[i]!) hi[i] = u[i]!;
}

export interface MinimiseResult {
  u: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
  /** BFGS only: the final inverse-Hessian estimate, to warm-start a run on related data. */
  inverseHessian?: Float64Array;
}

/** Largest step in any log-parameter per iteration: a factor of e^3 ≈ 20, so no step overflows exp. */
const MAX_STEP = 3;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * BFGS on the inverse Hessian with a backtracking Armijo line search, projected onto the box
 * [lower, upper]. Four parameters make the dense 4×4 update trivially cheap; the cost is all in the
 * objective, so the line search tries the full quasi-Newton step first and only then halves it. A
 * failed line search resets the inverse Hessian to the identity once before giving up, which rescues
 * the runs where an early curvature estimate was poor.
 */
export function minimiseBfgs(f: Objective, start: Float64Array, options: MinimiseOptions): MinimiseResult {
  const n = start.length;
  const { lower } = options;
  const maxIterations = options.maxIterations ?? 500;
  const gradTol = options.gradientTolerance ?? 1e-9;
  const hi = upperBounds(n, options);
  const clamp = (v: number, i: number) => Math.min(hi[i]!, Math.max(lower, v));

  const u = start.map(clamp);
  capRunaways(u, hi, options);
  const g = new Float64Array(n);
  let fx = f(u, g);
  if (!Number.isFinite(fx)) return { u, value: fx, iterations: 0, converged: false };

  const H = new Float64Array(n * n);
  const resetH = (scale: number) => {
    H.fill(0);
    for (let i = 0; i < n; i++) H[i * n + i] = scale;
  };
  resetH(1);
  let fresh = true;
  if (options.initialInverseHessian !== undefined && options.initialInverseHessian.length === n * n) {
    H.set(options.initialInverseHessian);
    fresh = false;
  }
  const d = new Float64Array(n);
  const uNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const Hy = new Float64Array(n);
  let stall = 0;

  for (let iter = 1; iter <= maxIterations; iter++) {
    // A component at its bound whose gradient points outward is fixed for this step.
    let gMax = 0;
    const free = (i: number) => !((u[i]! <= lower && g[i]! > 0) || (u[i]! >= hi[i]! && g[i]! < 0));
    for (let i = 0; i < n; i++) if (free(i)) gMax = Math.max(gMax, Math.abs(g[i]!));
    if (gMax < gradTol)
      return { u, value: fx, iterations: iter - 1, converged: true, ...(fresh ? {} : { inverseHessian: H }) };

    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= H[i * n + j]! * g[j]!;
      d[i] = free(i) ? v : 0;
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // The curvature model went bad; fall back to steepest descent on the free components.
      resetH(1);
      fresh = true;
      for (let i = 0; i < n; i++) d[i] = free(i) ? -g[i]! : 0;
      slope = dot(g, d);
    }
    let dMax = 0;
    for (let i = 0; i < n; i++) dMax = Math.max(dMax, Math.abs(d[i]!));
    if (dMax > MAX_STEP) {
      for (let i = 0; i < n; i++) d[i]! *= MAX_STEP / dMax;
      slope *= MAX_STEP / dMax;
    }

    let t = 1;
    let fNew = Number.NaN;
    let accepted = false;
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < n; i++) uNew[i] = clamp(u[i]! + t * d[i]!, i);
      fNew = f(uNew, gNew);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += g[i]! * (uNew[i]! - u[i]!);
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      // Quadratic interpolation of the step when the value is usable, plain halving otherwise.
      if (Number.isFinite(fNew)) {
        const tq = (-slope * t * t) / (2 * (fNew - fx - slope * t));
        t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
      } else {
        t *= 0.25;
      }
    }
    if (!accepted) {
      if (!fresh) {
        resetH(1);
        fresh = true;
        continue;
      }
      // No descent even along the gradient: we sit at a minimum up to rounding.
      return {
        u,
        value: fx,
        iterations: iter,
        converged: gMax < gradTol * 1e3,
        ...(fresh ? {} : { inverseHessian: H }),
      };
    }

    for (let i = 0; i < n; i++) {
      s[i] = uNew[i]! - u[i]!;
      y[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(s, y);
    const change = fx - fNew;
    u.set(uNew);
    g.set(gNew);
    fx = fNew;
    capRunaways(u, hi, options);

    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (fresh) {
        // Shanno–Phua scaling of the first inverse Hessian to the curvature just observed.
        resetH(sy / dot(y, y));
        fresh = false;
      }
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, written out for the symmetric H.
      const rho = 1 / sy;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += H[i * n + j]! * y[j]!;
        Hy[i] = v;
      }
      const yHy = dot(y, Hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i * n + j]! += (1 + rho * yHy) * rho * s[i]! * s[j]! - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!);
        }
      }
    }

    // Stop when the objective no longer moves in its last digits for a few iterations in a row.
    stall = change <= 1e-14 * Math.max(1, Math.abs(fx)) ? stall + 1 : 0;
    if (stall >= 3)
      return { u, value: fx, iterations: iter, converged: true, ...(fresh ? {} : { inverseHessian: H }) };
  }
  return {
    u,
    value: fx,
    iterations: maxIterations,
    converged: false,
    ...(fresh ? {} : { inverseHessian: H }),
  };
}

/**
 * Objective with an analytic Hessian, in log-parameters: returns f(u); when `grad` is non-null writes
 * ∇f, when `hess` is non-null also ∇²f (row-major). With both null it only evaluates, for line searches.
 */
export type NewtonObjective = (
  u: Float64Array,
  grad: Float64Array | null,
  hess: Float64Array | null,
) => number;

/** A Newton objective as a plain gradient objective, for BFGS. */
export function gradientOnly(f: NewtonObjective): Objective {
  return (u, grad) => f(u, grad, null);
}

/**
 * Derivatives of f(u) = −LL(e^u)/n from LL's gradient g and Hessian H in the natural parameters θ:
 *   ∂f/∂u_i = −θ_i g_i / n,   ∂²f/∂u_i∂u_j = −(θ_i θ_j H_ij + [i=j] θ_i g_i) / n.
 */
export function logParameterDerivatives(
  theta: Float64Array,
  g: Float64Array,
  H: Float64Array,
  customers: number,
  grad: Float64Array,
  hess: Float64Array | null,
): void {
  const n = theta.length;
  for (let i = 0; i < n; i++) grad[i] = (-theta[i]! * g[i]!) / customers;
  if (hess === null) return;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      hess[i * n + j] =
        (-(theta[i]! * theta[j]! * H[i * n + j]!) - (i === j ? theta[i]! * g[i]! : 0)) / customers;
    }
  }
}

/**
 * Solves A d = b for symmetric A restricted to the indices in `free` (others get d = 0) by Cholesky on
 * A + λ·diag(A); false when that matrix is not positive definite.
 */
function solveDamped(
  A: Float64Array,
  b: Float64Array,
  free: boolean[],
  lambda: number,
  d: Float64Array,
): boolean {
  const n = b.length;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (free[i]) idx.push(i);
  const m = idx.length;
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[idx[i]! * n + idx[j]!]!;
      if (i === j) sum += lambda * Math.abs(A[idx[i]! * n + idx[i]!]!) + (lambda > 0 ? 1e-12 : 0);
      for (let k = 0; k < j; k++) sum -= L[i * m + k]! * L[j * m + k]!;
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return false;
        L[i * m + i] = Math.sqrt(sum);
      } else {
        L[i * m + j] = sum / L[j * m + j]!;
      }
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = b[idx[i]!]!;
    for (let k = 0; k < i; k++) sum -= L[i * m + k]! * y[k]!;
    y[i] = sum / L[i * m + i]!;
  }
  d.fill(0);
  for (let i = m - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < m; k++) sum -= L[k * m + i]! * d[idx[k]!]!;
    d[idx[i]!] = sum / L[i * m + i]!;
  }
  return true;
}

/**
 * Damped Newton with the analytic Hessian, projected onto the box: from a start near the optimum (the
 * subsample's) it converges quadratically, so the full data is evaluated a handful of times instead of
 * the 15–25 a quasi-Newton polish needs. Where the Hessian is not positive definite the step is
 * Levenberg–Marquardt damped (λ·diag grows tenfold until Cholesky succeeds); every trial point is
 * evaluated with gradient and Hessian, since it is usually accepted and then needs them anyway.
 */
export function minimiseNewton(
  f: NewtonObjective,
  start: Float64Array,
  options: MinimiseOptions,
): MinimiseResult {
  const n = start.length;
  const { lower } = options;
  const maxIterations = options.maxIterations ?? 100;
  const gradTol = options.gradientTolerance ?? 1e-9;
  const hi = upperBounds(n, options);
  const clamp = (v: number, i: number) => Math.min(hi[i]!, Math.max(lower, v));
  const u = start.map(clamp);
  capRunaways(u, hi, options);
  let g = new Float64Array(n);
  let H = new Float64Array(n * n);
  let gNew = new Float64Array(n);
  let HNew = new Float64Array(n * n);
  let fx = f(u, g, H);
  if (!Number.isFinite(fx)) return { u, value: fx, iterations: 0, converged: false };
  const d = new Float64Array(n);
  const uNew = new Float64Array(n);
  const minusG = new Float64Array(n);
  const free: boolean[] = new Array(n).fill(true);
  let stall = 0;
  for (let iter = 1; iter <= maxIterations; iter++) {
    let gMax = 0;
    for (let i = 0; i < n; i++) {
      free[i] = !((u[i]! <= lower && g[i]! > 0) || (u[i]! >= hi[i]! && g[i]! < 0));
      if (free[i]) gMax = Math.max(gMax, Math.abs(g[i]!));
      minusG[i] = -g[i]!;
    }
    if (gMax < gradTol) return { u, value: fx, iterations: iter - 1, converged: true };
    let solved = false;
    for (let lambda = 0; lambda <= 1e8; lambda = lambda === 0 ? 1e-6 : lambda * 10) {
      if (solveDamped(H, minusG, free, lambda, d) && dot(g, d) < 0) {
        solved = true;
        break;
      }
    }
    if (!solved) for (let i = 0; i < n; i++) d[i] = free[i] ? minusG[i]! : 0;
    let dMax = 0;
    for (let i = 0; i < n; i++) dMax = Math.max(dMax, Math.abs(d[i]!));
    if (dMax > MAX_STEP) for (let i = 0; i < n; i++) d[i]! *= MAX_STEP / dMax;

    let t = 1;
    let accepted = false;
    let fNew = Number.NaN;
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i < n; i++) uNew[i] = clamp(u[i]! + t * d[i]!, i);
      fNew = f(uNew, gNew, HNew);
      let decrease = 0;
      for (let i = 0; i < n; i++) decrease += g[i]! * (uNew[i]! - u[i]!);
      // The tolerance term accepts steps that change f only by rounding, which happens at the optimum.
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * decrease + 1e-15 * Math.abs(fx)) {
        accepted = true;
        break;
      }
      t *= Number.isFinite(fNew) ? 0.5 : 0.1;
    }
    if (!accepted) return { u, value: fx, iterations: iter, converged: gMax < gradTol * 1e3 };
    const change = fx - fNew;
    u.set(uNew);
    fx = fNew;
    capRunaways(u, hi, options);
    [g, gNew] = [gNew, g];
    [H, HNew] = [HNew, H];
    stall = Math.abs(change) <= 1e-15 * Math.max(1, Math.abs(fx)) ? stall + 1 : 0;
    if (stall >= 2) return { u, value: fx, iterations: iter, converged: true };
  }
  return { u, value: fx, iterations: maxIterations, converged: false };
}

export interface MultiStartResult extends MinimiseResult {
  /** Objective value reached from each start, for diagnostics. */
  startValues: number[];
}

/**
 * Runs BFGS from each start and keeps the best, then restarts from the winner with a fresh inverse
 * Hessian: a restart that moves shows the first run stopped early; one that does not confirms the
 * optimum.
 */
export function minimiseMultiStart(
  f: Objective,
  starts: Float64Array[],
  options: MinimiseOptions,
  polishWinner = true,
): MultiStartResult {
  let best: MinimiseResult | null = null;
  let iterations = 0;
  const startValues: number[] = [];
  // The starts only have to reveal which basin is best, so they stop at a looser gradient; the winner
  // is then polished to the full tolerance.
  const rough = { ...options, gradientTolerance: (options.gradientTolerance ?? 1e-9) * 1e3 };
  for (const start of starts) {
    const result = minimiseBfgs(f, start, rough);
    iterations += result.iterations;
    if (Number.isFinite(result.value)) {
      // Two different starts that reach the same value have found the same basin (or the same flat
      // ridge); the remaining starts would only confirm it, at the cost of a whole search each.
      const agrees = startValues.some(
        (v) => Number.isFinite(v) && Math.abs(v - result.value) <= 1e-9 * Math.max(1, Math.abs(v)),
      );
      startValues.push(result.value);
      if (best === null || result.value < best.value) best = result;
      if (agrees) break;
    } else {
      startValues.push(result.value);
    }
  }
  if (best === null) {
    throw new AnalyticsError(
      'ANALYTICS_FIT_FAILED',
      'the likelihood is not finite at any starting point; check the input for negative or missing values',
    );
  }
  if (!polishWinner) return { ...best, iterations, startValues };
  const polish = minimiseBfgs(f, best.u, options);
  // A second polish from a fresh inverse Hessian confirms the first did not stop on a stale model.
  const confirm = minimiseBfgs(f, polish.u, options);
  iterations += polish.iterations + confirm.iterations;
  const winner = confirm.value <= polish.value ? confirm : polish;
  return {
    u: winner.u,
    value: winner.value,
    iterations,
    converged: confirm.converged,
    startValues,
    ...(winner.inverseHessian === undefined ? {} : { inverseHessian: winner.inverseHessian }),
  };
}

/**
 * Hessian of a function of the natural parameters θ by central differences of its gradient, with
 * steps relative to each parameter. `gradient` writes ∂f/∂θ.
 */
export function hessianFromGradient(
  gradient: (theta: Float64Array, grad: Float64Array) => void,
  theta: Float64Array,
): Float64Array {
  const n = theta.length;
  const H = new Float64Array(n * n);
  const probe = Float64Array.from(theta);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const h = 1e-5 * theta[j]!;
    probe[j] = theta[j]! + h;
    gradient(probe, gp);
    probe[j] = theta[j]! - h;
    gradient(probe, gm);
    probe[j] = theta[j]!;
    for (let i = 0; i < n; i++) H[i * n + j] = (gp[i]! - gm[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (H[i * n + j]! + H[j * n + i]!);
      H[i * n + j] = v;
      H[j * n + i] = v;
    }
  }
  return H;
}

/**
 * Hessian of a function of θ from function values only (second central differences), for models
 * without an analytic gradient. Steps of 1e-4 relative keep rounding noise near 1e-6 of the entries.
 */
export function hessianFromValues(value: (theta: Float64Array) => number, theta: Float64Array): Float64Array {
  const n = theta.length;
  const H = new Float64Array(n * n);
  const probe = Float64Array.from(theta);
  const f0 = value(theta);
  const h = theta.map((t) => 1e-4 * t);
  for (let i = 0; i < n; i++) {
    probe[i] = theta[i]! + h[i]!;
    const fp = value(probe);
    probe[i] = theta[i]! - h[i]!;
    const fm = value(probe);
    probe[i] = theta[i]!;
    H[i * n + i] = (fp - 2 * f0 + fm) / (h[i]! * h[i]!);
    for (let j = i + 1; j < n; j++) {
      const at = (si: number, sj: number) => {
        probe[i] = theta[i]! + si * h[i]!;
        probe[j] = theta[j]! + sj * h[j]!;
        const v = value(probe);
        probe[i] = theta[i]!;
        probe[j] = theta[j]!;
        return v;
      };
      const v = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[i]! * h[j]!);
      H[i * n + j] = v;
      H[j * n + i] = v;
    }
  }
  return H;
}

/**
 * Inverse of a symmetric positive-definite matrix by Cholesky, or null when it is not positive
 * definite (the likelihood is flat or the fit is not at a maximum) — then there are no standard errors.
 */
export function invertSpd(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return null;
        L[i * n + i] = Math.sqrt(sum);
      } else {
        L[i * n + j] = sum / L[j * n + j]!;
      }
    }
  }
  // Invert L, then A⁻¹ = L⁻ᵀ L⁻¹.
  const Li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    Li[i * n + i] = 1 / L[i * n + i]!;
    for (let j = 0; j < i; j++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= L[i * n + k]! * Li[k * n + j]!;
      Li[i * n + j] = sum / L[i * n + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = Math.max(i, j); k < n; k++) sum += Li[k * n + i]! * Li[k * n + j]!;
      inv[i * n + j] = sum;
    }
  }
  return inv;
}
