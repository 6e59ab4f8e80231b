import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors';
import { newPasswordProblems, resetFailure, resetRequestedText } from './password-reset-model';

const apiError = (code: string, message = code, details?: unknown) =>
  new ApiError({ status: 400, code, message, details });

describe('forgot password texts', () => {
  it('says the same whether or not the account exists, with the link lifetime when known', () => {
    expect(resetRequestedText(30)).toMatch(/^If an account exists for that address/);
    expect(resetRequestedText(30)).toContain('works once, within 30 minutes');
    expect(resetRequestedText(undefined)).toContain('works once.');
  });
});

describe('newPasswordProblems', () => {
  it('accepts a long password typed twice', () => {
    expect(newPasswordProblems('a long enough passphrase', 'a long enough passphrase')).toEqual({});
  });

  it('names a short password and a repeat that differs', () => {
    expect(newPasswordProblems('short', 'shorter')).toEqual({
      password: 'Use at least 12 characters.',
      repeat: 'The two passwords do not match.',
    });
    expect(newPasswordProblems('a long enough passphrase', '')).toEqual({
      repeat: 'The two passwords do not match.',
    });
  });
});

describe('resetFailure', () => {
  it('offers a new link when the link cannot be used', () => {
    const failure = resetFailure(apiError('RESET_TOKEN_INVALID', 'server words'));
    expect(failure.linkUnusable).toBe(true);
    expect(failure.fields).toEqual({});
    expect(failure.message).toContain('Ask for a new link');
  });

  it('puts a weak-password reason beside the password field and keeps the link', () => {
    const failure = resetFailure(
      apiError('WEAK_PASSWORD', 'This password is too common', {
        problems: ['This password is too common'],
      }),
    );
    expect(failure).toEqual({
      fields: { password: 'This password is too common' },
      message: 'Choose another password: this one does not meet the rules.',
      linkUnusable: false,
    });
  });

  it('treats a malformed link as unusable and other validation as field errors', () => {
    const cut = resetFailure(
      apiError('VALIDATION_FAILED', 'body.token: Too small', [
        { path: 'body.token', message: 'Too small' },
      ]),
    );
    expect(cut.linkUnusable).toBe(true);
    const tooLong = resetFailure(
      apiError('VALIDATION_FAILED', 'body.password: Too big', [
        { path: 'body.password', message: 'Too big' },
      ]),
    );
    expect(tooLong).toMatchObject({ fields: { password: 'Too big' }, linkUnusable: false });
  });

  it('explains rate limits and network failures in plain words', () => {
    const limited = resetFailure(
      new ApiError({ status: 429, code: 'RATE_LIMITED', message: 'x', retryAfterSeconds: 30 }),
    );
    expect(limited.message).toBe('Password not changed: Too many attempts. Try again in 1 minute.');
    expect(limited.linkUnusable).toBe(false);
  });
});
