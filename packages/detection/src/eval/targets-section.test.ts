import { describe, expect, it } from 'vitest';
import type { IdentityReport } from './identity-eval.js';
import type { DecisionReport } from './run-eval.js';
import { targetsSection } from './targets-section.js';

const identity = (eer: number, abstention: number): IdentityReport => ({
  pairs: 10,
  genuine: 5,
  impostor: 5,
  decided: 10,
  abstention,
  abstainedBy: {},
  eer,
  eerThreshold: 0.5,
  atProductThreshold: { threshold: 0.5, far: 0, frr: 0 },
  ungated: { eer, far: 0, frr: 0 },
  noFaceProbes: 0,
  scored: [],
});

const decision = (faces: number, head: number, id?: IdentityReport): DecisionReport => ({
  frames: 100,
  faceCount: { accuracy: faces, confusion: {} },
  headTurned: { accuracy: head, n: 50 },
  phone: { accuracy: 0.9, precision: 1, recall: 0.5, positives: 20 },
  book: { accuracy: 1, precision: 1, recall: 1, positives: 2 },
  ...(id && { identity: id }),
  spoof: { oneFace: 0, flagged: 0, fpr: 0, threshold: 0.5, reals: [] },
  msPerFrame: { median: 10 },
});

describe('targetsSection', () => {
  const report = {
    normal: decision(0.98, 0.95, identity(0.04, 0.05)),
    dark: decision(0.96, 0.95, identity(0.08, 0.12)),
    noisy: decision(0.9, 0.94, identity(0.12, 0.1)),
    lowres: decision(0.97, 0.95),
    backlit: decision(0.98, 0.95),
  };
  const text = targetsSection(report);
  const row = (start: string) => text.split('\n').find((l) => l.startsWith(`| ${start}`)) ?? '';

  it('marks each target met or not from the figures', () => {
    expect(row('face count')).toMatch(/98 % on 100 frames\s*\| yes/);
    expect(row('phone recall')).toMatch(/recall 50 %, precision 100 %.*\*\*no\*\*/);
    expect(row('identity EER ≤ 5 %')).toMatch(/4 %.*\| yes/);
    // Noisy misses the 10 % target, so the dark-and-noisy row is not met.
    expect(row('identity EER ≤ 10 %')).toMatch(/dark 8 %, noisy 12 %.*\*\*no\*\*/);
    expect(row('identity abstention')).toMatch(/12 %.*\| yes/);
  });

  it('counts a drop of more than 5 points on a degraded condition against the target', () => {
    expect(row('degraded frames')).toMatch(/noisy −8.*\*\*no\*\*/);
  });
});
