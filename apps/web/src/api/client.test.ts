import { Exam } from '@invigil/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, query } from './client';
import { ApiError, RESPONSE_INVALID } from './errors';

describe('query', () => {
  it('keeps only set values', () => {
    expect(query({ role: 'student', q: '', x: undefined, y: null })).toBe('?role=student');
    expect(query({})).toBe('');
    expect(query({ q: 'a b&c', limit: 100 })).toBe('?q=a+b%26c&limit=100');
  });
});

/** An exam exactly as the server serialises it. */
function buildExamBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    title: 'Algebra',
    description: '',
    status: 'published',
    opensAt: '2026-12-01T09:00:00.000Z',
    closesAt: '2026-12-01T12:00:00.000Z',
    durationMinutes: 60,
    capacity: 30,
    registrationDeadline: '2026-12-01T08:00:00.000Z',
    policy: {},
    externalUrl: null,
    retention: null,
    legalHold: null,
    registeredCount: 3,
    createdAt: '2026-11-01T09:00:00.000Z',
    updatedAt: '2026-11-01T09:00:00.000Z',
    ...overrides,
  };
}

/** Answers every request with `body` as JSON (the network is not what is tested here). */
function serve(body: unknown, status = 200) {
  const fetchFn = vi.fn(
    async () =>
      new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      }),
  );
  vi.stubGlobal('fetch', fetchFn);
  return fetchFn;
}

describe('api with a response contract', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('returns the body as the contract parses it', async () => {
    serve(buildExamBody({ somethingNew: true }));
    const exam = await api('/api/exams/x', { schema: Exam });
    expect(exam.title).toBe('Algebra');
    // Parsed, not cast: defaults are filled in and unknown fields are not passed on.
    expect(exam.policy.webcam).toBe(true);
    expect('somethingNew' in exam).toBe(false);
  });

  it('refuses a body outside the contract with a clear, logged error', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    serve(buildExamBody({ title: 42, registeredCount: undefined }));
    const error = await api('/api/exams/x', { schema: Exam }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.code).toBe(RESPONSE_INVALID);
    expect(apiError.status).toBe(200);
    expect(apiError.message).toContain('GET /api/exams/x');
    expect(apiError.message).toContain('title');
    expect(apiError.message).toContain('registeredCount');
    expect(apiError.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'title' })]),
    );
    expect(logged).toHaveBeenCalledOnce();
    expect(String(logged.mock.calls[0]?.[0])).toContain('GET /api/exams/x');
  });

  it('refuses a list with one bad item, naming the item', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    serve([buildExamBody(), buildExamBody({ status: 'deleted' })]);
    const error = (await api('/api/exams', { schema: Exam.array() }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(error.code).toBe(RESPONSE_INVALID);
    expect(error.message).toContain('1.status');
  });

  it('refuses a success that is not JSON at all (a proxy page)', async () => {
    serve('<html>Gateway</html>');
    const error = (await api('/api/exams', { schema: Exam.array() }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(error.code).toBe(RESPONSE_INVALID);
    expect(error.message).toContain('not JSON');
  });

  it('still reports an error response as the API error, not as a contract problem', async () => {
    serve({ code: 'NOT_FOUND', message: 'No such exam' }, 404);
    const error = (await api('/api/exams/x', { schema: Exam }).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.status).toBe(404);
  });
});
