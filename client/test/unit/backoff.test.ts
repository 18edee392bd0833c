import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from '../../src/index.js';

describe('backoff', () => {
  it('has the ceiling min(30 s, 0.5 s · 2^n) by default', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 100].map((n) => backoffCeiling(n))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('draws with full jitter: anywhere from 0 up to (not including) the ceiling', () => {
    for (let n = 0; n < 12; n++) {
      const ceiling = backoffCeiling(n);
      expect(backoffDelay(n, { ...DEFAULT_BACKOFF, random: () => 0 })).toBe(0);
      expect(backoffDelay(n, { ...DEFAULT_BACKOFF, random: () => 0.5 })).toBe(Math.floor(ceiling / 2));
      const top = backoffDelay(n, { ...DEFAULT_BACKOFF, random: () => 0.999_999 });
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it('spreads Math.random draws over the whole range', () => {
    const draws = Array.from({ length: 2000 }, () => backoffDelay(3));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(4000);
    // uniform over [0, 4000): each quarter gets about a quarter of the draws
    for (let q = 0; q < 4; q++) {
      const inQuarter = draws.filter((d) => d >= q * 1000 && d < (q + 1) * 1000).length;
      expect(inQuarter).toBeGreaterThan(350);
      expect(inQuarter).toBeLessThan(650);
    }
  });

  it('takes its base, cap and factor from the options', () => {
    const o = { baseMs: 100, maxMs: 1000, factor: 3, random: () => 0.999_999 };
    expect([0, 1, 2, 3].map((n) => backoffCeiling(n, o))).toEqual([100, 300, 900, 1000]);
    expect(backoffDelay(3, o)).toBe(999);
  });
});
