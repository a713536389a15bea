import { describe, expect, it } from 'vitest';
import { bgNbdLogLikelihood } from './bg-nbd.js';
import { compressTriples } from './compress.js';
import { paretoNbdLogLikelihood } from './pareto-nbd.js';
import { summarise } from './summary.js';
import { readCdnowSample } from './test-data.js';

const cdnow = summarise(readCdnowSample(), { calibrationEnd: '1997-09-30', timeUnit: 'week' });
const data = compressTriples(cdnow.x, cdnow.tx, cdnow.T);

/** Central difference of f in parameter j, step h relative to it. */
function difference(f: (theta: number[]) => number, theta: number[], j: number, h: number): number {
  const up = [...theta];
  const down = [...theta];
  up[j]! *= 1 + h;
  down[j]! *= 1 - h;
  return (f(up) - f(down)) / (2 * h * theta[j]!);
}

describe('analytic derivatives against central differences on CDNOW', () => {
  it('BG/NBD: gradient and Hessian', () => {
    const theta = [0.3, 5, 0.7, 2.2];
    const grad = new Float64Array(4);
    const hess = new Float64Array(16);
    bgNbdLogLikelihood(theta, data, grad, hess);
    for (let j = 0; j < 4; j++) {
      const g = difference((t) => bgNbdLogLikelihood(t, data), theta, j, 1e-6);
      expect(Math.abs(grad[j]! - g)).toBeLessThan(1e-6 * Math.max(1, Math.abs(g)) + 1e-5);
      for (let i = 0; i < 4; i++) {
        const h = difference(
          (t) => {
            const gt = new Float64Array(4);
            bgNbdLogLikelihood(t, data, gt);
            return gt[i]!;
          },
          theta,
          j,
          1e-6,
        );
        expect(Math.abs(hess[i * 4 + j]! - h), `H[${i}][${j}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(h)));
      }
    }
  });

  // Interior points on both sides of α = β (the series' two expansions), and points where one of α, β
  // is thousands of times the other, so every (x, t) group goes down the quadrature path.
  const points = [
    [0.55, 10.5, 0.6, 11.7],
    [0.55, 30, 0.6, 11],
    [0.5, 10, 50, 1e4],
    [0.5, 1e4, 0.5, 3],
    [2, 80, 1e5, 1e7],
  ];
  for (const theta of points) {
    it(`Pareto/NBD gradient at (${theta.join(', ')})`, () => {
      const grad = new Float64Array(4);
      const ll = paretoNbdLogLikelihood(theta, data, grad);
      expect(Number.isFinite(ll)).toBe(true);
      for (let j = 0; j < 4; j++) {
        const g = difference((t) => paretoNbdLogLikelihood(t, data), theta, j, 1e-5);
        expect(Math.abs(grad[j]! - g), `d/d${['r', 'alpha', 's', 'beta'][j]}`).toBeLessThan(
          2e-6 * Math.max(Math.abs(g), 1e-3 / theta[j]!),
        );
      }
    });
  }
});

/** Checks a compression against a naive Map-based grouping. */
function expectCompressed(x: Float64Array, tx: Float64Array, T: Float64Array) {
  const n = x.length;
  const c = compressTriples(x, tx, T);
  const naive = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = `${x[i]}|${tx[i]! + 0}|${T[i]}`;
    naive.set(key, (naive.get(key) ?? 0) + 1);
  }
  expect(c.size).toBe(naive.size);
  expect(c.customers).toBe(n);
  for (let k = 0; k < c.size; k++) {
    expect(c.weight[k]).toBe(naive.get(`${c.x[k]}|${c.tx[k]}|${c.T[k]}`));
    expect(c.xValues[c.xIndex[k]!]).toBe(c.x[k]);
    expect(c.timeValues[c.txIndex[k]!]).toBe(c.tx[k]);
    expect(c.timeValues[c.TIndex[k]!]).toBe(c.T[k]);
  }
  for (let i = 0; i < n; i++) {
    const k = c.customerToTriple[i]!;
    expect([c.x[k], c.tx[k], c.T[k]]).toEqual([x[i], tx[i]! + 0, T[i]]);
  }
}

function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
}

describe('compressTriples', () => {
  it('groups equal (x, t_x, T) exactly, −0 with 0, and maps every customer back', () => {
    const n = 5000;
    const next = lcg(7);
    const x = new Float64Array(n);
    const tx = new Float64Array(n);
    const T = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = Math.floor(next() * 4);
      T[i] = Math.floor(next() * 30) / 7;
      tx[i] = x[i] === 0 ? (i % 2 === 0 ? -0 : 0) : Math.floor(next() * 7 * T[i]!) / 7;
    }
    expectCompressed(x, tx, T);
  });

  it('takes the whole-triple hash when the (x, t) grid is too large to address (continuous times)', () => {
    const n = 12_000;
    const next = lcg(11);
    const x = new Float64Array(n);
    const tx = new Float64Array(n);
    const T = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // 6,000 distinct x and ~12,000 distinct times: a grid of 7·10⁷ cells; every value appears twice.
      const j = i >> 1;
      x[i] = j;
      T[i] = 1 + (j % 6000) * 0.001 + next() * 1e-9 * (i & 1);
      tx[i] = T[i]! / 2;
    }
    expectCompressed(x, tx, T);
  });
});
