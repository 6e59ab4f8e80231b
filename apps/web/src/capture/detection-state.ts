import type {
  BrowserRules,
  DetectorName,
  DetectSnapshotData,
  DetectStateData,
} from '@invigil/contracts';
import type { DetectorParts, FrameAnalysis } from '@invigil/detection';

/** What one analysis says about one detector's condition. */
export interface Observation {
  detector: DetectorName;
  active: boolean;
  /** 0..1. */
  confidence: number;
  value?: number;
}

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;

/** An analysis and which detectors ran on it. */
export type PartialAnalysis = Pick<FrameAnalysis, 'faces' | 'objects' | 'identity'> & {
  parts: DetectorParts;
};

/** The conditions an analysis shows, for the enabled detectors whose model ran on it. */
export function observe(analysis: PartialAnalysis, rules: BrowserRules): Observation[] {
  const out: Observation[] = [];
  const { faces, objects, parts } = analysis;
  const main = faces[0];
  if (rules.no_face.enabled) {
    out.push({
      detector: 'no_face',
      active: faces.length === 0,
      confidence: main ? main.score : 1,
      value: faces.length,
    });
  }
  if (rules.multiple_faces.enabled) {
    // The rule's threshold is the most faces allowed in view (default one), as on the server.
    const maxFaces = rules.multiple_faces.threshold ?? 1;
    const second = faces[1];
    out.push({
      detector: 'multiple_faces',
      active: faces.length > maxFaces,
      confidence: second ? second.score : main ? main.score : 1,
      value: faces.length,
    });
  }
  if (rules.head_turned.enabled && parts.pose && main?.headPose) {
    out.push({
      detector: 'head_turned',
      active: main.headTurned,
      confidence: main.score,
      value: main.headPose.yaw,
    });
  }
  const identity = analysis.identity;
  // A face too poor to compare says nothing about who it is: no identity observation at all
  // (an open mismatch neither ends nor goes on), only one about the camera's conditions.
  if (
    rules.identity_mismatch.enabled &&
    main &&
    identity &&
    identity.status !== 'insufficient_quality'
  ) {
    out.push({
      detector: 'identity_mismatch',
      active: !identity.match,
      confidence: round(1 - identity.similarity),
      value: identity.similarity,
    });
  }
  if (rules.poor_camera.enabled && main && identity?.quality) {
    out.push({
      detector: 'poor_camera',
      active: !identity.quality.ok,
      confidence: round(1 - identity.quality.score),
      value: identity.quality.score,
    });
  }
  if (parts.objects) {
    const best = (label: string) => objects.find((o) => o.label === label);
    for (const [detector, label] of [
      ['phone', 'cell phone'],
      ['book', 'book'],
    ] as const) {
      if (!rules[detector].enabled) continue;
      const found = best(label);
      out.push({ detector, active: !!found, confidence: found?.score ?? 1 });
    }
    if (rules.extra_person.enabled) {
      const persons = objects.filter((o) => o.label === 'person');
      out.push({
        detector: 'extra_person',
        active: persons.length >= 2,
        confidence: persons[1]?.score ?? 1,
        value: persons.length,
      });
    }
  }
  return out;
}

/**
 * Consecutive observations needed to change a detector's state: a single odd frame must not
 * flap the state. Per-frame detectors see several frames a second; object and identity
 * checks run every few seconds, so two in a row already span seconds. Voice arrives already
 * debounced by its own detector.
 */
