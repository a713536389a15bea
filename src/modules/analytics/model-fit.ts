import {
  hessianFromGradient,
  hessianFromValues,
  invertSpd,
  minimiseBfgs,
  minimiseMultiStart,
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

export interface FitSpec<P extends Record<string, number>, M extends ModelName> {
  model: M;
  names: (keyof P & string)[];
  /** Per-customer negative log-likelihood in log-parameters, with gradient, on the full data. */
  objective: Objective;
  /** Same on a subsample for the multi-start search; defaults to `objective`. */
  searchObjective?: Objective;
  /** Total log-likelihood in natural parameters. */
  logLikelihood: (theta: Float64Array) => number;
  /** Gradient of −LL (total) in natural parameters; without it the Hessian comes from values. */
  negLogLikelihoodGradient?: (theta: Float64Array, grad: Float64Array) => void;
  /** Starting points in natural parameters. */
  starts: number[][];
  customers: number;
  gradientTolerance?: number;
  /**
   * Shape parameters (dimensionless, unlike the rate scales α, β, γ that carry the time or currency
   * unit); one beyond [1e-6, 1e6] has run off towards 0 or infinity even if the box was not reached.
   */
  shapes: (keyof P & string)[];
  /** Extra, model-specific warnings computed from the estimate. */
  extraWarnings?: (params: P) => string[];
}

function formatNumber(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

/** Multi-start BFGS, polish on the full data, standard errors and warnings, for any of the models. */
export function fitModel<P extends Record<string, number>, M extends ModelName>(
  spec: FitSpec<P, M>,
): ModelFit<P, M> {
  const options = { lower: LOG_LOWER, upper: LOG_UPPER, gradientTolerance: spec.gradientTolerance ?? 1e-9 };
  const starts = spec.starts.map((s) => Float64Array.from(s, Math.log));
  const search = minimiseMultiStart(spec.searchObjective ?? spec.objective, starts, options);
  let u = search.u;
  let iterations = search.iterations;
  let converged = search.converged;
  if (spec.searchObjective !== undefined) {
    // The search ran on a subsample; its optimum is a warm start, the estimate comes from the full data.
    const full = minimiseBfgs(spec.objective, u, options);
    const again = minimiseBfgs(spec.objective, full.u, options);
    u = again.value <= full.value ? again.u : full.u;
    iterations += full.iterations + again.iterations;
    converged = again.converged;
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
    if (!atBound.has(i) && spec.shapes.includes(name) && (theta[i]! < 1e-6 || theta[i]! > 1e6)) {
      atBound.add(i);
      warnings.push(
        `${spec.model}: parameter ${name} = ${formatNumber(theta[i]!)} ran towards ${theta[i]! < 1 ? '0' : 'infinity'}; the data cannot identify it (customers look too alike, or too few repeat)`,
      );
    }
  });

  const n = spec.names.length;
  const standardErrors = Object.fromEntries(spec.names.map((name) => [name, null])) as {
    [K in keyof P]: number | null;
  };
  if (atBound.size === 0) {
    const negLL = (t: Float64Array) => -spec.logLikelihood(t);
    const H =
      spec.negLogLikelihoodGradient === undefined
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
