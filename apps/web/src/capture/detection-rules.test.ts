import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTOR_RULES } from '@invigil/contracts';
import { DEFAULT_THRESHOLDS } from '@invigil/detection';
import { effectiveRules } from '@invigil/detection/rules';
import {
  VIDEO_DETECTORS,
  thresholdsFor,
  videoPartsFor,
  voiceEnabled,
  voiceThreshold,
} from './detection-rules';

describe('effectiveRules, as the web app uses it', () => {
  it('is the defaults for an empty policy (full screen not required, so not judged)', () => {
    expect(effectiveRules({ detectors: {} })).toEqual({
      ...DEFAULT_DETECTOR_RULES,
      fullscreen_exit: { ...DEFAULT_DETECTOR_RULES.fullscreen_exit, enabled: false },
    });
  });

  it('applies the policy, then the accommodations', () => {
    const rules = effectiveRules(
      {
        detectors: {
          voice: { enabled: true, minSeconds: 20, severity: 'medium', threshold: 0.5 },
        },
      },
      { voice: { threshold: 0.7 }, head_turned: { enabled: false } },
    );
    expect(rules.voice).toEqual({
      enabled: true,
      minSeconds: 20,
      severity: 'medium',
      threshold: 0.7,
    });
    expect(rules.head_turned.enabled).toBe(false);
    expect(voiceThreshold(rules)).toBe(0.7);
  });

  it('reads a voice level in dBFS from an older exam as the default speech probability', () => {
    const rules = effectiveRules({
      detectors: { voice: { enabled: true, minSeconds: 10, severity: 'low', threshold: -45 } },
    });
    expect(voiceThreshold(rules)).toBe(0.5);
  });
});

describe('what runs', () => {
  const rules = effectiveRules({ detectors: {} });

  it('runs no video detector without a webcam, and no voice detector without a microphone', () => {
    expect(videoPartsFor(rules, false)).toBeNull();
    expect(voiceEnabled(rules, false)).toBe(false);
    expect(voiceEnabled(rules, true)).toBe(true);
  });

  it('loads only the parts of enabled detectors', () => {
    expect(videoPartsFor(rules, true)).toEqual({ pose: true, embedding: true, objects: true });
    const faceOnly = effectiveRules({
      detectors: {
        head_turned: { enabled: false, minSeconds: 5, severity: 'low' },
        identity_mismatch: { enabled: false, minSeconds: 5, severity: 'low' },
        phone: { enabled: false, minSeconds: 5, severity: 'low' },
        extra_person: { enabled: false, minSeconds: 5, severity: 'low' },
      },
    });
    expect(videoPartsFor(faceOnly, true)).toEqual({
      pose: false,
      embedding: false,
      objects: false,
    });
    const none = effectiveRules({
      detectors: Object.fromEntries(
        VIDEO_DETECTORS.map((n) => [n, { enabled: false, minSeconds: 1, severity: 'low' }]),
      ),
    });
    expect(videoPartsFor(none, true)).toBeNull();
  });

  it('takes decision thresholds from the rules', () => {
    const t = thresholdsFor(
      effectiveRules({
        detectors: {
          head_turned: { enabled: true, minSeconds: 5, severity: 'low', threshold: 40 },
        },
      }),
    );
    expect(t).toEqual({
      ...DEFAULT_THRESHOLDS,
      headYawDeg: 40,
      identityMatch: DEFAULT_DETECTOR_RULES.identity_mismatch.threshold,
      phoneMinScore: DEFAULT_DETECTOR_RULES.phone.threshold,
      bookMinScore: DEFAULT_DETECTOR_RULES.book.threshold,
      personMinScore: DEFAULT_DETECTOR_RULES.extra_person.threshold,
    });
  });
});
