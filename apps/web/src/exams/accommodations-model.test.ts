import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type DetectorAccommodations, type DetectorName } from '@invigil/contracts';
import { effectiveRules } from '@invigil/detection/rules';
import {
  accommodationsToForm,
  formToAccommodations,
  listedDetectors,
  summarizeAccommodations,
  type AccommodationRow,
} from './accommodations-model';

// Fixed exam rules, so that the expected messages do not follow changes of the defaults.
const rules = effectiveRules({
  ...DEFAULT_POLICY,
  detectors: {
    head_turned: { enabled: true, minSeconds: 5, severity: 'low', threshold: 30 },
    identity_mismatch: { enabled: true, minSeconds: 10, severity: 'high', threshold: 0.5 },
    phone: { enabled: true, minSeconds: 1, severity: 'high', threshold: 0.3 },
    voice: { enabled: true, minSeconds: 10, severity: 'low', threshold: 0.5 },
    tab_switch: { enabled: true, minSeconds: 2, severity: 'medium' },
    book: { enabled: false, minSeconds: 3, severity: 'medium', threshold: 0.3 },
  },
});

/** The editor with nothing changed, then one row changed. */
function edit(name: DetectorName, patch: Partial<AccommodationRow>) {
  const form = accommodationsToForm({}, rules);
  return { ...form, [name]: { ...form[name], ...patch } };
}

describe('accommodations: stored to form', () => {
  it.each([
    ['nothing', {}, 'head_turned', { mode: 'exam', minSeconds: '5', threshold: '30' }],
    ['off', { head_turned: { enabled: false } }, 'head_turned', { mode: 'off' }],
    [
      'relaxed duration',
      { voice: { minSeconds: 30 } },
      'voice',
      { mode: 'relaxed', minSeconds: '30', threshold: '50' },
    ],
    [
      'relaxed score as a percentage',
      { phone: { threshold: 0.6 } },
      'phone',
      { mode: 'relaxed', minSeconds: '1', threshold: '60' },
    ],
    ['enabled: true changes nothing', { phone: { enabled: true } }, 'phone', { mode: 'exam' }],
    ['no threshold', {}, 'tab_switch', { mode: 'exam', threshold: '' }],
  ] as const)('%s', (_, stored, name, expected) => {
    expect(accommodationsToForm(stored, rules)[name]).toMatchObject(expected);
  });
});

