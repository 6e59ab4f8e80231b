import { describe, expect, it } from 'vitest';
import {
  BROWSER_DETECTORS,
  DEFAULT_POLICY,
  DEFAULT_STUDENT_POLICY,
  EVIDENCE_FLAG_TYPES,
  ProctoringPolicy,
  StudentPolicy,
} from '@invigil/contracts';
import { effectiveRules } from './effective-rules.js';
import { studentAccommodations, studentPolicy } from './student-policy.js';

describe('studentPolicy', () => {
  const policy = ProctoringPolicy.parse({
    serverAnalysisSeconds: 30,
    maxFaces: 2,
    screen: false,
    detectors: {
      spoof: { enabled: true, minSeconds: 4, severity: 'high', threshold: 0.4 },
      head_turned: { enabled: true, minSeconds: 8, severity: 'low', threshold: 22 },
      book: { enabled: true, minSeconds: 3, severity: 'medium', threshold: 0.35 },
    },
  });

  it('keeps the capture settings and only the browser detectors, without durations or severities', () => {
    const view = studentPolicy(policy);
    expect(StudentPolicy.strict().parse(view)).toEqual(view);
    expect(view).not.toHaveProperty('serverAnalysisSeconds');
    expect(view).not.toHaveProperty('maxFaces');
    expect(view.screen).toBe(false);
    expect(Object.keys(view.detectors).sort()).toEqual([...BROWSER_DETECTORS].sort());
    for (const name of ['spoof', 'client_integrity', 'tab_switch', ...EVIDENCE_FLAG_TYPES]) {
      expect(view.detectors).not.toHaveProperty(name);
    }
    expect(view.detectors.head_turned).toEqual({ enabled: true, threshold: 22 });
    expect(view.detectors.book).toEqual({ enabled: true, threshold: 0.35 });
    expect(view.detectors.multiple_faces).toEqual({ enabled: true, threshold: 2 });
  });

  it('applies the accommodations, so the browser runs what the server judges', () => {
    const accommodations = { voice: { enabled: false }, head_turned: { threshold: 40 } };
    const view = studentPolicy(policy, accommodations);
    const rules = effectiveRules(policy, accommodations);
    for (const name of BROWSER_DETECTORS) {
      expect(view.detectors[name].enabled).toBe(rules[name].enabled);
      expect(view.detectors[name].threshold).toBe(rules[name].threshold);
    }
    expect(view.detectors.voice.enabled).toBe(false);
    expect(view.detectors.head_turned.threshold).toBe(40);
  });

  it('of the default policy is the student default', () => {
    expect(studentPolicy(DEFAULT_POLICY)).toEqual(DEFAULT_STUDENT_POLICY);
  });
});

describe('studentAccommodations', () => {
  it('keeps the browser detectors’ on/off and thresholds only', () => {
    expect(
      studentAccommodations({
        head_turned: { minSeconds: 20, threshold: 30 },
        no_face: { minSeconds: 15 },
        voice: { enabled: false },
        spoof: { threshold: 0.1 },
        clock_skew: { enabled: false },
      }),
    ).toEqual({ head_turned: { threshold: 30 }, voice: { enabled: false } });
  });
});