export const CONFIRM_OBSERVATIONS: Record<DetectorName, number> = {
  no_face: 3,
  multiple_faces: 3,
  head_turned: 3,
  identity_mismatch: 2,
  // Judged with identity, every few seconds: two poor faces in a row already span seconds.
  poor_camera: 2,
  // Server only (the browser never runs it): listed for completeness.
  spoof: 1,
  phone: 2,
  book: 2,
  extra_person: 2,
  voice: 1,
  tab_switch: 1,
  fullscreen_exit: 1,
  client_integrity: 1,
  // Server-judged evidence checks (the browser never reports these): listed for completeness.
  recording_gap: 1,
  detection_silent: 1,
  snapshots_missing: 1,
  snapshot_unreadable: 1,
  clock_skew: 1,
  late_event: 1,
  id_document_mismatch: 1,
  // Server only (judged from what stopped arriving): listed for completeness.
  connection_lost: 1,
  upload_backlog: 1,
};

/** A state change to report: the event time is when the new condition was first seen. */
export interface StateChange {
  atMs: number;
  data: DetectStateData;
}

interface Track {
  active: boolean;
  streak: { count: number; sinceMs: number; confidence: number; value?: number } | null;
}

/**
 * Turns a stream of observations into start/end changes per detector, with a small
 * hysteresis (CONFIRM_OBSERVATIONS). The change is dated at the first observation of the
 * run that confirmed it, so the server's minimum durations measure the real condition.
 */
export class DetectorStates {
  private readonly tracks = new Map<DetectorName, Track>();

  constructor(private readonly model: () => string) {}

  /** Takes one observation; returns the change it confirms, if any. */
  push(atMs: number, o: Observation): StateChange | null {
    const track = this.tracks.get(o.detector) ?? { active: false, streak: null };
    this.tracks.set(o.detector, track);
    if (o.active === track.active) {
      track.streak = null;
      return null;
    }
    const streak = (track.streak ??= { count: 0, sinceMs: atMs, confidence: 0 });
    streak.count += 1;
    streak.confidence = Math.max(streak.confidence, o.confidence);
    streak.value ??= o.value;
    if (streak.count < CONFIRM_OBSERVATIONS[o.detector]) return null;
    track.active = o.active;
    track.streak = null;
    return this.change(o.detector, o.active, streak.sinceMs, streak.confidence, streak.value);
  }

  /** Reports a change decided elsewhere (the voice detector), keeping the state in step. */
  set(atMs: number, o: Observation): StateChange | null {
    const track = this.tracks.get(o.detector) ?? { active: false, streak: null };
    this.tracks.set(o.detector, track);
    if (track.active === o.active) return null;
    track.active = o.active;
    track.streak = null;
    return this.change(o.detector, o.active, atMs, o.confidence, o.value);
  }

  /** Ends every active condition (detection stops: the camera went away or the exam ended). */
  endAll(atMs: number): StateChange[] {
    const changes: StateChange[] = [];
    for (const [detector, track] of this.tracks) {
      if (track.active) changes.push(this.change(detector, false, atMs, 1));
      track.active = false;
      track.streak = null;
    }
    return changes;
  }

  /** Whether a detector's condition is on now. */
  isActive(detector: DetectorName): boolean {
    return this.tracks.get(detector)?.active ?? false;
  }

  private change(
    detector: DetectorName,
    active: boolean,
    atMs: number,
    confidence: number,
    value?: number,
  ): StateChange {
    const data: DetectStateData = {
      detector,
      active,
      confidence: round(Math.min(1, Math.max(0, confidence))),
      model: this.model().slice(0, 200),
    };
    if (value !== undefined && Number.isFinite(value)) data.value = round(value);
    return { atMs, data };
  }
}

/** What the browser saw in one uploaded webcam snapshot. */
export function snapshotData(
  snapshotSeq: number,
  analysis: Pick<FrameAnalysis, 'faces' | 'objects'>,
  model: string,
): DetectSnapshotData {
  const count = (label: string) => analysis.objects.filter((o) => o.label === label).length;
  return {
    snapshotSeq,
    faces: Math.min(20, analysis.faces.length),
    headTurned: analysis.faces[0]?.headTurned ?? false,
    phone: count('cell phone') > 0,
    book: count('book') > 0,
    persons: Math.min(20, count('person')),
    model: model.slice(0, 200),
  };
}
