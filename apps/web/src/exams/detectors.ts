import {
  DetectorName,
  EVIDENCE_FLAG_TYPES,
  voiceSpeechThreshold,
  type Severity,
} from '@invigil/contracts';

/**
 * Every detector, in the order staff see them (person, objects, sound, computer), then the
 * server's checks of the evidence itself.
 */
export const DETECTOR_ORDER: readonly DetectorName[] = DetectorName.options;

const EVIDENCE_CHECKS: ReadonlySet<DetectorName> = new Set(EVIDENCE_FLAG_TYPES);

/** True for the server's checks of the evidence (missing, late, inconsistent), not detectors. */
export const isEvidenceCheck = (name: DetectorName) => EVIDENCE_CHECKS.has(name);

/**
 * The detectors in the exam form, in two groups: what the camera, microphone and browser
 * report (checked again by the server), then the server's own checks of what it received.
 */
export const DETECTOR_GROUPS: readonly {
  id: 'detectors' | 'evidence';
  title: string;
  intro: string;
  names: readonly DetectorName[];
}[] = [
  {
    id: 'detectors',
    title: 'Camera, microphone and browser',
    intro:
      'What the student’s camera, microphone and browser report. A condition becomes a flag ' +
      'only when it lasts at least its duration.',
    names: DETECTOR_ORDER.filter((name) => !isEvidenceCheck(name)),
  },
  {
    id: 'evidence',
    title: 'Evidence checks',
    intro:
      'What the server finds about the evidence itself, on its own clock: recordings, ' +
      'snapshots or reports that do not arrive, times that do not add up, identity photos ' +
      'that do not match. The student’s browser cannot hide these.',
    names: DETECTOR_ORDER.filter(isEvidenceCheck),
  },
];

/**
 * How a detector's threshold is shown and edited. Stored values are multiplied by `scale`
 * for display (0.3 → 30 %), so staff never see raw scores.
 */
export interface ThresholdInfo {
  /** Label of the input, without the unit. */
  label: string;
  /** Unit shown after the number ("%", "°", "dBFS"). */
  unit: string;
  /** Allowed range in display units. */
  min: number;
  max: number;
  scale: number;
  /** What a value means and which way is more lenient, in one line. */
  hint: string;
  /** Noun for error messages: "Enter an angle from 5° to 90°." */
  noun: string;
  /** How a stored value reads, where older exams stored another unit (voice: dBFS). */
  read?: (stored: number) => number;
}

/** A detector's human name, one-line explanation and threshold (if it has one). */
export interface DetectorInfo {
  label: string;
  explanation: string;
  threshold?: ThresholdInfo;
  /**
   * What the rule's duration means: by default how long a condition lasts before it is a
   * flag; `absence` how long evidence must be missing; `finding` none (each finding is a
   * flag by itself, the duration is not used).
   */
  duration?: 'absence' | 'finding';
}

const objectScore = (what: string): ThresholdInfo => ({
  label: 'Minimum confidence',
  unit: '%',
  min: 5,
  max: 100,
  scale: 100,
  hint: `How sure the camera check must be that it sees ${what}; higher flags less.`,
  noun: 'a percentage',
});

