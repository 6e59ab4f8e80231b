import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { iceServersFor, turnCredentials } from './turn-credentials.js';

const turn = {
  urls: ['turn:turn.example.org:3478'],
  secret: 'a-long-shared-secret',
  ttlSeconds: 600,
};
const now = new Date('2030-01-01T12:00:00.500Z');

describe('turnCredentials', () => {
  it('signs `expiry:userId` with HMAC-SHA1 of the shared secret, expiring after the TTL', () => {
    const { server, expiresAt } = turnCredentials(turn, 'user-1', now);
    const expiry = Math.floor(now.getTime() / 1000) + 600;
    expect(server.username).toBe(`${expiry}:user-1`);
    const expected = createHmac('sha1', turn.secret).update(`${expiry}:user-1`).digest('base64');
    expect(server.credential).toBe(expected);
    expect(server.urls).toEqual(['turn:turn.example.org:3478']);
    expect(expiresAt.getTime()).toBe(expiry * 1000);
  });

  it('gives different users and different secrets different credentials', () => {
    const a = turnCredentials(turn, 'user-1', now).server.credential;
    expect(turnCredentials(turn, 'user-2', now).server.credential).not.toBe(a);
    expect(
      turnCredentials({ ...turn, secret: 'another-long-secret' }, 'user-1', now).server.credential,
    ).not.toBe(a);
  });
});

describe('iceServersFor', () => {
  const base = { maxViewers: 2, connectTimeoutMs: 30_000, ringTimeoutMs: 45_000 };

  it('is empty without configuration (host candidates only), with the connect timeout', () => {
    expect(iceServersFor({ ...base, iceServers: [] }, 'u', now)).toEqual({
      iceServers: [],
      expiresAt: null,
      connectTimeoutSeconds: 30,
    });
  });

  it('passes configured servers through and appends TURN with credentials', () => {
    const stun = { urls: 'stun:stun.example.org:3478' };
    const res = iceServersFor({ ...base, iceServers: [stun], turn }, 'u', now);
    expect(res.iceServers[0]).toEqual(stun);
    expect(res.iceServers[1]?.username).toMatch(/^\d+:u$/);
    expect(res.expiresAt).toBe(
      new Date((Math.floor(now.getTime() / 1000) + 600) * 1000).toISOString(),
    );
  });
});
