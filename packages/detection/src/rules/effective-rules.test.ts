import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_RULES, DEFAULT_POLICY } from '@invigil/contracts';
import { effectiveRules, stricterAccommodations, type RulesPolicy } from './effective-rules.js';
import type { DetectorAccommodations } from '@invigil/contracts';

describe('effectiveRules', () => {
  const cases: {
    name: string;
    policy: RulesPolicy;
    accommodations?: DetectorAccommodations;
    expect: (r: ReturnType<typeof effectiveRules>) => void;
  }[] = [
    {
      name: 'an empty policy gives the defaults (full screen is not required, so not judged)',
      policy: {},
      expect: (r) =>
        expect(r).toEqual({
          ...DEFAULT_DETECTOR_RULES,
          fullscreen_exit: { ...DEFAULT_DETECTOR_RULES.fullscreen_exit, enabled: false },
        }),
    },
    {
      name: 'fullscreen_exit is judged only when the exam requires full screen',
      policy: {
        detectors: { fullscreen_exit: { enabled: true, minSeconds: 0, severity: 'high' } },
      },
      expect: (r) => expect(r.fullscreen_exit.enabled).toBe(false),
    },
    {
      name: 'requireFullscreen turns fullscreen_exit on with its rule',
      policy: {
        requireFullscreen: true,
        detectors: { fullscreen_exit: { enabled: true, minSeconds: 5, severity: 'high' } },
      },
      expect: (r) =>
        expect(r.fullscreen_exit).toEqual({ enabled: true, minSeconds: 5, severity: 'high' }),
    },
    {
      name: 'requireFullscreen with the rule switched off judges nothing',
      policy: {
        requireFullscreen: true,
        detectors: { fullscreen_exit: { enabled: false, minSeconds: 2, severity: 'medium' } },
      },
      expect: (r) => expect(r.fullscreen_exit.enabled).toBe(false),
    },
    {
      name: 'the default policy maps its legacy fields onto the same defaults',
      policy: DEFAULT_POLICY,
      expect: (r) => {
        expect(r.head_turned.minSeconds).toBe(DEFAULT_POLICY.gazeAwaySeconds);
        expect(r.tab_switch.enabled).toBe(true);
        expect(r.multiple_faces.threshold).toBe(1);
      },
    },
    {
      name: 'legacy fields: gazeAwaySeconds, flagTabSwitch, maxFaces',
      policy: { gazeAwaySeconds: 12, flagTabSwitch: false, maxFaces: 2 },
      expect: (r) => {
        expect(r.head_turned.minSeconds).toBe(12);
        expect(r.tab_switch.enabled).toBe(false);
        expect(r.multiple_faces.threshold).toBe(2);
      },
    },
    {
      name: 'policy.detectors override legacy fields and keep unnamed fields',
      policy: {
        gazeAwaySeconds: 12,
        detectors: { head_turned: { enabled: true, minSeconds: 3, severity: 'high' } },
      },
      expect: (r) => {
        expect(r.head_turned).toEqual({
          enabled: true,
          minSeconds: 3,
          severity: 'high',
          threshold: DEFAULT_DETECTOR_RULES.head_turned.threshold,
        });
      },
    },
    {
      name: 'accommodations override the policy field by field',
      policy: { detectors: { no_face: { enabled: true, minSeconds: 5, severity: 'high' } } },
      accommodations: { no_face: { enabled: false }, head_turned: { threshold: 60 } },
      expect: (r) => {
        expect(r.no_face).toEqual({ enabled: false, minSeconds: 5, severity: 'high' });
        expect(r.head_turned.threshold).toBe(60);
        expect(r.head_turned.minSeconds).toBe(5);
      },
    },
  ];

  it.each(cases)('$name', ({ policy, accommodations, expect: check }) => {
    check(effectiveRules(policy, accommodations));
  });

  it('never mutates the defaults', () => {
    effectiveRules({ detectors: { phone: { enabled: false, minSeconds: 1, severity: 'low' } } });
    expect(DEFAULT_DETECTOR_RULES.phone.enabled).toBe(true);
  });
});

describe('stricterAccommodations', () => {
  const cases: {
    name: string;
    policy?: RulesPolicy;
    accommodations: DetectorAccommodations;
    expected: string[];
  }[] = [
    { name: 'nothing asked', accommodations: {}, expected: [] },
    { name: 'switching off relaxes', accommodations: { phone: { enabled: false } }, expected: [] },
    {
      name: 'switching on a detector the exam has off is stricter',
      accommodations: { book: { enabled: true } },
      expected: ['book'],
    },
    {
      name: 'a longer duration relaxes, a shorter one is stricter',
      accommodations: { no_face: { minSeconds: 30 }, head_turned: { minSeconds: 1 } },
      expected: ['head_turned'],
    },
    {
      name: 'a wider head turn relaxes, a narrower one is stricter',
      accommodations: { head_turned: { threshold: 40 }, phone: { threshold: 0.1 } },
      expected: ['phone'],
    },
    {
      name: 'identity is lenient downwards',
      accommodations: { identity_mismatch: { threshold: 0.7 } },
      expected: ['identity_mismatch'],
    },
    {
      name: 'a lower identity threshold relaxes',
      accommodations: { identity_mismatch: { threshold: 0.4 } },
      expected: [],
    },
    {
      name: 'spoof is lenient downwards: a higher real-face threshold is stricter',
      accommodations: { spoof: { threshold: 0.6 } },
      expected: ['spoof'],
    },
    {
      name: 'a lower spoof threshold relaxes',
      accommodations: { spoof: { threshold: 0.2 } },
      expected: [],
    },
    {
      name: 'judged against the exam policy, not the defaults',
      policy: {
        detectors: { voice: { enabled: true, minSeconds: 20, severity: 'low', threshold: -30 } },
      },
      accommodations: { voice: { threshold: -40 } },
      expected: ['voice'],
    },
    {
      name: 'more faces allowed relaxes',
      policy: { maxFaces: 2 },
      accommodations: { multiple_faces: { threshold: 3 } },
      expected: [],
    },
    {
      name: 'fewer faces than one is stricter',
      accommodations: { multiple_faces: { threshold: 0 } },
      expected: ['multiple_faces'],
    },
    {
      name: 'a threshold on a detector without one is refused',
      accommodations: { tab_switch: { threshold: 5 } },
      expected: ['tab_switch'],
    },
  ];
  it.each(cases)('$name', ({ policy, accommodations, expected }) => {
    expect(stricterAccommodations(policy, accommodations)).toEqual(expected);
  });
});
