import { describe, expect, it } from 'vitest';
import {
  ApiError,
  describeError,
  fieldErrors,
  lockMinutes,
  parseApiError,
  parseRetryAfter,
} from './errors';

describe('parseApiError', () => {
  it('reads the API error body', () => {
    const error = parseApiError(
      409,
      JSON.stringify({ code: 'EXAM_FULL', message: 'Exam is full', correlationId: 'abc' }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.code).toBe('EXAM_FULL');
    expect(error.message).toBe('Exam is full');
    expect(error.correlationId).toBe('abc');
  });

  it('falls back for non-JSON bodies', () => {
    expect(parseApiError(502, '<html>Bad gateway</html>').code).toBe('INTERNAL');
    const notFound = parseApiError(404, '');
    expect(notFound.code).toBe('HTTP_ERROR');
    expect(notFound.message).toContain('404');
  });

  it('keeps validation details as field errors', () => {
    const error = parseApiError(
      400,
      JSON.stringify({
        code: 'VALIDATION_FAILED',
        message: 'Invalid body',
        details: [
          { path: 'title', message: 'Required' },
          { path: '/policy/maxFaces', message: 'Too big' },
          { path: 'title', message: 'second message is ignored' },
          { nonsense: true },
        ],
      }),
    );
    expect(fieldErrors(error)).toEqual({ title: 'Required', 'policy.maxFaces': 'Too big' });
  });

  it('gives no field errors for other errors', () => {
    expect(fieldErrors(new Error('x'))).toEqual({});
    expect(fieldErrors(parseApiError(400, '{"code":"X","message":"m","details":{"a":1}}'))).toEqual(
      {},
    );
  });
});

describe('lock and retry times', () => {
  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(null)).toBeUndefined();
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:05:00 GMT', now)).toBe(300);
  });

  it('reads minutes from details or the header', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const fromUntil = new ApiError({
      status: 423,
      code: 'ACCOUNT_LOCKED',
      message: 'Locked',
      details: { lockedUntil: '2025-01-01T00:14:10Z' },
    });
    expect(lockMinutes(fromUntil, now)).toBe(15);
    const fromSeconds = new ApiError({
      status: 423,
      code: 'ACCOUNT_LOCKED',
      message: 'Locked',
      details: { retryAfterSeconds: 30 },
    });
    expect(lockMinutes(fromSeconds, now)).toBe(1);
    const fromHeader = new ApiError({
      status: 423,
      code: 'ACCOUNT_LOCKED',
      message: 'Locked',
      retryAfterSeconds: 600,
    });
    expect(lockMinutes(fromHeader, now)).toBe(10);
    expect(describeError(fromHeader)).toContain('Try again in 10 minutes');
  });

  it('says how long a throttled sign-in must wait', () => {
    const seconds = (retryAfterSeconds: number) =>
      new ApiError({
        status: 429,
        code: 'SIGN_IN_THROTTLED',
        message: 'Too many failed sign-ins',
        details: { retryAfterSeconds },
      });
    expect(describeError(seconds(8))).toBe(
      'Too many failed sign-ins from here. Try again in 8 seconds.',
    );
    expect(describeError(seconds(600))).toContain('Try again in 10 minutes');
    const unknown = new ApiError({ status: 429, code: 'SIGN_IN_THROTTLED', message: 'x' });
    expect(describeError(unknown)).toContain('Wait a moment');
  });

  it('describes a lock without a known end', () => {
    const error = new ApiError({ status: 423, code: 'ACCOUNT_LOCKED', message: 'Locked' });
    expect(describeError(error)).toContain('Try again later');
  });
});

describe('describeError', () => {
  it('uses friendly text for known codes and the server message otherwise', () => {
    expect(describeError(parseApiError(409, '{"code":"EXAM_FULL","message":"full"}'))).toBe(
      'This exam is full.',
    );
    expect(
      describeError(parseApiError(400, '{"code":"WEAK_PASSWORD","message":"Too common"}')),
    ).toBe('Too common');
    expect(describeError('weird')).toBe('Something went wrong.');
  });
});
