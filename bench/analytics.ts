/**
 * Analytics benchmark: synthetic customers drawn from the BG/NBD and Gamma-Gamma generative processes
 * with known parameters (seeded, so every run sees the same data), then the whole pipeline timed
 * stage by stage — summary, RFM, BG/NBD, Gamma-Gamma, predictions with CLV (and Pareto/NBD with
 * --pareto) — with memory after each stage and how close the fits come to the true parameters.
 *
 *   npx tsx bench/analytics.ts                      # 100,000 and 1,000,000 customers
 *   npx tsx bench/analytics.ts 100000 --pareto      # one size, Pareto/NBD included: fitted to the
 *                                                   # BG/NBD log (its s, β run off) and to a log drawn
 *                                                   # from the Pareto/NBD process (interior optimum)
 *
 * Memory figures include the garbage the pipeline leaves behind (no forced GC between stages).
 */
import {
  fitBgNbd,
  fitGammaGamma,
  fitParetoNbd,
  predictCustomers,
  rfmInputFromSummary,
  scoreRfm,
  summarise,
  type TransactionLog,
} from '../src/modules/analytics/index.js';

/** sfc32: small, fast, passes PractRand; seeded so the data is identical run to run. */
function makeRandom(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  // Never return exactly 0, so logs of uniforms stay finite.
  return () => (next() + 1 / 8589934592) * (1 - 1 / 8589934592);
}

function makeSamplers(uniform: () => number) {
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = uniform();
    const v = uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
  /** Gamma(shape, rate) by Marsaglia & Tsang, with the shape < 1 boost. */
  const gamma = (shape: number, rate: number): number => {
    if (shape < 1) return gamma(shape + 1, rate) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / rate;
    }
  };
  const beta = (a: number, b: number) => {
    const x = gamma(a, 1);
    return x / (x + gamma(b, 1));
  };
  return { gamma, beta };
}

/** True parameters, in days. Chosen so customers average about ten orders in the two years. */
const TRUE_BG = { r: 2, alpha: 80, a: 1.2, b: 20 };
/** Pareto/NBD truth for --pareto: a mean lifetime of about 500 days, strong heterogeneity in both. */
const TRUE_PARETO = { r: 1.5, alpha: 60, s: 0.8, beta: 400 };
const TRUE_GG = { p: 6, q: 4, v: 15 };
const COHORT_DAYS = 365;
const END_DAY = 730;
const FIRST_DAY = 16_071; // 2014-01-01

/**
 * Draws the transaction log: first purchase in year one, then BG/NBD purchases until the end day, or
 * with `pareto` Pareto/NBD purchases (Poisson at λ until an exponential lifetime at rate μ ends).
 */
function generate(customers: number, seed: number, pareto = false): TransactionLog {
  const uniform = makeRandom(seed);
  const { gamma, beta } = makeSamplers(uniform);
  let capacity = customers * 12;
  let customer = new Int32Array(capacity);
  let day = new Int32Array(capacity);
  let amount = new Float64Array(capacity);
  let n = 0;
  const push = (c: number, d: number, z: number) => {
    if (n === capacity) {
      capacity *= 2;
      const grow = <A extends Int32Array | Float64Array>(src: A, make: (k: number) => A) => {
        const out = make(capacity);
        out.set(src);
        return out;
      };
      customer = grow(customer, (k) => new Int32Array(k));
      day = grow(day, (k) => new Int32Array(k));
      amount = grow(amount, (k) => new Float64Array(k));
    }
    customer[n] = c;
    day[n] = d;
    amount[n] = z;
    n++;
  };
  const customerIds = new Array<string>(customers);
  for (let c = 0; c < customers; c++) {
    customerIds[c] = `cus_${c}`;
    const lambda = pareto ? gamma(TRUE_PARETO.r, TRUE_PARETO.alpha) : gamma(TRUE_BG.r, TRUE_BG.alpha);
    const p = beta(TRUE_BG.a, TRUE_BG.b);
    const nu = gamma(TRUE_GG.q, TRUE_GG.v);
    let t = uniform() * COHORT_DAYS;
    const death = pareto ? t - Math.log(uniform()) / gamma(TRUE_PARETO.s, TRUE_PARETO.beta) : END_DAY;
    push(c, FIRST_DAY + Math.floor(t), gamma(TRUE_GG.p, nu));
    for (;;) {
      t += -Math.log(uniform()) / lambda;
      if (t >= END_DAY || t >= death) break;
      push(c, FIRST_DAY + Math.floor(t), gamma(TRUE_GG.p, nu));
      // BG/NBD: after each repeat purchase (not the first) the customer drops out with probability p.
      if (!pareto && uniform() < p) break;
    }
  }
  return {
    customerIds,
    customer: customer.slice(0, n),
    day: day.slice(0, n),
    amount: amount.slice(0, n),
    length: n,
  };
}

