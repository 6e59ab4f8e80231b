import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '@invigil/contracts';
import { buildTimeline } from './detail-model';

const event = (seq: number, type: string, data: Record<string, unknown> = {}): SessionEvent => ({
  source: 'client',
  seq,
  type,
  clientMs: 1_900_000_000_000 + seq * 1000,
  serverAt: new Date(1_900_000_000_000 + seq * 1000).toISOString(),
  data,
});

describe('timeline of the exam-page restrictions', () => {
  it('says an action the restrictions stopped was an attempt, and leaves others as they were', () => {
    const labels = buildTimeline(
      [
        event(1, 'clipboard.paste', { blocked: true }),
        event(2, 'contextmenu', { blocked: true }),
        event(3, 'print.attempt', { blocked: true, via: 'shortcut' }),
        event(4, 'clipboard.copy', { blocked: false }),
        event(5, 'fullscreen.exit'),
        event(6, 'fullscreen.enter'),
      ],
      [],
    ).map((item) => item.label);
    expect(labels).toEqual([
      'Tried to paste (blocked)',
      'Tried to open the context menu (blocked)',
      'Tried to print (blocked)',
      'Copied text',
      'Left full screen',
      'Entered full screen',
    ]);
  });
});
