import fs from 'node:fs';
import os from 'node:os';

/** What lowering a thread's priority did, reported to the pool for its log. */
export type PriorityOutcome =
  { applied: true; tid: number; nice: number } | { applied: false; nice: number; reason: string };

/** The system calls `lowerThreadPriority` uses (replaced in tests). */
export interface PrioritySystem {
  platform: NodeJS.Platform;
  /** `readlink /proc/thread-self`: `<pid>/task/<tid>` on Linux. */
  threadSelf(): string;
  setPriority(id: number, nice: number): void;
}

const realSystem: PrioritySystem = {
  platform: process.platform,
  threadSelf: () => fs.readlinkSync('/proc/thread-self'),
  setPriority: (id, nice) => os.setPriority(id, nice),
};

/** The calling thread's id from `/proc/thread-self`'s target, or null when it is not one. */
export function parseThreadSelf(link: string): number | null {
  const match = /^(\d+)\/task\/(\d+)$/.exec(link.trim());
  return match ? Number(match[2]) : null;
}

/**
 * The calling thread's operating-system id (Linux), for the log and the tests that read its
 * nice value; null elsewhere or when /proc cannot tell. Never throws.
 */
export function currentThreadId(system: PrioritySystem = realSystem): number | null {
  if (system.platform !== 'linux') return null;
  try {
    return parseThreadSelf(system.threadSelf());
  } catch {
    return null;
  }
}

/**
 * Give the calling thread nice value `nice` (0–19). On Linux a nice value belongs to a
 * thread, not the process, so a detector worker can step back for ingest (main thread,
 * database) while the main thread keeps its priority. Elsewhere `setPriority` would lower
 * the whole process, so nothing is done. Never throws: analysis works either way.
 */
export function lowerThreadPriority(
  nice: number,
  system: PrioritySystem = realSystem,
): PriorityOutcome {
  if (nice <= 0) return { applied: false, nice, reason: 'no nice value configured' };
  if (system.platform !== 'linux') {
    return {
      applied: false,
      nice,
      reason: `per-thread priority is Linux only (${system.platform})`,
    };
  }
  try {
    const tid = parseThreadSelf(system.threadSelf());
    if (tid === null) return { applied: false, nice, reason: 'no thread id in /proc/thread-self' };
    system.setPriority(tid, Math.min(19, nice));
    return { applied: true, tid, nice: Math.min(19, nice) };
  } catch (error) {
    return { applied: false, nice, reason: (error as Error).message };
  }
}
