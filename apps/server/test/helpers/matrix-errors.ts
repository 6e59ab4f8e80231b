import { expect } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '@invigil/contracts';
import type { TestResponse } from './http-client.js';

/** Why a response body is not a well-formed error body, or undefined when it is. */
export function errorBodyProblem(res: TestResponse): string | undefined {
  const body = res.body as unknown;
  if (typeof body !== 'object' || body === null) return `body is not an object: ${String(body)}`;
  const b = body as Record<string, unknown>;
  if (typeof b.code !== 'string') return 'code is missing';
  if (!(ERROR_CODES as readonly string[]).includes(b.code)) return `unknown code ${b.code}`;
  if (typeof b.message !== 'string' || b.message === '') return 'message is missing';
  if (typeof b.correlationId !== 'string' || b.correlationId === '')
    return 'correlationId is missing';
  const header = res.headers.get('x-correlation-id');
  if (header !== null && header !== b.correlationId)
    return `correlationId ${b.correlationId} differs from x-correlation-id ${header}`;
  return undefined;
}

/**
 * Assert `res` is an error with the given status and code, shaped `{code, message,
 * correlationId, details?}` with a code from ERROR_CODES.
 */
export function expectError(res: TestResponse, status: number, code?: ErrorCode): void {
  const seen = `${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, seen).toBe(status);
  expect(errorBodyProblem(res), seen).toBeUndefined();
  if (code) expect((res.body as { code: string }).code, seen).toBe(code);
}

/** Assert a 400 VALIDATION_FAILED whose `details` is a non-empty list of `{path, message}`. */
export function expectValidationDetails(res: TestResponse): { path: string; message: string }[] {
  expectError(res, 400, 'VALIDATION_FAILED');
  const details = (res.body as { details?: unknown }).details;
  expect(Array.isArray(details), JSON.stringify(res.body)).toBe(true);
  const list = details as { path: unknown; message: unknown }[];
  expect(list.length).toBeGreaterThan(0);
  for (const d of list) {
    expect(typeof d.path, JSON.stringify(d)).toBe('string');
    expect(typeof d.message, JSON.stringify(d)).toBe('string');
  }
  return list as { path: string; message: string }[];
}
