import { describe, expect, it } from 'vitest';
import type { FaceFinding, ObjectFinding } from '@invigil/detection';
import { effectiveRules } from '@invigil/detection/rules';
import { DetectorStates, observe, snapshotData, type PartialAnalysis } from './detection-state';

const rules = effectiveRules({
  detectors: { book: { enabled: true, minSeconds: 3, severity: 'medium' } },
});
const face = (score = 0.9, headTurned = false): FaceFinding => ({
  box: [0, 0, 100, 100],
  score,
  headPose: { yaw: headTurned ? 45 : 2, pitch: 0, roll: 0 },
  headTurned,
});
const object = (label: ObjectFinding['label'], score = 0.8): ObjectFinding => ({
  label,
  score,
  box: [0, 0, 10, 10],
});
const analysis = (patch: Partial<PartialAnalysis> = {}): PartialAnalysis => ({
  faces: [face()],
  objects: [],
  parts: { pose: true, embedding: false, objects: false },
  ...patch,
});
const byDetector = (a: PartialAnalysis) =>
  Object.fromEntries(observe(a, rules).map((o) => [o.detector, o]));

describe('observe', () => {
  it('sees no face, several faces and a turned head', () => {
    expect(byDetector(analysis({ faces: [] })).no_face).toMatchObject({ active: true, value: 0 });
    expect(byDetector(analysis({ faces: [face(), face(0.7)] })).multiple_faces).toMatchObject({
      active: true,
      confidence: 0.7,
      value: 2,
    });
    expect(byDetector(analysis({ faces: [face(0.9, true)] })).head_turned).toMatchObject({
      active: true,
      value: 45,
    });
  });

  it('allows as many faces as the multiple_faces rule says', () => {
    const two = effectiveRules({
      detectors: {
        multiple_faces: { enabled: true, minSeconds: 2, severity: 'high', threshold: 2 },
      },
    });
    const seen = (n: number) =>
      observe(analysis({ faces: Array.from({ length: n }, () => face()) }), two).find(
        (o) => o.detector === 'multiple_faces',
      )?.active;
    expect(seen(2)).toBe(false);
    expect(seen(3)).toBe(true);
  });

  it('says nothing about detectors whose model did not run on the frame', () => {
    const seen = byDetector(analysis());
    expect(seen.phone).toBeUndefined();
    expect(seen.extra_person).toBeUndefined();
    expect(seen.identity_mismatch).toBeUndefined();
    expect(
      byDetector(analysis({ parts: { pose: false, embedding: false, objects: false } }))
        .head_turned,
    ).toBeUndefined();
  });

  it('sees objects and a second person when the object pass ran', () => {
    const seen = byDetector(
      analysis({
        parts: { pose: true, embedding: false, objects: true },
        objects: [object('cell phone', 0.6), object('person', 0.9), object('person', 0.5)],
      }),
    );
    expect(seen.phone).toMatchObject({ active: true, confidence: 0.6 });
    expect(seen.book).toMatchObject({ active: false });
    expect(seen.extra_person).toMatchObject({ active: true, value: 2, confidence: 0.5 });
  });

  it('compares identity only with a face present', () => {
    const identity = { similarity: 0.3, match: false, status: 'mismatch' as const };
    expect(byDetector(analysis({ identity })).identity_mismatch).toMatchObject({
      active: true,
      value: 0.3,
      confidence: 0.7,
    });
    expect(byDetector(analysis({ faces: [], identity })).identity_mismatch).toBeUndefined();
  });

  it('never reports a face too poor to compare as a different person', () => {
    const quality = { score: 0.3, ok: false, failed: 'brightness' as const };
    const seen = byDetector(
      analysis({
        identity: { similarity: 0.2, match: false, status: 'insufficient_quality', quality },
      }),
    );
    expect(seen.identity_mismatch).toBeUndefined();
    expect(seen.poor_camera).toMatchObject({ active: true, value: 0.3, confidence: 0.7 });
    const good = { score: 0.9, ok: true, failed: null };
    expect(
      byDetector(
        analysis({
          identity: { similarity: 0.8, match: true, status: 'match', quality: good },
        }),
      ).poor_camera,
    ).toMatchObject({ active: false });
  });

  it('skips detectors the rules switch off', () => {
    const off = effectiveRules({
      detectors: { no_face: { enabled: false, minSeconds: 5, severity: 'low' } },
    });
    expect(observe(analysis({ faces: [] }), off).some((o) => o.detector === 'no_face')).toBe(false);
  });
});

describe('DetectorStates', () => {
  const noFace = (active: boolean) => ({
    detector: 'no_face' as const,
    active,
    confidence: 1,
    value: active ? 0 : 1,
  });

  it('needs three frames in a row to start, dated at the first of them', () => {
    const states = new DetectorStates(() => 'model-x');
    expect(states.push(0, noFace(true))).toBeNull();
    expect(states.push(200, noFace(true))).toBeNull();
    expect(states.push(400, noFace(true))).toEqual({
      atMs: 0,
      data: { detector: 'no_face', active: true, confidence: 1, value: 0, model: 'model-x' },
    });
    expect(states.isActive('no_face')).toBe(true);
    // A steady state says nothing more.
    expect(states.push(600, noFace(true))).toBeNull();
  });

  it('ignores a single-frame blip either way', () => {
    const states = new DetectorStates(() => 'm');
    const changes = [true, false, true, true, false, true, false, false].map((a, i) =>
      states.push(i * 100, noFace(a)),
    );
    expect(changes.every((c) => c === null)).toBe(true);
    expect(states.isActive('no_face')).toBe(false);
  });

  it('ends after three frames without the condition, dated at the first', () => {
    const states = new DetectorStates(() => 'm');
    for (const t of [0, 100, 200]) states.push(t, noFace(true));
    states.push(300, noFace(false));
    states.push(400, noFace(false));
    expect(states.push(500, noFace(false))).toMatchObject({ atMs: 300, data: { active: false } });
  });

  it('takes changes decided elsewhere and ends everything on stop', () => {
    const states = new DetectorStates(() => 'm');
    expect(
      states.set(50, { detector: 'voice', active: true, confidence: 0.5, value: -30 }),
    ).toMatchObject({
      atMs: 50,
      data: { detector: 'voice', active: true, value: -30 },
    });
    expect(states.set(60, { detector: 'voice', active: true, confidence: 0.5 })).toBeNull();
    expect(states.endAll(900)).toEqual([
      { atMs: 900, data: { detector: 'voice', active: false, confidence: 1, model: 'm' } },
    ]);
    expect(states.endAll(1000)).toEqual([]);
  });
});

describe('snapshotData', () => {
  it('summarises a snapshot as flat numbers and booleans', () => {
    expect(
      snapshotData(
        7,
        { faces: [face(0.9, true), face()], objects: [object('person'), object('book')] },
        'm',
      ),
    ).toEqual({
      snapshotSeq: 7,
      faces: 2,
      headTurned: true,
      phone: false,
      book: true,
      persons: 1,
      model: 'm',
    });
  });
});
