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
}

export interface MinimiseResult {
  u: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
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
  const { lower, upper } = options;
  const maxIterations = options.maxIterations ?? 500;
  const gradTol = options.gradientTolerance ?? 1e-9;
  const clamp = (v: number) => Math.min(upper, Math.max(lower, v));

  const u = start.map(clamp);
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
    const free = (i: number) => !((u[i]! <= lower && g[i]! > 0) || (u[i]! >= upper && g[i]! < 0));
    for (let i = 0; i < n; i++) if (free(i)) gMax = Math.max(gMax, Math.abs(g[i]!));
    if (gMax < gradTol) return { u, value: fx, iterations: iter - 1, converged: true };

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
      for (let i = 0; i < n; i++) uNew[i] = clamp(u[i]! + t * d[i]!);
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
      return { u, value: fx, iterations: iter, converged: gMax < gradTol * 1e3 };
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
    if (stall >= 3) return { u, value: fx, iterations: iter, converged: true };
  }
  return { u, value: fx, iterations: maxIterations, converged: false };
}

/**
 * Central-difference gradient of a function of u; used where an analytic gradient is impractical
 * (Pareto/NBD's hypergeometric term). Step 1e-5 in log-parameters balances truncation (h²) against
 * rounding (ε/h) for objectives of order one.
 */
export function numericGradient(value: (u: Float64Array) => number): Objective {
  return (u, grad) => {
    const f0 = value(u);
    if (!Number.isFinite(f0)) return f0;
    const probe = Float64Array.from(u);
    const h = 1e-5;
    for (let i = 0; i < u.length; i++) {
      probe[i] = u[i]! + h;
      const fp = value(probe);
      probe[i] = u[i]! - h;
      const fm = value(probe);
      probe[i] = u[i]!;
      grad[i] = (fp - fm) / (2 * h);
      if (!Number.isFinite(grad[i]!)) return Number.NaN;
    }
    return f0;
  };
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
    startValues.push(result.value);
    if (Number.isFinite(result.value) && (best === null || result.value < best.value)) best = result;
  }
  if (best === null) {
    throw new AnalyticsError(
      'ANALYTICS_FIT_FAILED',
      'the likelihood is not finite at any starting point; check the input for negative or missing values',
    );
  }
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