describe('accommodations: form to stored', () => {
  it('saves nothing when every row is as the exam', () => {
    expect(formToAccommodations(accommodationsToForm({}, rules), rules)).toEqual({
      ok: true,
      detectors: {},
    });
  });

  it.each([
    ['off', 'head_turned', { mode: 'off' }, { enabled: false }],
    ['a longer duration', 'voice', { mode: 'relaxed', minSeconds: '30' }, { minSeconds: 30 }],
    ['a wider angle', 'head_turned', { mode: 'relaxed', threshold: '60' }, { threshold: 60 }],
    ['surer speech', 'voice', { mode: 'relaxed', threshold: '70' }, { threshold: 0.7 }],
    [
      'a lower similarity',
      'identity_mismatch',
      { mode: 'relaxed', threshold: '35' },
      { threshold: 0.35 },
    ],
    [
      'both',
      'phone',
      { mode: 'relaxed', minSeconds: '5', threshold: '70' },
      { minSeconds: 5, threshold: 0.7 },
    ],
  ] as const)('saves %s', (_, name, patch, expected) => {
    expect(formToAccommodations(edit(name, patch), rules)).toEqual({
      ok: true,
      detectors: { [name]: expected },
    });
  });

  it.each([
    [
      'a shorter duration than the exam',
      'voice',
      { mode: 'relaxed', minSeconds: '5' },
      'voice.minSeconds',
      'Enter seconds from 10 s (the exam’s rule) to 600 s.',
    ],
    [
      'an empty duration',
      'voice',
      { mode: 'relaxed', minSeconds: '' },
      'voice.minSeconds',
      'Enter seconds from 10 s (the exam’s rule) to 600 s.',
    ],
    [
      'a stricter angle',
      'head_turned',
      { mode: 'relaxed', threshold: '20' },
      'head_turned.threshold',
      'Enter an angle from 30° (the exam’s rule) to 90°.',
    ],
    [
      'a stricter similarity',
      'identity_mismatch',
      { mode: 'relaxed', threshold: '80' },
      'identity_mismatch.threshold',
      'Enter a similarity from 1 % to 50 % (the exam’s rule).',
    ],
    [
      'less certain speech',
      'voice',
      { mode: 'relaxed', threshold: '30' },
      'voice.threshold',
      'Enter a likelihood from 50 % (the exam’s rule) to 95 %.',
    ],
    [
      'relaxed without a change',
      'phone',
      { mode: 'relaxed' },
      'phone',
      'Set a longer duration or a more lenient threshold, or choose “As the exam”.',
    ],
    [
      'relaxed without a change (no threshold)',
      'tab_switch',
      { mode: 'relaxed' },
      'tab_switch',
      'Set a longer duration, or choose “As the exam”.',
    ],
  ] as const)('refuses %s', (_, name, patch, key, message) => {
    expect(formToAccommodations(edit(name, patch), rules)).toEqual({
      ok: false,
      errors: { [key]: message },
    });
  });

  it('measures relaxing against the exam’s own rule', () => {
    const strict = effectiveRules({
      ...DEFAULT_POLICY,
      detectors: { voice: { enabled: true, minSeconds: 20, severity: 'low', threshold: 0.4 } },
    });
    const form = accommodationsToForm({}, strict);
    form.voice = { mode: 'relaxed', minSeconds: '15', threshold: '45' };
    expect(formToAccommodations(form, strict)).toEqual({
      ok: false,
      errors: { 'voice.minSeconds': 'Enter seconds from 20 s (the exam’s rule) to 600 s.' },
    });
  });

  it('reads an exam’s voice level in dBFS (older exams) as the default likelihood', () => {
    const legacy = effectiveRules({
      ...DEFAULT_POLICY,
      detectors: { voice: { enabled: true, minSeconds: 10, severity: 'low', threshold: -45 } },
    });
    const form = accommodationsToForm({}, legacy);
    expect(form.voice).toMatchObject({ threshold: '50' });
    form.voice = { mode: 'relaxed', minSeconds: '10', threshold: '60' };
    expect(formToAccommodations(form, legacy)).toEqual({
      ok: true,
      detectors: { voice: { threshold: 0.6 } },
    });
  });

  it('round-trips stored accommodations', () => {
    const stored: DetectorAccommodations = {
      head_turned: { enabled: false },
      voice: { minSeconds: 30, threshold: 0.7 },
      phone: { threshold: 0.55 },
    };
    expect(formToAccommodations(accommodationsToForm(stored, rules), rules)).toEqual({
      ok: true,
      detectors: stored,
    });
  });
});

describe('accommodations: listing and summary', () => {
  it('lists the detectors the exam uses and any already accommodated', () => {
    expect(listedDetectors(rules, {})).not.toContain('book');
    expect(listedDetectors(rules, { book: { enabled: false } })).toContain('book');
    expect(listedDetectors(rules, {})).toContain('head_turned');
  });

  it.each([
    [undefined, 'Standard rules', []],
    [{}, 'Standard rules', []],
    [{ phone: { enabled: true } }, 'Standard rules', []],
    [{ head_turned: { enabled: false } }, '1 detector relaxed', ['Head turned away: off']],
    [
      { voice: { minSeconds: 30, threshold: 0.7 }, identity_mismatch: { threshold: 0.35 } },
      '2 detectors relaxed',
      ['Different person: at 35 %', 'Speaking: after 30 s, at 70 %'],
    ],
  ] as const)('summarises %j', (stored, label, items) => {
    expect(summarizeAccommodations(stored)).toMatchObject({ label, items });
  });
});
