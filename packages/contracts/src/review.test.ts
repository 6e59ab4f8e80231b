import { describe, expect, it } from 'vitest';
import { describeVerdictConflict, verdictConflict, VerdictBody } from './review.js';

describe('verdictConflict', () => {
  it('finds a clean verdict against confirmed flags', () => {
    expect(verdictConflict('clean', ['confirmed', 'dismissed'])).toBe('clean_with_confirmed_flags');
    expect(verdictConflict('clean', ['dismissed', 'dismissed'])).toBeNull();
    expect(verdictConflict('clean', [])).toBeNull();
  });

  it('finds a violation verdict without any confirmed flag', () => {
    expect(verdictConflict('violation', ['dismissed'])).toBe('violation_without_confirmed_flag');
    expect(verdictConflict('violation', [])).toBe('violation_without_confirmed_flag');
    expect(verdictConflict('violation', ['dismissed', 'confirmed'])).toBeNull();
  });

  it('never finds one for a suspicious verdict', () => {
    for (const decisions of [[], ['confirmed'], ['dismissed']] as const) {
      expect(verdictConflict('suspicious', decisions)).toBeNull();
    }
  });

  it('says what is wrong in words', () => {
    expect(describeVerdictConflict('clean_with_confirmed_flags', 1)).toBe(
      'A clean verdict goes against 1 confirmed flag',
    );
    expect(describeVerdictConflict('clean_with_confirmed_flags', 3)).toMatch(/3 confirmed flags$/);
    expect(describeVerdictConflict('violation_without_confirmed_flag', 0)).toMatch(
      /no flag is confirmed/,
    );
  });

  it('takes the explanation as trimmed, non-blank text', () => {
    const base = { verdict: 'clean', reason: 'ok' } as const;
    expect(VerdictBody.parse({ ...base, overrideComment: '  why  ' }).overrideComment).toBe('why');
    expect(VerdictBody.safeParse({ ...base, overrideComment: '   ' }).success).toBe(false);
    expect(VerdictBody.parse(base).overrideComment).toBeUndefined();
  });
});
