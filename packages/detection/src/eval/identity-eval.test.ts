import { format } from 'prettier';
import { describe, expect, it } from 'vitest';
import { identityReport, type ProbeOutcome } from './identity-eval.js';
import { table } from './quality-outputs.js';

const good: ProbeOutcome['quality'] = { score: 0.9, ok: true, failed: null };
const probe = (embedding: number[], quality = good): ProbeOutcome => ({
  faces: 1,
  embedding,
  quality,
  facts: null,
});

describe('identityReport', () => {
  const enrolled = new Map([
    ['a1', [0, 0]],
    ['a2', [1, 0]],
  ]);
  const pairs = [
    { a: 'a1', b: 'same', same: true },
    { a: 'a2', b: 'same', same: false },
    { a: 'a1', b: 'dark', same: true },
    { a: 'a2', b: 'dark', same: false },
    { a: 'a1', b: 'empty', same: true },
  ];
  const probes = new Map<string, ProbeOutcome>([
    ['same', probe([0, 0.1])],
    ['dark', probe([0.9, 0], { score: 0.2, ok: false, failed: 'brightness' })],
    ['empty', { faces: 0, embedding: undefined, quality: undefined, facts: null }],
  ]);

  it('scores decided pairs only, and counts abstentions by the factor that failed', () => {
    const r = identityReport(pairs, enrolled, probes)!;
    expect(r.pairs).toBe(5);
    expect(r.decided).toBe(2);
    expect(r.abstention).toBeCloseTo(0.6);
    expect(r.abstainedBy).toEqual({ brightness: 2, no_face: 1 });
    expect(r.eer).toBe(0);
    expect(r.atProductThreshold).toMatchObject({ far: 0, frr: 0 });
    // Without the gate the dark probe (closer to the wrong person) is an error each way.
    expect(r.ungated.eer).toBeGreaterThan(0);
  });

  it('gives no figure rather than a perfect one when nothing was decided', () => {
    const r = identityReport(pairs.slice(2, 4), enrolled, probes)!;
    expect(r.decided).toBe(0);
    expect(r.eer).toBeNaN();
  });
});

describe('table', () => {
  it('lays a table out as the formatter does, so regenerated reports pass the format check', async () => {
    const md = table(
      ['condition', 'pairs', 'EER'],
      [
        ['normal', '152', '4.2 %'],
        ['lighting: dark', '16', '–'],
      ],
      [false, true, true],
    );
    expect(await format(md, { parser: 'markdown', printWidth: 100 })).toBe(`${md}\n`);
  });
});
