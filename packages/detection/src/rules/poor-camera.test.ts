import { describe, expect, it } from 'vitest';
import type { DetectAnalysisData, DetectorName } from '@invigil/contracts';
import { deriveFlags } from './derive-flags.js';
import { effectiveRules } from './effective-rules.js';
import { observe } from './server-conditions.js';
import type { RuleEvent } from './types.js';

const T = 1_900_000_000_000;
const s = (sec: number) => T + sec * 1000;

const poor = { score: 0.31, ok: false, failed: 'brightness' as const };
const fine = { score: 0.9, ok: true, failed: null };

const data = (over: Partial<DetectAnalysisData> = {}): DetectAnalysisData => ({
  snapshotId: '00000000-0000-4000-8000-000000000001',
  snapshotSeq: 1,
  faces: 1,
  faceScore: 0.95,
  headTurned: false,
  headYaw: 2,
  objects: [],
  identity: null,
  model: 'server-1',
  width: 640,
  height: 480,
  ms: 400,
  ...over,
});

const analysis = (sec: number, seq: number, over: Partial<DetectAnalysisData>): RuleEvent => ({
  source: 'server',
  type: 'detect.analysis',
  atMs: s(sec),
  data: {
    ...data(over),
    snapshotId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    snapshotSeq: seq,
  },
});

const state = (
  sec: number,
  detector: DetectorName,
  active: boolean,
  value?: number,
): RuleEvent => ({
  source: 'client',
  type: 'detect.state',
  atMs: s(sec),
  data: {
    detector,
    active,
    confidence: 0.7,
    model: 'web-1',
    ...(value !== undefined && { value }),
  },
});

describe('identity that abstains (server analyses)', () => {
  it('never reads insufficient quality as a different person', () => {
    const seen = observe(
      data({
        identity: {
          similarity: 0.1,
          match: false,
          status: 'insufficient_quality',
          quality: poor,
        },
      }),
      effectiveRules(),
    );
    expect(seen.identity_mismatch).toBeUndefined();
    expect(seen.poor_camera).toEqual({ confidence: 0.69, detail: 'too dark' });
  });

  it('still flags a decided mismatch, and an analysis from before the gate as before', () => {
    const rules = effectiveRules();
    const decided = observe(
      data({ identity: { similarity: 0.3, match: false, status: 'mismatch', quality: fine } }),
      rules,
    );
    expect(decided.identity_mismatch).toBeDefined();
    expect(decided.poor_camera).toBeUndefined();
    const legacy = observe(data({ identity: { similarity: 0.3, match: false } }), rules);
    expect(legacy.identity_mismatch).toBeDefined();
  });

  it('raises a low-severity poor_camera flag after a sustained stretch, never identity_mismatch', () => {
    const identity = {
      similarity: 0.2,
      match: false,
      status: 'insufficient_quality' as const,
      quality: poor,
    };
    const events = [0, 20, 40, 60, 70].map((sec, i) => analysis(sec, i, { identity }));
    const flags = deriveFlags(events, effectiveRules(), s(100));
    expect(flags.map((f) => f.type)).toEqual(['poor_camera']);
    expect(flags[0]).toMatchObject({ severity: 'low' });
    expect(flags[0]?.message).toContain('Poor camera conditions');
    // Shorter than the default minute: nothing.
    expect(deriveFlags(events.slice(0, 3), effectiveRules(), s(100))).toEqual([]);
  });

  it('follows the exam’s rule: off, or a shorter stretch', () => {
    const identity = {
      similarity: 0.2,
      match: false,
      status: 'insufficient_quality' as const,
      quality: poor,
    };
    const events = [0, 20].map((sec, i) => analysis(sec, i, { identity }));
    const short = effectiveRules({
      detectors: { poor_camera: { enabled: true, minSeconds: 15, severity: 'low' } },
    });
    expect(deriveFlags(events, short, s(100)).map((f) => f.type)).toEqual(['poor_camera']);
    const off = effectiveRules({
      detectors: { poor_camera: { enabled: false, minSeconds: 15, severity: 'low' } },
    });
    expect(deriveFlags(events, off, s(100))).toEqual([]);
  });
});

describe('poor camera conditions reported by the browser', () => {
  it('becomes a flag after the rule’s duration, with the face quality as detail', () => {
    const flags = deriveFlags(
      [state(10, 'poor_camera', true, 0.3), state(80, 'poor_camera', false)],
      effectiveRules(),
      s(100),
    );
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ type: 'poor_camera', severity: 'low' });
    expect(flags[0]?.message).toContain('face quality 0.30');
    expect(
      deriveFlags(
        [state(10, 'poor_camera', true), state(50, 'poor_camera', false)],
        effectiveRules(),
        s(100),
      ),
    ).toEqual([]);
  });
});
