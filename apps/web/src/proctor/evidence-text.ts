import {
  EVIDENCE_EVENTS,
  RECORDING_GAP_EVENT,
  UPLOAD_REFUSED_EVENT,
  type RecordingGapReason,
} from '@invigil/contracts';

/*
 * Words for what the server found about the evidence, shared by the session timeline and the
 * evidence panel.
 */

/** Why part of a recording is missing, in words. */
export const GAP_REASON_TEXT: Record<RecordingGapReason, string> = {
  missing_seqs: 'segments never received',
  time_gap: 'nothing recorded between two segments',
  late_start: 'recording started after the attempt began',
  early_stop: 'recording stopped before the attempt ended',
  never: 'never recorded during the attempt',
  behind: 'recording lags behind the present',
};

/** Why the server refused an upload, in words. */
export const REFUSAL_CODE_TEXT: Record<string, string> = {
  QUOTA_EXCEEDED: 'over the exam’s upload allowance',
  CONTENT_MISMATCH: 'the bytes are not what the file claims to be',
  IMAGE_TOO_LARGE: 'the image is too large',
  IDENTITY_LOCKED: 'identity photos are fixed once the attempt has started',
};

const SUBJECT_LABEL: Record<string, string> = {
  webcam: 'Webcam',
  screen: 'Screen',
  room_scan: 'Room scan',
  id_face: 'Face photo',
  id_document: 'Identity document',
};

/** "Webcam", "Screen", or the raw name for anything new. */
export const subjectLabel = (subject: unknown) =>
  typeof subject === 'string' ? (SUBJECT_LABEL[subject] ?? subject) : '—';

/** The event the server writes once it has checked a finished attempt's recording. */
const RECORDING_CHECKED_EVENT = 'recording.checked';

/** A word for a media track or snapshot kind inside a sentence ("webcam", "face photo"). */
const inSentence = (subject: unknown) =>
  typeof subject === 'string' && subject.startsWith('id_')
    ? subjectLabel(subject).toLowerCase()
    : typeof subject === 'string'
      ? subject.replace(/_/g, ' ')
      : 'recording';

/** What the evidence watchdog says when evidence stops arriving, and when it comes back. */
const ABSENCE_TEXT: Record<string, (subject: string) => [string, string]> = {
  [EVIDENCE_EVENTS.gap]: (s) => [
    `${s} recording stopped arriving`,
    `${s} recording arriving again`,
  ],
  [EVIDENCE_EVENTS.snapshotsMissing]: (s) => [
    `${s} snapshots stopped arriving`,
    `${s} snapshots arriving again`,
  ],
  [EVIDENCE_EVENTS.detectionSilent]: () => [
    'the browser stopped reporting detector results',
    'the browser reports detector results again',
  ],
  [EVIDENCE_EVENTS.connectionLost]: () => [
    'connection to the student’s page lost (nothing received)',
    'the student’s page is back online',
  ],
  [EVIDENCE_EVENTS.fullscreenMissing]: () => [
    'the exam requires full screen but the student has not entered it',
    'the student entered full screen',
  ],
  [EVIDENCE_EVENTS.uploadBacklog]: () => [
    'uploads fell behind while the page stayed connected',
    'uploads caught up',
  ],
};

/**
 * The timeline label of an event the server wrote about the evidence (missing, holes,
 * refused uploads), from its data; null for other events.
 */
export function serverEventLabel(type: string, data: Record<string, unknown>): string | null {
  const absence = ABSENCE_TEXT[type];
  if (absence) {
    const [stopped, again] = absence(inSentence(data.subject));
    return `Server: ${data.toMs === null || data.toMs === undefined ? stopped : again}`;
  }
  if (type === RECORDING_GAP_EVENT) {
    const reason = GAP_REASON_TEXT[data.reason as RecordingGapReason];
    return `Server: gap in the ${inSentence(data.track)} recording${reason ? ` (${reason})` : ''}`;
  }
  if (type === RECORDING_CHECKED_EVENT) return 'Server: recording checked for gaps';
  if (type === UPLOAD_REFUSED_EVENT) {
    const what =
      data.target === 'media'
        ? `${inSentence(data.track)} segment`
        : data.kind === 'webcam' || data.kind === 'screen'
          ? `${data.kind} snapshot`
          : inSentence(data.kind);
    const seq = typeof data.seq === 'number' ? ` ${data.seq}` : '';
    const why = typeof data.code === 'string' ? REFUSAL_CODE_TEXT[data.code] : undefined;
    return `Server refused ${what}${seq}${why ? ` (${why})` : ''}`;
  }
  return null;
}
