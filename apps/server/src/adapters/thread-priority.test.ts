import { describe, expect, it } from 'vitest';
import {
  currentThreadId,
  lowerThreadPriority,
  parseThreadSelf,
  type PrioritySystem,
} from './thread-priority.js';

/** A stand-in for the system calls, recording what was asked of it. */
function fakeSystem(overrides: Partial<PrioritySystem> = {}) {
  const calls: [number, number][] = [];
  const system: PrioritySystem = {
    platform: 'linux',
    threadSelf: () => '4139/task/4377',
    setPriority: (id, nice) => void calls.push([id, nice]),
    ...overrides,
  };
  return { system, calls };
}

describe('parseThreadSelf', () => {
  it('reads the thread id from <pid>/task/<tid>', () => {
    expect(parseThreadSelf('4139/task/4377')).toBe(4377);
    expect(parseThreadSelf('4139/task/4377\n')).toBe(4377);
  });
  it('is null for anything else', () => {
    expect(parseThreadSelf('4139')).toBeNull();
    expect(parseThreadSelf('self/task/x')).toBeNull();
    expect(parseThreadSelf('')).toBeNull();
  });
});

describe('currentThreadId', () => {
  it('is the thread id on Linux, null elsewhere or when /proc cannot tell', () => {
    expect(currentThreadId(fakeSystem().system)).toBe(4377);
    expect(currentThreadId(fakeSystem({ platform: 'darwin' }).system)).toBeNull();
    const noProc = fakeSystem({
      threadSelf: () => {
        throw new Error('ENOENT: /proc/thread-self');
      },
    });
    expect(currentThreadId(noProc.system)).toBeNull();
  });
});

describe('lowerThreadPriority', () => {
  it('renices only the calling thread, by its own id, on Linux', () => {
    const { system, calls } = fakeSystem();
    expect(lowerThreadPriority(10, system)).toEqual({ applied: true, tid: 4377, nice: 10 });
    expect(calls).toEqual([[4377, 10]]);
  });

  it('caps the value at 19', () => {
    const { system, calls } = fakeSystem();
    expect(lowerThreadPriority(40, system)).toMatchObject({ applied: true, nice: 19 });
    expect(calls).toEqual([[4377, 19]]);
  });

  it('does nothing for 0', () => {
    const { system, calls } = fakeSystem();
    expect(lowerThreadPriority(0, system)).toMatchObject({ applied: false });
    expect(calls).toEqual([]);
  });

  it('does nothing elsewhere: setPriority there would lower the whole process', () => {
    const { system, calls } = fakeSystem({ platform: 'darwin' });
    const outcome = lowerThreadPriority(10, system);
    expect(outcome).toMatchObject({ applied: false });
    expect(outcome.applied === false && outcome.reason).toContain('darwin');
    expect(calls).toEqual([]);
  });

  it('reports a failure instead of throwing (no /proc, or not permitted)', () => {
    const noProc = fakeSystem({
      threadSelf: () => {
        throw new Error('ENOENT: /proc/thread-self');
      },
    });
    expect(lowerThreadPriority(10, noProc.system)).toMatchObject({
      applied: false,
      reason: expect.stringContaining('ENOENT'),
    });
    const refused = fakeSystem({
      setPriority: () => {
        throw new Error('EACCES');
      },
    });
    expect(lowerThreadPriority(10, refused.system)).toMatchObject({ applied: false });
  });
});
