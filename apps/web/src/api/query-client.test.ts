import { Exam } from '@invigil/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from './client';
import { ApiError, NETWORK_ERROR, RESPONSE_INVALID } from './errors';
import { createQueryClient, MAX_RETRIES, shouldRetry } from './query-client';

const error = (status: number, code: string) => new ApiError({ status, code, message: code });

describe('shouldRetry', () => {
  it('never retries a 4xx: it is the server’s answer', () => {
    for (const [status, code] of [
      [400, 'VALIDATION_FAILED'],
      [401, 'UNAUTHENTICATED'],
      [403, 'FORBIDDEN'],
      [404, 'NOT_FOUND'],
      [409, 'ILLEGAL_TRANSITION'],
      [429, 'RATE_LIMITED'],
    ] as const) {
      expect(shouldRetry(0, error(status, code)), code).toBe(false);
    }
  });

  it('never retries a response outside its contract', () => {
    expect(shouldRetry(0, error(200, RESPONSE_INVALID))).toBe(false);
  });

  it('retries network failures and 5xx a bounded number of times', () => {
    expect(shouldRetry(0, error(0, NETWORK_ERROR))).toBe(true);
    expect(shouldRetry(0, error(503, 'INTERNAL'))).toBe(true);
    expect(shouldRetry(MAX_RETRIES - 1, error(500, 'INTERNAL'))).toBe(true);
    expect(shouldRetry(MAX_RETRIES, error(500, 'INTERNAL'))).toBe(false);
  });

  it('does not retry what it does not understand', () => {
    expect(shouldRetry(0, new TypeError('x is undefined'))).toBe(false);
  });
});

describe('the app QueryClient loading through the API layer', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  /** Answers each request with the next status in turn (the last one repeats). */
  function serveStatuses(statuses: number[]) {
    let call = 0;
    const fetchFn = vi.fn(async () => {
      const status = statuses[Math.min(call++, statuses.length - 1)] ?? 500;
      const body =
        status === 200
          ? { ok: true }
          : { code: status >= 500 ? 'INTERNAL' : 'NOT_FOUND', message: 'x' };
      return new Response(JSON.stringify(body), { status });
    });
    vi.stubGlobal('fetch', fetchFn);
    return fetchFn;
  }

  function load(client: ReturnType<typeof createQueryClient>, key: string) {
    // No waiting between tries in a unit test; the retry rule is the app's own.
    client.setQueryDefaults([key], { retryDelay: 0 });
    return client.fetchQuery({
      queryKey: [key],
      queryFn: ({ signal }) => api(`/api/${key}`, { signal, schema: Exam }),
    });
  }

  it('asks once for a 404 and reports it', async () => {
    const fetchFn = serveStatuses([404]);
    const client = createQueryClient();
    await expect(load(client, 'missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(fetchFn).toHaveBeenCalledTimes(1);
  });

  it('asks once for a response outside its contract', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const fetchFn = serveStatuses([200]); // `{ ok: true }` is not an exam
    const client = createQueryClient();
    await expect(load(client, 'wrong')).rejects.toMatchObject({ code: RESPONSE_INVALID });
    expect(fetchFn).toHaveBeenCalledTimes(1);
  });

  it('tries a failing server again, then gives up with its error', async () => {
    const fetchFn = serveStatuses([503]);
    const client = createQueryClient();
    await expect(load(client, 'down')).rejects.toMatchObject({ status: 503 });
    expect(fetchFn).toHaveBeenCalledTimes(1 + MAX_RETRIES);
  });

  it('never retries a mutation', async () => {
    const fetchFn = serveStatuses([503]);
    const client = createQueryClient();
    const mutation = client.getMutationCache().build(client, {
      mutationFn: () => api('/api/x', { method: 'POST', schema: Exam }),
    });
    await expect(mutation.execute(undefined)).rejects.toMatchObject({ status: 503 });
    expect(fetchFn).toHaveBeenCalledTimes(1);
  });
});
