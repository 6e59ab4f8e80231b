import { describe, expect, it } from 'vitest';
import { throttleDelayMs, throttleKeys } from './sign-in-throttle.js';

describe('sign-in throttling', () => {
  it('waits nothing within the free failures, then 2 s, 4 s, 8 s … up to the cap', () => {
    const waits = [1, 3, 4, 5, 6, 7, 20, 1000].map((n) => throttleDelayMs(n, 3, 15 * 60_000));
    expect(waits).toEqual([0, 0, 2000, 4000, 8000, 16_000, 900_000, 900_000]);
  });

  it('keys by the e-mail as typed (case and spaces aside) and the address, hashed', () => {
    const a = throttleKeys(' Student@Uni.example ', '203.0.113.9');
    const b = throttleKeys('student@uni.example', '203.0.113.9');
    expect(a).toEqual(b);
    expect(throttleKeys('student@uni.example', '203.0.113.10').pair).not.toBe(a.pair);
    expect(throttleKeys('student@uni.example', '203.0.113.10').account).toBe(a.account);
    expect(JSON.stringify(a)).not.toMatch(/student|203\.0/);
  });
});
