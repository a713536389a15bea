import {
  hessianFromGradient,
  hessianFromValues,
  invertSpd,
  minimiseBfgs,
  minimiseMultiStart,
  minimiseNewton,
  type NewtonObjective,
  type Objective,
} from './optimise.js';

export type ModelName = 'bgnbd' | 'pareto-nbd' | 'gamma-gamma';

/** The result of a maximum-likelihood fit. */
export interface ModelFit<P extends Record<string, number>, M extends ModelName = ModelName> {
  model: M;
  params: P;
  /** Log-likelihood at the estimate, summed over customers (constants included, as in the papers). */
  logLikelihood: number;
  /** Standard errors from the inverse Hessian of −LL in the natural parameters; null when unavailable. */
  standardErrors: { [K in keyof P]: number | null };
  /** BFGS iterations summed over all starts and restarts. */
  iterations: number;
  converged: boolean;
  /** Plain-language problems with the fit: parameters at a bound, flat likelihood, no convergence. */
  warnings: string[];
  /** Number of customers the fit used. */
  customers: number;
}

/** Parameters live in [1e-10, 1e10]; a value pinned there means the data pushed it to 0 or infinity. */
export const LOG_LOWER = Math.log(1e-10);
export const LOG_UPPER = Math.log(1e10);
/** A shape parameter past this is capped where it stands (see `MinimiseOptions.runaway`); warnings start at 1e4. */
const RUNAWAY_SHAPE = 1e5;

export interface FitSpec<P extends Record<string, number>, M extends ModelName> {
  model: M;
  names: (keyof P & string)[];
  /** Per-customer negative log-likelihood in log-parameters, with gradient, on the full data. */
  objective: Objective;
  /** Same on a subsample for the multi-start search; defaults to `objective`. */
  searchObjective?: Objective;
  /** Total log-likelihood in natural parameters. */
  logLikelihood: (theta: Float64Array) => number;
  /**
   * The full-data objective with its analytic Hessian: the winner of the search is then polished by
   * Newton steps (a few full-data evaluations) instead of BFGS.
   */
  newtonObjective?: NewtonObjective;
  /** Hessian of −LL (total) in natural parameters, for the standard errors. */
  negLogLikelihoodHessian?: (theta: Float64Array) => Float64Array;
  /** Gradient of −LL (total) in natural parameters; without it the Hessian comes from values. */
  negLogLikelihoodGradient?: (theta: Float64Array, grad: Float64Array) => void;
  /** Starting points in natural parameters. */
  starts: number[][];
  customers: number;
  gradientTolerance?: number;
  /**
   * Shape parameters (dimensionless, unlike the rate scales α, β, γ that carry the time or currency
   * unit); one beyond [1e-6, 1e4] has run off towards 0 or infinity even if the box was not reached.
   * Above 1e4 a gamma or beta mixing distribution has a coefficient of variation under 1 %: the
   * customers are alike in that respect, and the likelihood is so flat along the ridge towards the
   * limit that where the optimiser stops says nothing.
   */
  shapes: (keyof P & string)[];
  /**
   * (shape, scale) pairs of a gamma or beta mixing distribution. When both grow together the mixture
   * collapses to a point (no heterogeneity) and the likelihood keeps rising slowly towards that limit,
   * so an optimiser stops somewhere along the ridge with no true maximum. The fit probes each pair at
   * ten times the estimate and warns when the likelihood is no worse there.
   */
  ridges?: [keyof P & string, keyof P & string][];
  /** Extra, model-specific warnings computed from the estimate. */
  extraWarnings?: (params: P) => string[];
}

