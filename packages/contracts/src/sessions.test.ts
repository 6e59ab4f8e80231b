import { describe, expect, it } from 'vitest';
import { canTransition, SessionState, type TransitionActor } from './sessions.js';

// The full table, written out by hand: every (from, to, actor) not listed must be refused.
const LEGAL: [SessionState, SessionState, TransitionActor][] = [
  ['registered', 'checking_in', 'student'],
  ['checking_in', 'in_progress', 'student'],
  ['checking_in', 'terminated', 'staff'],
  ['in_progress', 'paused', 'staff'],
  ['in_progress', 'submitted', 'student'],
  ['in_progress', 'submitted', 'staff'],
  ['in_progress', 'terminated', 'staff'],
  ['paused', 'in_progress', 'staff'],
  ['paused', 'terminated', 'staff'],
  ['submitted', 'under_review', 'staff'],
  ['terminated', 'under_review', 'staff'],
  ['terminated', 'paused', 'reopen'],
  ['under_review', 'reviewed', 'verdict'],
  ['reviewed', 'under_review', 'student_response'],
];

describe('session state machine', () => {
  const states = SessionState.options;
  const actors: TransitionActor[] = ['student', 'staff', 'verdict', 'student_response', 'reopen'];
  const cases = states.flatMap((from) =>
    states.flatMap((to) => actors.map((actor) => [from, to, actor] as const)),
  );

  it.each(cases)('%s → %s by %s', (from, to, actor) => {
    const expected = LEGAL.some(([f, t, a]) => f === from && t === to && a === actor);
    expect(canTransition(from, to, actor)).toBe(expected);
  });

  it("leaves reviewed only by the student's response, and has no self-loops", () => {
    for (const to of states)
      for (const a of actors)
        expect(canTransition('reviewed', to, a)).toBe(
          to === 'under_review' && a === 'student_response',
        );
    for (const s of states) for (const a of actors) expect(canTransition(s, s, a)).toBe(false);
  });
});
