import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_RULES, EVIDENCE_FLAG_TYPES } from '@invigil/contracts';
import { EVIDENCE_RISK, flagWeight, nextRiskChangeMs, riskScore, type RiskFlag } from './risk.js';

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

describe('evidence flags in the risk score', () => {
  it('every evidence flag type has its own weight and a reason', () => {
    for (const type of EVIDENCE_FLAG_TYPES) {
      expect(EVIDENCE_RISK[type].weight, type).toBeGreaterThan(0);
      expect(EVIDENCE_RISK[type].weight, type).toBeLessThan(1);
      expect(EVIDENCE_RISK[type].why.length, type).toBeGreaterThan(20);
    }
  });

  it.each(EVIDENCE_FLAG_TYPES)('%s weighs its own weight at its default severity', (type) => {
    const f = flag({ type, severity: DEFAULT_DETECTOR_RULES[type].severity });
    expect(flagWeight(f, T + 120_000)).toBeCloseTo(EVIDENCE_RISK[type].weight, 6);
  });

  it('missing evidence weighs less than a finding; a mismatched ID document more', () => {
    const medium = flagWeight(flag(), T + 120_000);
    for (const type of ['recording_gap', 'clock_skew', 'late_event'] as const) {
      const f = flag({ type, severity: DEFAULT_DETECTOR_RULES[type].severity });
      expect(flagWeight(f, T + 120_000), type).toBeLessThan(medium);
    }
    const id = flag({ type: 'id_document_mismatch', severity: 'high' });
    expect(flagWeight(id, T + 120_000)).toBeGreaterThan(medium);
  });

  it('an exam raising an evidence type’s severity raises its weight in proportion', () => {
    const usual = flagWeight(flag({ type: 'clock_skew', severity: 'medium' }), T);
    const high = flagWeight(flag({ type: 'clock_skew', severity: 'high' }), T);
    expect(high / usual).toBeCloseTo(0.6 / 0.35, 6);
  });

  it('clock skew and late events weigh fully at once; a recording gap grows with its length', () => {
    const at = (type: RiskFlag['type'], ms: number) =>
      flagWeight(flag({ type, endMs: T + ms, severity: 'medium' }), T + ms);
    expect(at('clock_skew', 0)).toBeCloseTo(at('clock_skew', 60_000), 6);
    expect(at('recording_gap', 0)).toBeLessThan(at('recording_gap', 60_000));
    expect(nextRiskChangeMs([flag({ type: 'late_event', endMs: null })], T + 1000)).toBeNull();
  });

  it('explains an evidence flag with what it means', () => {
    const risk = riskScore(
      [
        flag({
          type: 'late_event',
          severity: 'low',
          confidence: 0.5,
          message: 'Events arrived late or out of order (1 event)',
        }),
      ],
      T + 120_000,
    );
    expect(risk.parts[0]?.explanation).toBe(
      `Events arrived late or out of order (1 event): +${risk.score} points (evidence check: ${EVIDENCE_RISK.late_event.why}; low severity, 50 % confidence).`,
    );
  });
});
