import type { RecordingManifest } from '@invigil/contracts';

// What a student sees of the server's record of their own attempt. The rule: what they sent
// (segments, snapshots, client events) and what is addressed to them (interventions, state);
// never what the server concluded from it, which would tell a tampered client what is caught.

/**
 * Server events addressed to the student in their own event list. None so far: every server
 * event is a judgement (detector analysis, gaps, refusals, clock and lateness checks), and
 * what the student must know reaches them as an intervention or, after review, a verdict.
 */
export const STUDENT_SERVER_EVENTS: ReadonlySet<string> = new Set<string>();

/** The manifest of their own recording as a student gets it: what is stored, not the verdict. */
export function ownManifest(manifest: RecordingManifest): RecordingManifest {
  const { gaps: _gaps, complete: _complete, ...stored } = manifest;
  return stored;
}
