/**
 * Statistics for comparing two samples of response times without assuming a distribution:
 * quantiles, a Mann–Whitney U test (normal approximation) and a bootstrap interval for the
 * ratio of medians. Pure functions, so a benchmark can print them and nothing asserts on them.
 */

/** The q-quantile (0..1) by linear interpolation between order statistics. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 for erf; error below 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Result of a two-sided Mann–Whitney U test of `a` against `b`. */
export interface MannWhitney {
  u: number;
  z: number;
  /** Two-sided p-value: how likely samples this different are when both come from one distribution. */
  p: number;
  /** P(a random value of `a` > a random value of `b`), ties counting half: 0.5 is "no difference". */
  probabilityGreater: number;
}

/** Mann–Whitney U with average ranks for ties and the tie-corrected normal approximation. */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitney {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort(
    (x, y) => x.v - y.v,
  );
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  const r1 = all.reduce((sum, x, i) => (x.g === 0 ? sum + ranks[i]! : sum), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = sd === 0 ? 0 : (u - mean) / sd;
  return { u, z, p: 2 * (1 - normalCdf(Math.abs(z))), probabilityGreater: u / (n1 * n2) };
}

/** A seeded PRNG (mulberry32), so a bootstrap run can be repeated exactly. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A 95 % percentile-bootstrap interval for median(a) ÷ median(b). */
export function bootstrapMedianRatio(
  a: readonly number[],
  b: readonly number[],
  resamples = 2000,
  seed = 1,
): { low: number; high: number } {
  const random = prng(seed);
  const draw = (xs: readonly number[]) =>
    Array.from({ length: xs.length }, () => xs[Math.floor(random() * xs.length)]!);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) ratios.push(median(draw(a)) / median(draw(b)));
  return { low: quantile(ratios, 0.025), high: quantile(ratios, 0.975) };
}