/** Names, explanations and thresholds of every detector. */
export const DETECTOR_INFO: Record<DetectorName, DetectorInfo> = {
  no_face: { label: 'No face', explanation: 'Nobody is in front of the camera.' },
  multiple_faces: {
    label: 'Several faces',
    explanation: 'More faces are in view than the exam allows.',
  },
  head_turned: {
    label: 'Head turned away',
    explanation: 'The student looks away from the screen: sideways, down or up.',
    threshold: {
      label: 'Turn angle',
      unit: '°',
      min: 5,
      max: 90,
      scale: 1,
      hint: 'How far the head must turn; higher flags less.',
      noun: 'an angle',
    },
  },
  identity_mismatch: {
    label: 'Different person',
    explanation: 'The face in view does not match the photo taken at check-in.',
    threshold: {
      label: 'Same person at similarity',
      unit: '%',
      min: 1,
      max: 99,
      scale: 100,
      hint: 'Faces this similar or more count as the same person; lower flags less.',
      noun: 'a similarity',
    },
  },
  poor_camera: {
    label: 'Poor camera conditions',
    explanation:
      'The face is too dark, small, grainy, blurred or turned away to compare with the ' +
      'check-in photo. The identity check then makes no decision, and the student is asked ' +
      'to improve the lighting; a long stretch becomes a low-severity note.',
  },
  spoof: {
    label: 'Photo or screen instead of a live face',
    explanation:
      'A photo or a screen is held up instead of a live face. Checked by the server on ' +
      'webcam snapshots only; off by default, as it has not been measured on real attacks.',
    threshold: {
      label: 'Real-face score below',
      unit: '%',
      min: 5,
      max: 95,
      scale: 100,
      hint: 'Faces scoring less than this as a real face are flagged; lower flags less.',
      noun: 'a score',
    },
  },
  phone: {
    label: 'Phone',
    explanation: 'A mobile phone is visible.',
    threshold: objectScore('a phone'),
  },
  book: {
    label: 'Book or notes',
    explanation: 'A book or paper is visible. Off by default, as many exams allow scrap paper.',
    threshold: objectScore('a book'),
  },
  extra_person: {
    label: 'Another person',
    explanation: 'Someone else is in the room, even without their face in view.',
    threshold: objectScore('a person'),
  },
  voice: {
    label: 'Speaking',
    explanation:
      'Sustained speech is picked up by the microphone (a speech model: typing, fans and music do not count).',
    threshold: {
      label: 'Speech likelihood from',
      unit: '%',
      min: 10,
      max: 95,
      scale: 100,
      hint: '50 % is the model’s usual cut-off; higher flags less.',
      noun: 'a likelihood',
      read: voiceSpeechThreshold,
    },
  },
  tab_switch: {
    label: 'Tab or window switch',
    explanation: 'The student leaves the exam tab or window.',
  },
  fullscreen_exit: {
    label: 'Left full screen',
    explanation:
      'The student leaves full screen. Judged only when the exam requires full screen ' +
      '(Exam-page restrictions).',
  },
  client_integrity: {
    label: 'Browser check mismatch',
    explanation:
      'The server’s own check of a webcam snapshot disagrees with what the browser reported.',
  },
  recording_gap: {
    label: 'Recording missing',
    explanation:
      'A required track (webcam, screen, microphone) stopped arriving, never started, or does ' +
      'not cover the whole attempt, judged on the server’s clock.',
    duration: 'absence',
  },
  detection_silent: {
    label: 'Detection silent',
    explanation: 'The browser stopped reporting detector results while the webcam was running.',
    duration: 'absence',
  },
  snapshots_missing: {
    label: 'Snapshots missing',
    explanation: 'Webcam snapshots stopped arriving at the server.',
    duration: 'absence',
  },
  snapshot_unreadable: {
    label: 'Unreadable snapshot',
    explanation: 'A snapshot the browser uploaded could not be decoded as an image.',
    duration: 'finding',
  },
  clock_skew: {
    label: 'Clock mismatch',
    explanation:
      'The times the browser reports disagree with when the server received them (a clock ' +
      'set forward or back).',
    duration: 'finding',
  },
  late_event: {
    label: 'Late or out-of-order events',
    explanation:
      'Events dated far from when they arrived, or older than ones already accepted; they are ' +
      'kept as evidence but never used to end or shorten a flag.',
    duration: 'finding',
  },
  id_document_mismatch: {
    label: 'ID document mismatch',
    explanation:
      'The face on the ID document does not match the face photo, or the document shows no face.',
    duration: 'finding',
  },
  connection_lost: {
    label: 'Connection lost',
    explanation:
      'Nothing arrived from the student’s page (no upload, no live heartbeat) for CONNECTION_LOST_SECONDS (20 s by default); it ends when the page is heard again.',
    duration: 'absence',
  },
  upload_backlog: {
    label: 'Uploads falling behind',
    explanation:
      'The page is still connected but its recording reaches the server more than UPLOAD_BACKLOG_SECONDS (60 s by default) late, as the server measures it or as the browser reports; it ends when the uploads catch up.',
    duration: 'absence',
  },
};

/** Human labels for severities. */
export const SEVERITY_LABEL: Record<Severity, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
};

/** A number for people: at most two decimals, a real minus sign. */
export function formatNumber(value: number): string {
  const rounded = Math.round(value * 100) / 100;
  return String(rounded).replace('-', '−');
}

/** A stored threshold in display units, as an input value ("30" for 0.3 as a percentage). */
export function thresholdToInput(info: ThresholdInfo, value: number): string {
  return String(Math.round((info.read?.(value) ?? value) * info.scale * 100) / 100);
}

/** A number as typed into an input (a typed minus sign "−" too), or null if it is not one. */
export function parseNumber(input: string): number | null {
  const n = Number(input.trim().replace('−', '-'));
  return input.trim() === '' || !Number.isFinite(n) ? null : n;
}

/** An input value in display units back to the stored threshold, or null if it is not a number. */
export function inputToThreshold(info: ThresholdInfo, input: string): number | null {
  const n = parseNumber(input);
  return n === null ? null : Math.round((n / info.scale) * 1e6) / 1e6;
}

/** "30 %", "30°", "−45 dBFS". */
export function formatThreshold(info: ThresholdInfo, value: number): string {
  const shown = formatNumber((info.read?.(value) ?? value) * info.scale);
  return info.unit === '°' ? `${shown}°` : `${shown} ${info.unit}`;
}

/** A value already in display units (a range limit), formatted as formatThreshold does. */
export const formatShownThreshold = (info: ThresholdInfo, shown: number) =>
  formatThreshold(info, shown / info.scale);

/** "5 s", "0.5 s". */
export const formatSeconds = (seconds: number) => `${formatNumber(seconds)} s`;
