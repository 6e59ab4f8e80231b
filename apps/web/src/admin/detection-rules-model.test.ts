import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DETECTOR_RULES as D,
  DEFAULT_POLICY,
  type DetectorName,
  type ProctoringPolicy,
} from '@invigil/contracts';
import {
  defaultRuleForm,
  detectionFormToPolicy,
  isDefaultRule,
  policyToDetectionForm,
  resetAllRules,
  type DetectionForm,
  type DetectorRuleForm,
} from './detection-rules-model';

/** A default score as the form shows it (a percentage); the defaults are calibrated elsewhere. */
const pct = (score: number | undefined) => String(Math.round((score ?? 0) * 10_000) / 100);

const policy = (patch: Partial<ProctoringPolicy> = {}): ProctoringPolicy => ({
  ...DEFAULT_POLICY,
  ...patch,
});

/** The default form with one detector row changed. */
function withRule(name: DetectorName, patch: Partial<DetectorRuleForm>): DetectionForm {
  const form = policyToDetectionForm(DEFAULT_POLICY);
  return { ...form, rules: { ...form.rules, [name]: { ...form.rules[name], ...patch } } };
}

describe('detection rules: policy to form', () => {
  it.each([
    [
      'defaults',
      policy(),
      'phone',
      { enabled: true, minSeconds: '1', severity: 'high', threshold: pct(D.phone.threshold) },
    ],
    [
      'no threshold',
      policy(),
      'tab_switch',
      { enabled: true, minSeconds: '2', severity: 'medium', threshold: '' },
    ],
    [
      'similarity as a percentage',
      policy({
        detectors: {
          identity_mismatch: { enabled: true, minSeconds: 10, severity: 'high', threshold: 0.5 },
        },
      }),
      'identity_mismatch',
      { threshold: '50' },
    ],
    ['a speech likelihood as a percentage', policy(), 'voice', { threshold: '50' }],
    [
      'a level in dBFS from an older exam as the default likelihood',
      policy({
        detectors: { voice: { enabled: true, minSeconds: 10, severity: 'low', threshold: -45 } },
      }),
      'voice',
      { threshold: '50' },
    ],
    ['book is off by default', policy(), 'book', { enabled: false }],
    [
      'a stored rule',
      policy({
        detectors: {
          voice: { enabled: false, minSeconds: 30, severity: 'medium', threshold: 0.7 },
        },
      }),
      'voice',
      { enabled: false, minSeconds: '30', severity: 'medium', threshold: '70' },
    ],
    [
      'a stored rule without threshold takes the default one',
      policy({ detectors: { phone: { enabled: true, minSeconds: 4, severity: 'low' } } }),
      'phone',
      { minSeconds: '4', threshold: pct(D.phone.threshold) },
    ],
    ['older looking-away time', policy({ gazeAwaySeconds: 8 }), 'head_turned', { minSeconds: '8' }],
    [
      'older tab switch setting',
      policy({ flagTabSwitch: false }),
      'tab_switch',
      { enabled: false },
    ],
    [
      'a stored rule wins over the older field',
      policy({
        gazeAwaySeconds: 8,
        detectors: { head_turned: { enabled: true, minSeconds: 3, severity: 'low' } },
      }),
      'head_turned',
      { minSeconds: '3' },
    ],
  ] as const)('%s', (_, p, name, expected) => {
    expect(policyToDetectionForm(p).rules[name]).toMatchObject(expected);
  });

  it('carries faces allowed and the re-check interval', () => {
    const form = policyToDetectionForm(policy({ maxFaces: 2, serverAnalysisSeconds: 0 }));
    expect(form.maxFaces).toBe('2');
    expect(form.serverAnalysisSeconds).toBe('0');
  });
});

