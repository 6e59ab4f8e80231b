import { describe, expect, it } from 'vitest';
import { ScrapeCache, withTimeout } from './scrape-cache.js';

describe('ScrapeCache', () => {
  it('reads once for callers at the same time and reuses the value while fresh', async () => {
    let now = 0;
    let reads = 0;
    const cache = new ScrapeCache(
      10_000,
      async () => {
        reads += 1;
        return reads;
      },
      () => now,
    );
    expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual([1, 1, 1]);
    now = 9_999;
    expect(await cache.get()).toBe(1);
    now = 10_000;
    expect(await cache.get()).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps a failure for the period too, so a failing database is not asked on every scrape', async () => {
    let now = 0;
    let reads = 0;
    const cache = new ScrapeCache(
      1000,
      async () => {
        reads += 1;
        if (reads === 1) throw new Error('database down');
        return 'back';
      },
      () => now,
    );
    await expect(cache.get()).rejects.toThrow('database down');
    await expect(cache.get()).rejects.toThrow('database down');
    now = 1000;
    expect(await cache.get()).toBe('back');
    expect(reads).toBe(2);
  });

  it('with a period of 0 reads on every call that is not sharing one in flight', async () => {
    let reads = 0;
    const cache = new ScrapeCache(0, async () => ++reads);
    expect(await cache.get()).toBe(1);
    expect(await cache.get()).toBe(2);
  });
});

describe('withTimeout', () => {
  it('passes a prompt result through and rejects one that never comes', async () => {
    expect(await withTimeout(Promise.resolve(7), 1000, 'read')).toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 10, 'the read')).rejects.toThrow(
      'the read took longer than 10 ms',
    );
  });
});
