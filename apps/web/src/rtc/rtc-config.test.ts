import { describe, expect, it } from 'vitest';
import { forcedRelay, RELAY_STORAGE_KEY, rtcConfiguration } from './rtc-config';

const storage = (value: string | null) => ({
  getItem: (key: string) => (key === RELAY_STORAGE_KEY ? value : null),
});

describe('relay flag', () => {
  it('uses every candidate type unless the flag is present', () => {
    expect(forcedRelay({ search: '', storage: storage(null) })).toBe(false);
    expect(forcedRelay({ search: '?rtcRelay=0', storage: storage('0') })).toBe(false);
    expect(forcedRelay({ search: '', storage: storage('1') })).toBe(true);
    expect(forcedRelay({ search: '?rtcRelay=1', storage: null })).toBe(true);
    expect(rtcConfiguration([], false).iceTransportPolicy).toBe('all');
    expect(rtcConfiguration([{ urls: 'turn:x' }], true)).toMatchObject({
      iceTransportPolicy: 'relay',
      iceServers: [{ urls: 'turn:x' }],
    });
  });
});
