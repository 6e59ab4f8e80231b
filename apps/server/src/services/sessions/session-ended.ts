import type { ExamSession } from '@invigil/contracts';
import type { EmitLive, LiveInput } from '../live/live-feed.service.js';

/** States that end an attempt (the moves that set `ended_at`). */
const ENDING = new Set<string>(['submitted', 'terminated']);

/** What else closes when an attempt ends: a name for error reports, and the work. */
export interface SessionEndHook {
  name: string;
  run: (session: ExamSession) => Promise<void>;
}

/**
 * An `EmitLive` that also runs every hook for each attempt a message says has just ended.
 * Every way an attempt ends (the student's or staff's submit or terminate, the deadline
 * sweeper, an expired attempt touched by a request) sends a `session.state` message after
 * it commits, so this one place hears them all without each path knowing what hangs off a
 * session (raised hands, live views and calls). It runs in the process that committed the
 * end; a crash before the hooks run is caught up by each hook's own sweep (the hand sweep,
 * the live-link sweep). A failing hook is reported, never thrown, and the others still run.
 */
export function afterSessionEnds(
  emit: EmitLive,
  hooks: readonly SessionEndHook[],
  onError: (error: unknown, hook: string) => void,
): EmitLive {
  return async (inputs) => {
    await emit(inputs);
    const list: readonly LiveInput[] = Array.isArray(inputs) ? inputs : [inputs as LiveInput];
    for (const m of list) {
      if (m.topic !== 'session.state' || !ENDING.has(m.data.state)) continue;
      for (const hook of hooks) {
        try {
          await hook.run(m.data);
        } catch (error) {
          onError(error, hook.name);
        }
      }
    }
  };
}