interface Row {
  customers: number;
  stage: string;
  ms: number;
  /** CPU time of this process (user + system): on a shared machine, steadier than the wall time. */
  cpuMs: number;
  rssMb: number;
  heapMb: number;
  peakRssMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

function timed<T>(rows: Row[], customers: number, stage: string, work: () => T): T {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const result = work();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const memory = process.memoryUsage();
  rows.push({
    customers,
    stage,
    ms: Math.round(ms),
    cpuMs: Math.round((used.user + used.system) / 1000),
    rssMb: mb(memory.rss),
    heapMb: mb(memory.heapUsed),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  });
  return result;
}

function relativeError(fitted: number, truth: number): string {
  return `${(((fitted - truth) / truth) * 100).toFixed(2)} %`;
}

function runSize(customers: number): void {
  const rows: Row[] = [];
  const log = timed(rows, customers, 'generate (not in pipeline)', () => generate(customers, 20_240_601));
  const pipelineStart = performance.now();
  const pipelineCpu = process.cpuUsage();
  const summary = timed(rows, customers, 'summarise', () =>
    summarise(log, { calibrationEnd: FIRST_DAY + END_DAY - 1, timeUnit: 'day' }),
  );
  timed(rows, customers, 'RFM scores + segments', () => scoreRfm(rfmInputFromSummary(summary)));
  const bg = timed(rows, customers, 'fit BG/NBD', () => fitBgNbd(summary));
  const gg = timed(rows, customers, 'fit Gamma-Gamma', () => fitGammaGamma(summary));
  timed(rows, customers, 'predict 12 months + CLV', () =>
    predictCustomers(summary, bg, {
      horizonMonths: 12,
      monthlyDiscountRate: 0.01,
      margin: 0.3,
      spendFit: gg,
    }),
  );
  const pipelineMs = performance.now() - pipelineStart;
  const pipelineCpuUsed = process.cpuUsage(pipelineCpu);
  const pipelineCpuMs = (pipelineCpuUsed.user + pipelineCpuUsed.system) / 1000;
  // Pareto/NBD is not part of the pipeline and runs only with --pareto. On BG/NBD data its death-rate
  // heterogeneity runs off (s, β → ∞), the hard case: the hypergeometric series is slow there, so ln G
  // comes from quadrature, and the optimiser follows a flat ridge until s passes 1e5.
  const pareto = withPareto
    ? timed(rows, customers, 'fit Pareto/NBD on the BG/NBD log (extra)', () => fitParetoNbd(summary))
    : null;
  let paretoOwn: ReturnType<typeof fitParetoNbd> | null = null;
  if (withPareto) {
    const own = generate(customers, 20_240_602, true);
    const ownSummary = summarise(own, { calibrationEnd: FIRST_DAY + END_DAY - 1, timeUnit: 'day' });
    paretoOwn = timed(rows, customers, 'fit Pareto/NBD on a Pareto/NBD log (extra)', () =>
      fitParetoNbd(ownSummary),
    );
  }

  let repeaters = 0;
  let purchaseDays = 0;
  for (let i = 0; i < summary.size; i++) {
    if (summary.x[i]! > 0) repeaters++;
    purchaseDays += summary.x[i]! + 1;
  }
  // The generator draws purchases in continuous time; the summary merges orders on the same day, which
  // is one source of the small bias in the fitted parameters.
  console.log(
    `\n${customers.toLocaleString('en')} customers, ${log.length.toLocaleString('en')} orders (${(log.length / customers).toFixed(1)} per customer), ${repeaters.toLocaleString('en')} repeat buyers, ${(100 * (1 - purchaseDays / log.length)).toFixed(2)} % of orders merged into an earlier order's day`,
  );
  console.table(rows.map(({ customers: _, ...rest }) => rest));
  console.log(
    `pipeline (summarise → RFM → BG/NBD → Gamma-Gamma → predictions): ${(pipelineMs / 1000).toFixed(2)} s (CPU ${(pipelineCpuMs / 1000).toFixed(2)} s), peak RSS ${rows.at(-1)!.peakRssMb} MB (includes the generated log)`,
  );
  const recovery = [
    ...Object.entries(TRUE_BG).map(([name, truth]) => ({
      model: 'BG/NBD',
      param: name,
      truth,
      fitted: Number(bg.params[name as keyof typeof bg.params].toPrecision(5)),
      error: relativeError(bg.params[name as keyof typeof bg.params], truth),
    })),
    ...Object.entries(TRUE_GG).map(([name, truth]) => ({
      model: 'Gamma-Gamma',
      param: name,
      truth,
      fitted: Number(gg.params[name as keyof typeof gg.params].toPrecision(5)),
      error: relativeError(gg.params[name as keyof typeof gg.params], truth),
    })),
  ];
  if (paretoOwn !== null) {
    for (const [name, truth] of Object.entries(TRUE_PARETO)) {
      const fitted = paretoOwn.params[name as keyof typeof paretoOwn.params];
      recovery.push({
        model: 'Pareto/NBD',
        param: name,
        truth,
        fitted: Number(fitted.toPrecision(5)),
        error: relativeError(fitted, truth),
      });
    }
  }
  console.table(recovery);
  console.log(
    `iterations BG/NBD ${bg.iterations}, Gamma-Gamma ${gg.iterations}; BG/NBD LL ${bg.logLikelihood.toFixed(1)}${
      pareto === null
        ? ''
        : ` vs Pareto/NBD LL ${pareto.logLikelihood.toFixed(1)} (${pareto.iterations} iterations; the data are BG/NBD, so BG/NBD should fit better)`
    }`,
  );
  if (paretoOwn !== null) {
    console.log(
      `Pareto/NBD on its own process: ${paretoOwn.iterations} iterations, LL ${paretoOwn.logLikelihood.toFixed(1)}`,
    );
  }
  const warnings = [
    ...bg.warnings,
    ...gg.warnings,
    ...(pareto?.warnings ?? []),
    ...(paretoOwn?.warnings ?? []),
  ];
  if (warnings.length > 0) console.log(`warnings:\n  ${warnings.join('\n  ')}`);
}

const args = process.argv.slice(2);
const withPareto = args.includes('--pareto');
const given = args.filter((a) => a !== '--pareto').map(Number);
const sizes = given.length > 0 ? given : [100_000, 1_000_000];
for (const size of sizes) runSize(size);
