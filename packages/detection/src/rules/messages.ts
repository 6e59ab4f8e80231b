import type { DetectorName } from '@invigil/contracts';
import { ABSENCE_FLAG_TYPES } from './evidence-conditions.js';
import type { Condition } from './types.js';

/** What each flag type means, as a proctor reads it. */
export const FLAG_LABELS: Record<DetectorName, string> = {
  no_face: 'No face in view',
  multiple_faces: 'More than one face in view',
  head_turned: 'Head turned away from the screen',
  identity_mismatch: 'The face did not match the identity photo',
  poor_camera: 'Poor camera conditions: the face was too poor to compare with the identity photo',
  spoof: 'Photo or screen instead of a live face',
  phone: 'A phone in view',
  book: 'A book or notes in view',
  extra_person: 'Another person in view',
  voice: 'Speech or voices heard',
  tab_switch: 'Left the exam page',
  fullscreen_exit: 'Left full screen',
  client_integrity: 'The browser’s report contradicts the server’s analysis',
  recording_gap: 'Recording missing',
  detection_silent: 'The browser stopped reporting detector results',
  snapshots_missing: 'Webcam snapshots stopped arriving',
  snapshot_unreadable: 'A snapshot could not be read',
  clock_skew: 'The computer’s clock disagrees with the server’s',
  late_event: 'Events arrived late or out of order',
  id_document_mismatch: 'The ID document does not match the face photo',
  connection_lost: 'Connection to the student’s page lost',
  upload_backlog: 'Uploads falling behind',
};

/** "8 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

/** One sentence for a flag: what, for how long (or in how many snapshots), and detail. */
export function flagMessage(c: Condition, durationMs: number): string {
  const parts: string[] = [FLAG_LABELS[c.type]];
  if (ABSENCE_FLAG_TYPES.has(c.type)) {
    // Missing evidence: how long it was missing (a single finding has no duration).
    if (!c.instant)
      parts.push(c.endMs === null ? '(ongoing)' : `for ${formatDuration(durationMs)}`);
  } else if (c.source === 'server' && !c.identityPhotos) {
    // Identity photos are compared once, not watched over a run of webcam snapshots.
    const n = c.snapshotIds.length;
    parts.push(
      n === 1
        ? 'in 1 snapshot checked by the server'
        : `in ${n} snapshots checked by the server over ${formatDuration(durationMs)}`,
    );
  } else if (c.source === 'client') {
    // An open flag's text does not count up, so it only changes when the condition ends.
    parts.push(c.endMs === null ? '(ongoing)' : `for ${formatDuration(durationMs)}`);
  }
  let text = parts.join(' ');
  if (c.detail) text += ` (${c.detail})`;
  return text;
}
