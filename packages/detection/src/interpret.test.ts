import type { Result } from '@vladmandic/human';
import { describe, expect, it } from 'vitest';
import { faceFinding } from './interpret.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';

const raw = (over: Partial<Result['face'][number]> = {}) =>
  ({
    box: [10, 20, 100, 120],
    score: 0.9,
    boxScore: 0.9,
    faceScore: 0.95,
    mesh: [],
    ...over,
  }) as unknown as Result['face'][number];

describe('faceFinding liveness scores', () => {
  it('leaves them out when the liveness models did not run', () => {
    const f = faceFinding(raw({ real: 0.8, live: 0.7 }), DEFAULT_THRESHOLDS);
    expect(f).not.toHaveProperty('real');
    expect(f).not.toHaveProperty('live');
  });

  it('carries them when the models ran', () => {
    const f = faceFinding(raw({ real: 0.83, live: 0.71 }), DEFAULT_THRESHOLDS, [0, 0], true);
    expect(f).toMatchObject({ real: 0.83, live: 0.71 });
  });

  it('reads a score human left out (it drops zeros) as 0', () => {
    const f = faceFinding(raw({ live: 0.6 }), DEFAULT_THRESHOLDS, [0, 0], true);
    expect(f).toMatchObject({ real: 0, live: 0.6 });
  });
});
