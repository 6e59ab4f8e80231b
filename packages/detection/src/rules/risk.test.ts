import { describe, expect, it } from 'vitest';
import { nextRiskChangeMs, riskScore, type RiskFlag } from './risk.js';

const T = 1_900_000_000_000;
const flag = (over: Partial<RiskFlag> = {}): RiskFlag => ({
  type: 'no_face',
  severity: 'medium',
  confidence: 1,
  startMs: T,
  endMs: T + 60_000,
  message: 'No face in view for 1 min',
  ...over,
});

describe('riskScore', () => {
  const cases: { name: string; flags: RiskFlag[]; score: number }[] = [
    { name: 'no flags: 0', flags: [], score: 0 },
    { name: 'one medium, certain, a minute long: 35', flags: [flag()], score: 35 },
    {
      name: 'one high, certain, a minute long: 60',
      flags: [flag({ severity: 'high' })],
      score: 60,
    },
    {
      name: 'one low, half sure, a moment: 4',
      flags: [flag({ severity: 'low', confidence: 0.5, endMs: T })],
      score: 4,
    },
    { name: 'two medium combine without adding up: 58', flags: [flag(), flag()], score: 58 },
    {
      name: 'dismissed flags count nothing',
      flags: [flag({ reviewStatus: 'dismissed' })],
      score: 0,
    },
    {
      name: 'confirmed flags count as certain',
      flags: [flag({ confidence: 0.2, reviewStatus: 'confirmed' })],
      score: 35,
    },
    {
      name: 'client_integrity weighs fully however short',
      flags: [flag({ type: 'client_integrity', severity: 'high', endMs: T })],
      score: 60,
    },
    {
      name: 'many high flags stay below or at 100',
      flags: Array.from({ length: 20 }, () => flag({ severity: 'high' })),
      score: 100,
    },
  ];

  it.each(cases)('$name', ({ flags, score }) => {
    expect(riskScore(flags, T + 120_000).score).toBe(score);
  });

  it('gives parts that add up to the score, largest first, with a sentence each', () => {
    const risk = riskScore(
      [
        flag({ severity: 'low', message: 'Head turned away for 1 min' }),
        flag({ severity: 'high', message: 'A phone in view in 1 snapshot checked by the server' }),
      ],
      T + 120_000,
    );
    const sum = risk.parts.reduce((a, p) => a + p.points, 0);
    expect(Math.abs(sum - risk.score)).toBeLessThan(0.2);
    expect(risk.parts[0]?.flag.severity).toBe('high');
    expect(risk.parts[0]?.explanation).toMatch(
      /^A phone in view .*: \+\d+(\.\d)? points \(high severity, 100 % confidence\)\.$/,
    );
  });

  it('an open flag grows with time until a minute', () => {
    const open = flag({ endMs: null });
    const early = riskScore([open], T + 1000).score;
    const later = riskScore([open], T + 30_000).score;
    expect(later).toBeGreaterThan(early);
    expect(nextRiskChangeMs([open], T + 1000)).toBe(T + 6000);
    expect(nextRiskChangeMs([open], T + 61_000)).toBeNull();
  });
});
