import { afterEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from './client';
import { ApiError, NETWORK_ERROR } from './errors';
import { checkFacePhotoOnServer } from './face-photo';

const photo = () => new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' });

/** Answers every request with `body` as JSON. */
function serve(body: unknown, status = 200) {
  const fetchFn = vi.fn(
    async (_url: string, _init?: RequestInit) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json' },
      }),
  );
  vi.stubGlobal('fetch', fetchFn);
  return fetchFn;
}

/**
 * The face photo check through the shared API layer: the photo's bytes go as they are, with
 * the CSRF header; a rejection is a verdict; every other failure is an error, never "fine".
 */
describe('checkFacePhotoOnServer', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setCsrfToken(null);
  });

  it('sends the raw photo with its type and the CSRF token, and reads the contract', async () => {
    setCsrfToken('tok');
    const fetchFn = serve({ ok: true, checked: true, faces: 1, luminance: 0.5, sharpness: 9 });
    const blob = photo();
    expect(await checkFacePhotoOnServer('s 1', blob)).toEqual({ problem: null, checked: true });
    const [url, init] = fetchFn.mock.calls[0]!;
    expect(url).toBe('/api/sessions/s%201/face-photo-check');
    expect(init?.method).toBe('POST');
    expect(init?.body).toBe(blob);
    expect(init?.headers).toMatchObject({ 'content-type': 'image/jpeg', 'x-csrf-token': 'tok' });
  });

  it('passes on that the server could not judge (no detectors)', async () => {
    serve({ ok: true, checked: false, faces: 0, luminance: null, sharpness: null });
    expect(await checkFacePhotoOnServer('s1', photo())).toEqual({ problem: null, checked: false });
  });

  it('returns the problem of a 422 FACE_PHOTO_REJECTED', async () => {
    serve(
      {
        code: 'FACE_PHOTO_REJECTED',
        message: 'No face',
        details: { problem: 'no_face', faces: 0, luminance: 0.4, sharpness: 3 },
      },
      422,
    );
    expect(await checkFacePhotoOnServer('s1', photo())).toEqual({
      problem: 'no_face',
      checked: true,
    });
  });

  it('throws other refusals and an unreachable server instead of calling the photo fine', async () => {
    serve({ code: 'SESSION_NOT_RECORDING', message: 'The attempt has ended' }, 409);
    await expect(checkFacePhotoOnServer('s1', photo())).rejects.toMatchObject({
      code: 'SESSION_NOT_RECORDING',
    });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    const error = await checkFacePhotoOnServer('s1', photo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(NETWORK_ERROR);
  });
});