describe('detection rules: form to policy', () => {
  it('writes nothing for default rules, so the exam keeps following the defaults', () => {
    const result = detectionFormToPolicy(policyToDetectionForm(DEFAULT_POLICY));
    expect(result).toEqual({
      ok: true,
      policy: {
        detectors: {},
        maxFaces: 1,
        serverAnalysisSeconds: 60,
        gazeAwaySeconds: 5,
        flagTabSwitch: true,
      },
    });
  });

  it.each([
    ['switching off', 'phone', { enabled: false }, { ...D.phone, enabled: false }],
    ['a longer duration', 'no_face', { minSeconds: '7.5' }, { ...D.no_face, minSeconds: 7.5 }],
    ['a severity', 'voice', { severity: 'high' }, { ...D.voice, severity: 'high' }],
    [
      'a percentage back to a score',
      'extra_person',
      { threshold: '55' },
      { ...D.extra_person, threshold: 0.55 },
    ],
    [
      'a likelihood back to a probability',
      'voice',
      { threshold: '65' },
      { ...D.voice, threshold: 0.65 },
    ],
    ['switching book on', 'book', { enabled: true }, { ...D.book, enabled: true }],
  ] as const)('writes %s', (_, name, patch, rule) => {
    const result = detectionFormToPolicy(withRule(name, patch));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.detectors).toEqual({ [name]: rule });
  });

  it.each([
    ['head_turned', { minSeconds: '0' }, 1, true],
    ['head_turned', { minSeconds: '300' }, 120, true],
    ['head_turned', { minSeconds: '9' }, 9, true],
    ['tab_switch', { enabled: false }, 5, false],
  ] as const)('keeps the older fields in step (%s %o)', (name, patch, gaze, tabs) => {
    const result = detectionFormToPolicy(withRule(name, patch));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.gazeAwaySeconds).toBe(gaze);
    expect(result.policy.flagTabSwitch).toBe(tabs);
  });

  it.each([
    [
      'no_face',
      { minSeconds: '' },
      'policy.detectors.no_face.minSeconds',
      'Enter a number of seconds from 0 to 600.',
    ],
    [
      'no_face',
      { minSeconds: '-1' },
      'policy.detectors.no_face.minSeconds',
      'Enter a number of seconds from 0 to 600.',
    ],
    [
      'no_face',
      { minSeconds: '601' },
      'policy.detectors.no_face.minSeconds',
      'Enter a number of seconds from 0 to 600.',
    ],
    [
      'no_face',
      { minSeconds: 'abc' },
      'policy.detectors.no_face.minSeconds',
      'Enter a number of seconds from 0 to 600.',
    ],
    [
      'head_turned',
      { threshold: '95' },
      'policy.detectors.head_turned.threshold',
      'Enter an angle from 5° to 90°.',
    ],
    [
      'phone',
      { threshold: '0.3' },
      'policy.detectors.phone.threshold',
      'Enter a percentage from 5 % to 100 %.',
    ],
    [
      'identity_mismatch',
      { threshold: '100' },
      'policy.detectors.identity_mismatch.threshold',
      'Enter a similarity from 1 % to 99 %.',
    ],
    [
      'voice',
      { threshold: '-45' },
      'policy.detectors.voice.threshold',
      'Enter a likelihood from 10 % to 95 %.',
    ],
  ] as const)('refuses %s %o', (name, patch, key, message) => {
    const result = detectionFormToPolicy(withRule(name, patch));
    expect(result).toEqual({ ok: false, errors: { [key]: message } });
  });

  it.each([
    ['maxFaces', '0', 'policy.maxFaces', 'Enter a whole number from 1 to 10.'],
    ['maxFaces', '1.5', 'policy.maxFaces', 'Enter a whole number from 1 to 10.'],
    [
      'serverAnalysisSeconds',
      '-5',
      'policy.serverAnalysisSeconds',
      'Enter whole seconds from 0 to 3600.',
    ],
    [
      'serverAnalysisSeconds',
      '3601',
      'policy.serverAnalysisSeconds',
      'Enter whole seconds from 0 to 3600.',
    ],
    [
      'serverAnalysisSeconds',
      '',
      'policy.serverAnalysisSeconds',
      'Enter whole seconds from 0 to 3600.',
    ],
  ] as const)('refuses %s = %j', (field, value, key, message) => {
    const form = { ...policyToDetectionForm(DEFAULT_POLICY), [field]: value };
    expect(detectionFormToPolicy(form)).toEqual({ ok: false, errors: { [key]: message } });
  });

  it('does not check a detector that is off, and falls back to its defaults', () => {
    const result = detectionFormToPolicy(
      withRule('phone', { enabled: false, minSeconds: '', threshold: '999' }),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy.detectors.phone).toEqual({ ...D.phone, enabled: false });
  });

  it('round-trips a stored policy unchanged', () => {
    const stored = policy({
      maxFaces: 2,
      serverAnalysisSeconds: 120,
      gazeAwaySeconds: 12,
      detectors: {
        head_turned: { enabled: true, minSeconds: 12, severity: 'medium', threshold: 40 },
        identity_mismatch: { enabled: true, minSeconds: 10, severity: 'high', threshold: 0.45 },
        voice: { enabled: false, minSeconds: 10, severity: 'low', threshold: 0.6 },
      },
    });
    const result = detectionFormToPolicy(policyToDetectionForm(stored));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.policy).toEqual({
      detectors: stored.detectors,
      maxFaces: 2,
      serverAnalysisSeconds: 120,
      gazeAwaySeconds: 12,
      flagTabSwitch: true,
    });
  });
});

describe('detection rules: defaults', () => {
  it.each([
    ['phone', {}, true],
    ['phone', { severity: 'low' }, false],
    ['phone', { threshold: `${pct(D.phone.threshold)}.0` }, true],
    ['phone', { minSeconds: '' }, false],
    ['book', { enabled: true }, false],
  ] as const)('%s %o is default: %s', (name, patch, expected) => {
    expect(isDefaultRule(name, { ...defaultRuleForm(name), ...patch })).toBe(expected);
  });

  it('resets every rule but keeps the other settings', () => {
    const changed = { ...withRule('voice', { enabled: false }), maxFaces: '3' };
    const reset = resetAllRules(changed);
    expect(reset.rules.voice).toEqual(defaultRuleForm('voice'));
    expect(reset.maxFaces).toBe('3');
  });
});