function formatNumber(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/**
 * Inverse Hessian of a per-customer objective at u, by central differences of its gradient (step 1e-4
 * in log-parameters), or undefined when it is not positive definite. On the search subsample it costs
 * eight cheap evaluations and, the objective being per customer, describes the full data's curvature
 * well enough that the full-data BFGS starts almost as Newton.
 */
function subsampleInverseHessian(f: Objective, u: Float64Array): Float64Array | undefined {
  const n = u.length;
  const H = new Float64Array(n * n);
  const probe = Float64Array.from(u);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const h = 1e-4;
  for (let j = 0; j < n; j++) {
    probe[j] = u[j]! + h;
    const fp = f(probe, gp);
    probe[j] = u[j]! - h;
    const fm = f(probe, gm);
    probe[j] = u[j]!;
    if (!Number.isFinite(fp) || !Number.isFinite(fm)) return undefined;
    for (let i = 0; i < n; i++) H[i * n + j] = (gp[i]! - gm[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (H[i * n + j]! + H[j * n + i]!);
      H[i * n + j] = v;
      H[j * n + i] = v;
    }
  }
  return invertSpd(H, n) ?? undefined;
}

/** Multi-start BFGS, polish on the full data, standard errors and warnings, for any of the models. */
export function fitModel<P extends Record<string, number>, M extends ModelName>(
  spec: FitSpec<P, M>,
): ModelFit<P, M> {
  const options = {
    lower: LOG_LOWER,
    upper: LOG_UPPER,
    gradientTolerance: spec.gradientTolerance ?? 1e-9,
    runaway: spec.shapes.map((name) => spec.names.indexOf(name)),
    runawayAbove: Math.log(RUNAWAY_SHAPE),
  };
  const starts = spec.starts.map((s) => Float64Array.from(s, Math.log));
  // With Newton available and a subsample to search on, the subsample's optimum need not be polished:
  // Newton on the full data does that in a few steps.
  const polishSearch = !(spec.newtonObjective !== undefined && spec.searchObjective !== undefined);
  const search = minimiseMultiStart(spec.searchObjective ?? spec.objective, starts, options, polishSearch);
  let u = search.u;
  let iterations = search.iterations;
  let converged = search.converged;
  const newton = spec.newtonObjective === undefined ? null : minimiseNewton(spec.newtonObjective, u, options);
  if (newton?.converged) {
    u = newton.u;
    iterations += newton.iterations;
    converged = true;
  } else if (spec.searchObjective !== undefined) {
    // The search ran on a subsample; its optimum and its curvature are a warm start, the estimate comes
    // from the full data. A run that stopped on the gradient test is done; one that stopped otherwise
    // is restarted once with a fresh inverse Hessian to confirm.
    const curvature = subsampleInverseHessian(spec.searchObjective, u) ?? search.inverseHessian;
    const warm = curvature === undefined ? options : { ...options, initialInverseHessian: curvature };
    const full = minimiseBfgs(spec.objective, u, warm);
    u = full.u;
    iterations += full.iterations;
    converged = full.converged;
    if (!(full.converged && full.iterations < 50)) {
      const again = minimiseBfgs(spec.objective, full.u, options);
      if (again.value <= full.value) u = again.u;
      iterations += again.iterations;
      converged = again.converged;
    }
  }

  const theta = u.map(Math.exp);
  const params = Object.fromEntries(spec.names.map((name, i) => [name, theta[i]!])) as P;
  const logLikelihood = spec.logLikelihood(theta);
  const warnings: string[] = [];
  if (!converged) {
    warnings.push(`${spec.model}: the optimiser stopped after ${iterations} iterations without converging`);
  }

  const atBound = new Set<number>();
  spec.names.forEach((name, i) => {
    if (u[i]! <= LOG_LOWER + 1e-6 || u[i]! >= LOG_UPPER - 1e-6) {
      atBound.add(i);
      const side = u[i]! <= LOG_LOWER + 1e-6 ? 'lower bound 1e-10' : 'upper bound 1e10';
      warnings.push(
        `${spec.model}: parameter ${name} ran to its ${side}; the data cannot identify it and the estimate is a limit, not a maximum`,
      );
    }
  });

  spec.names.forEach((name, i) => {
    if (!atBound.has(i) && spec.shapes.includes(name) && (theta[i]! < 1e-6 || theta[i]! > 1e4)) {
      atBound.add(i);
      warnings.push(
        `${spec.model}: parameter ${name} = ${formatNumber(theta[i]!)} ran towards ${theta[i]! < 1 ? '0' : 'infinity'}; the data cannot identify it (customers look too alike, or too few repeat)`,
      );
    }
  });

  for (const [shape, scale] of spec.ridges ?? []) {
    const i = spec.names.indexOf(shape);
    const j = spec.names.indexOf(scale);
    // Only a shape of 1 or more heads for the point-mass limit; a small shape with a huge scale is a
    // mean rate near 0, which the models' own warnings describe.
    if (atBound.has(i) || atBound.has(j) || theta[i]! < 1) continue;
    const probe = Float64Array.from(theta);
    probe[i]! *= 10;
    probe[j]! *= 10;
    const further = spec.logLikelihood(probe);
    if (further >= logLikelihood - 1e-9 * Math.abs(logLikelihood)) {
      atBound.add(i);
      atBound.add(j);
      warnings.push(
        `${spec.model}: parameters ${shape} = ${formatNumber(theta[i]!)} and ${scale} = ${formatNumber(theta[j]!)} run off to infinity together (the likelihood still rises at ten times both): the data show no heterogeneity there, only the ratio ${shape}/${scale} = ${formatNumber(theta[i]! / theta[j]!)} is identified, and the estimate is a limit, not a maximum`,
      );
    }
  }

  const n = spec.names.length;
  const standardErrors = Object.fromEntries(spec.names.map((name) => [name, null])) as {
    [K in keyof P]: number | null;
  };
  if (atBound.size === 0) {
    const negLL = (t: Float64Array) => -spec.logLikelihood(t);
    const H =
      spec.negLogLikelihoodHessian !== undefined
        ? spec.negLogLikelihoodHessian(theta)
        : spec.negLogLikelihoodGradient === undefined
          ? hessianFromValues(negLL, theta)
          : hessianFromGradient(spec.negLogLikelihoodGradient, theta);
    const cov = invertSpd(H, n);
    if (cov === null) {
      warnings.push(
        `${spec.model}: the Hessian is not positive definite at the estimate, so there are no standard errors; the likelihood is flat in some direction`,
      );
    } else {
      spec.names.forEach((name, i) => {
        const se = Math.sqrt(cov[i * n + i]!);
        (standardErrors as Record<string, number | null>)[name] = Number.isFinite(se) ? se : null;
        // A standard error above the value means a 95 % interval spans from 0 to several times the
        // estimate: the likelihood is nearly flat as the parameter heads towards 0 or infinity.
        if (se > theta[i]!) {
          warnings.push(
            `${spec.model}: parameter ${name} = ${formatNumber(theta[i]!)} is poorly identified (standard error ${formatNumber(se)} exceeds it); it is drifting towards a bound, so treat predictions that depend on it with care`,
          );
        }
      });
    }
  }
  if (spec.extraWarnings !== undefined) warnings.push(...spec.extraWarnings(params));
  return {
    model: spec.model,
    params,
    logLikelihood,
    standardErrors,
    iterations,
    converged,
    warnings,
    customers: spec.customers,
  };
}
