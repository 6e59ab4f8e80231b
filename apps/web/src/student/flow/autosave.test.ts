import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/errors';
import { AnswerSaver } from './autosave';

describe('AnswerSaver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once typing pauses, with the latest value', async () => {
    const saved: unknown[] = [];
    const saver = new AnswerSaver(
      async (id, value) => void saved.push([id, value]),
      () => undefined,
    );
    saver.set('q1', { text: 'a' });
    saver.set('q1', { text: 'ab' });
    expect(saver.stateOf('q1')).toBe('pending');
    await vi.advanceTimersByTimeAsync(800);
    expect(saved).toEqual([['q1', { text: 'ab' }]]);
    expect(saver.overall()).toBe('saved');
  });

  it('retries a failed save with backoff until it succeeds', async () => {
    let calls = 0;
    const saver = new AnswerSaver(
      async () => {
        calls += 1;
        if (calls < 3) throw new ApiError({ status: 0, code: 'NETWORK_ERROR', message: 'down' });
      },
      () => undefined,
      { random: () => 1 },
    );
    saver.set('q1', { choice: 2 });
    await vi.advanceTimersByTimeAsync(800);
    expect(saver.stateOf('q1')).toBe('retrying');
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
    expect(saver.stateOf('q1')).toBe('saved');
  });

  it('works again after dispose and resume (an effect mounted twice)', async () => {
    const saved: unknown[] = [];
    const saver = new AnswerSaver(
      async (id, value) => void saved.push([id, value]),
      () => undefined,
    );
    saver.set('q1', { text: 'before' });
    saver.dispose();
    await vi.advanceTimersByTimeAsync(800);
    expect(saved).toEqual([]);
    saver.resume();
    await vi.advanceTimersByTimeAsync(0);
    expect(saved).toEqual([['q1', { text: 'before' }]]);
    saver.set('q1', { text: 'after' });
    await vi.advanceTimersByTimeAsync(800);
    expect(saved).toEqual([
      ['q1', { text: 'before' }],
      ['q1', { text: 'after' }],
    ]);
  });

  it('stops when the time is over', async () => {
    const saver = new AnswerSaver(
      async () => {
        throw new ApiError({ status: 409, code: 'EXAM_TIME_OVER', message: 'over' });
      },
      () => undefined,
    );
    saver.set('q1', { text: 'late' });
    await vi.advanceTimersByTimeAsync(800);
    expect(saver.overall()).toBe('closed');
    expect(saver.closedReason).toBe('EXAM_TIME_OVER');
    await vi.advanceTimersByTimeAsync(60_000);
  });

  it('flush saves everything now', async () => {
    const saved: string[] = [];
    const saver = new AnswerSaver(
      async (id) => void saved.push(id),
      () => undefined,
    );
    saver.set('q1', { text: 'x' });
    saver.set('q2', { choice: 0 });
    expect(await saver.flush()).toBe(true);
    expect(saved.sort()).toEqual(['q1', 'q2']);
  });
});
