import { describe, expect, it } from 'vitest';
import type { IceServersResponse } from '@invigil/contracts';
import { cachedIceServers } from './ice-cache';

const answer = (expiresAt: string | null): IceServersResponse => ({
  iceServers: [{ urls: 'turn:127.0.0.1:3478', username: 'u', credential: 'c' }],
  expiresAt,
});

describe('cachedIceServers', () => {
  it('shares one request while the credentials stay valid, then asks again', async () => {
    let t = Date.parse('2026-12-05T10:00:00Z');
    let calls = 0;
    const get = cachedIceServers(
      () => {
        calls += 1;
        return Promise.resolve(answer('2026-12-05T11:00:00Z'));
      },
      () => t,
    );
    await get();
    await get();
    expect(calls).toBe(1);
    t = Date.parse('2026-12-05T10:56:00Z'); // inside the 5-minute margin
    await get();
    expect(calls).toBe(2);
  });

  it('forgets a failed request so the next call retries', async () => {
    let calls = 0;
    const get = cachedIceServers(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('offline')) : Promise.resolve(answer(null));
    });
    await expect(get()).rejects.toThrow('offline');
    await expect(get()).resolves.toMatchObject({ expiresAt: null });
    expect(calls).toBe(2);
  });
});
