/**
 * Welch's two-sample comparison of means (unequal variances), used for a campaign's uplift: the
 * difference of mean revenue per member between treated and control, with a 95% confidence interval
 * from Student's t at the Welch–Satterthwaite degrees of freedom.
 */
export interface Sample {
  n: number;
  mean: number;
  /** Unbiased sample variance (n - 1). */
  variance: number;
}

export function summarize(values: number[]): Sample {
  const n = values.length;
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, variance };
}

export interface Welch {
  difference: number;
  standardError: number;
  degreesOfFreedom: number;
  low: number;
  high: number;
}

/** null when either group has fewer than two members: no interval can be drawn. */
export function welch(treated: Sample, control: Sample, confidence = 0.95): Welch | null {
  if (treated.n < 2 || control.n < 2) return null;
  const a = treated.variance / treated.n;
  const b = control.variance / control.n;
  const se = Math.sqrt(a + b);
  const difference = treated.mean - control.mean;
  // No spread at all (e.g. nobody bought after the window): the difference is exact.
  if (se === 0) {
    return {
      difference,
      standardError: 0,
      degreesOfFreedom: treated.n + control.n - 2,
      low: difference,
      high: difference,
    };
  }
  const df = (a + b) ** 2 / (a ** 2 / (treated.n - 1) + b ** 2 / (control.n - 1));
  const t = studentTQuantile(1 - (1 - confidence) / 2, df);
  return {
    difference,
    standardError: se,
    degreesOfFreedom: df,
    low: difference - t * se,
    high: difference + t * se,
  };
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9): 15 significant digits for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < 9; i++) s += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Regularized incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes betacf). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return (front * f) / a;
}

export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalCdf(t);
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 through erf; ample for the infinite-df limit.
  const t = 1 / (1 + 0.3275911 * Math.abs(z / Math.SQRT2));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-(z * z) / 2);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** The p-quantile of Student's t by bisection on the CDF (monotone), to 1e-10. */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1000;
  let hi = 1000;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
