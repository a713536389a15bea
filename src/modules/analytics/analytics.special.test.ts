import { describe, expect, it } from 'vitest';
import { paretoNbdLogJ } from './pareto-nbd.js';
import { digamma, integrate, logGamma, logHyp2f1 } from './special.js';

describe('logGamma', () => {
  it('matches known values across the Lanczos and Stirling ranges', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(30)).toBeCloseTo(71.25703896716801, 11);
    expect(logGamma(1e-8)).toBeCloseTo(18.420680738180209, 8);
  });
});

describe('digamma', () => {
  it('matches ψ(1) = −γ and the recurrence ψ(x+1) = ψ(x) + 1/x', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13);
    expect(digamma(0.3) + 1 / 0.3).toBeCloseTo(digamma(1.3), 13);
    expect(digamma(50)).toBeCloseTo(3.901989673427892, 13);
  });
});

describe('logHyp2f1', () => {
  it('matches the closed form 2F1(1, 1; 2; z) = −ln(1 − z)/z', () => {
    for (const z of [0.01, 0.5, 0.9]) {
      expect(Math.exp(logHyp2f1(1, 1, 2, z).logAbs)).toBeCloseTo(-Math.log1p(-z) / z, 12);
    }
  });

  it('stays finite where the sum exceeds the double range', () => {
    // 2F1(a, b; b; z) = (1 − z)^−a; with a = 2000 that is 10^602.
    const f = logHyp2f1(2000, 3, 3, 0.5);
    expect(f.logAbs).toBeCloseTo(2000 * Math.log(2), 8);
    expect(f.sign).toBe(1);
  });

  it('rejects arguments outside [0, 1)', () => {
    expect(() => logHyp2f1(1, 1, 2, 1)).toThrow(/outside/);
  });
});

describe('integrate', () => {
  it('integrates a sharp exponential to 12 digits', () => {
    expect(integrate((t) => Math.exp(-200 * t), 0, 1)).toBeCloseTo((1 - Math.exp(-200)) / 200, 14);
  });
});

describe('paretoNbdLogJ', () => {
  it('gives the same integral by series and by quadrature', () => {
    const cases = [
      { params: { r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 }, x: 2, tx: 30.43, T: 38.86 },
      { params: { r: 0.55, alpha: 2, s: 0.61, beta: 11.7 }, x: 20, tx: 5, T: 38.86 },
      { params: { r: 1.3, alpha: 40, s: 2, beta: 3 }, x: 0, tx: 0, T: 52 },
    ];
    for (const c of cases) {
      const series = paretoNbdLogJ(c.params, c.x, c.tx, c.T);
      const quadrature = paretoNbdLogJ(c.params, c.x, c.tx, c.T, 'quadrature');
      expect(Math.abs(series - quadrature)).toBeLessThan(1e-10);
    }
  });
});
