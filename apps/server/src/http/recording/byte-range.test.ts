import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { parseByteRange } from './byte-range.js';

describe('parseByteRange', () => {
  it('reads the three single-range forms, clamping the end to the size', () => {
    expect(parseByteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseByteRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseByteRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseByteRange('bytes=999-999', 1000)).toEqual({ start: 999, end: 999 });
  });

  it('ignores absent, foreign, multiple and malformed ranges (whole body)', () => {
    for (const header of [
      undefined,
      'items=0-1',
      'bytes=0-1,5-6',
      'bytes=-',
      'bytes=a-b',
      'bytes=5-2',
      'bytes=0-99999999999999999',
      '',
    ]) {
      expect(parseByteRange(header, 1000), String(header)).toBeUndefined();
    }
  });

  it('is 416 with Content-Range when the range starts past the end', () => {
    for (const [header, size] of [
      ['bytes=1000-', 1000],
      ['bytes=1000-2000', 1000],
      ['bytes=-0', 1000],
      ['bytes=0-', 0],
      ['bytes=-1', 0],
    ] as const) {
      try {
        parseByteRange(header, size);
        expect.unreachable(header);
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).status).toBe(416);
        expect((err as AppError).headers).toEqual({ 'content-range': `bytes */${size}` });
      }
    }
  });
});
