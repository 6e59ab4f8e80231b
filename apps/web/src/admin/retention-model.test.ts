import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '@invigil/contracts';
import { describeDays, examRetentionToForm, formToRules, rulesToForm } from './retention-model';

describe('retention form', () => {
  it('turns rules into strings, keeping null as empty', () => {
    expect(
      rulesToForm({ mediaDaysAfterVerdict: 30, identityDays: null, undecidedDays: 7 }),
    ).toEqual({ mediaDaysAfterVerdict: '30', identityDays: '', undecidedDays: '7' });
  });

  it('reads whole days back, empty meaning keep', () => {
    expect(
      formToRules({ mediaDaysAfterVerdict: ' 30 ', identityDays: '', undecidedDays: '730' }),
    ).toEqual({
      ok: true,
      rules: { mediaDaysAfterVerdict: 30, identityDays: null, undecidedDays: 730 },
    });
  });

  it('refuses zero, fractions, words and more than a century', () => {
    const result = formToRules({
      mediaDaysAfterVerdict: '0',
      identityDays: '1.5',
      undecidedDays: '36501',
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(Object.keys(result.errors).sort()).toEqual([
        'identityDays',
        'mediaDaysAfterVerdict',
        'undecidedDays',
      ]);
    expect(formToRules({ ...rulesToForm(DEFAULT_RETENTION), identityDays: 'ninety' }).ok).toBe(
      false,
    );
  });

  it('starts an exam from the defaults unless it has its own', () => {
    expect(examRetentionToForm(null, DEFAULT_RETENTION)).toEqual({
      custom: false,
      days: { mediaDaysAfterVerdict: '365', identityDays: '90', undecidedDays: '730' },
    });
    expect(
      examRetentionToForm({ ...DEFAULT_RETENTION, identityDays: 5 }, DEFAULT_RETENTION).custom,
    ).toBe(true);
  });

  it('describes a period in words', () => {
    expect(describeDays(1, 'days after the verdict')).toBe('1 day after the verdict');
    expect(describeDays(null, 'days after the verdict')).toBe('kept without limit');
  });
});
