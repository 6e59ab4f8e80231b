import { Ok } from '@invigil/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, setStepUpHandler } from './client';
import { ApiError } from './errors';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const stepUp = () =>
  json({ code: 'STEP_UP_REQUIRED', message: 'Confirm it is you', correlationId: 'c' }, 403);

describe('a change that asks for the second factor again', () => {
  afterEach(() => {
    setStepUpHandler(null);
    vi.unstubAllGlobals();
  });

  it('is sent once more after the step-up handler proves it', async () => {
    const fetchFn = vi
      .fn()
      .mockResolvedValueOnce(stepUp())
      .mockResolvedValueOnce(json({ ok: true }));
    vi.stubGlobal('fetch', fetchFn);
    const handler = vi.fn(async () => true);
    setStepUpHandler(handler);
    await expect(api('/api/webhooks', { method: 'POST', body: {}, schema: Ok })).resolves.toEqual({
      ok: true,
    });
    expect(handler).toHaveBeenCalledOnce();
    expect(fetchFn).toHaveBeenCalledTimes(2);
  });

  it('fails with STEP_UP_REQUIRED when the person cancels, or nothing can ask', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => stepUp()),
    );
    setStepUpHandler(async () => false);
    const cancelled = api('/api/webhooks', { method: 'POST', body: {}, schema: Ok });
    await expect(cancelled).rejects.toMatchObject({ code: 'STEP_UP_REQUIRED' });
    setStepUpHandler(null);
    const unasked = await api('/api/webhooks', { method: 'POST', schema: Ok }).catch((e) => e);
    expect(unasked).toBeInstanceOf(ApiError);
    expect((unasked as ApiError).code).toBe('STEP_UP_REQUIRED');
  });
});
