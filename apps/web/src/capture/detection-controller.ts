import type {
  BrowserRules,
  FaceQualityFactor,
  RecordingManifest,
  StudentPolicy,
} from '@invigil/contracts';
import {
  BrowserDetector,
  BrowserVoiceDetector,
  type SpeechChange,
  type TimedAnalysis,
} from '@invigil/detection/browser';
import type { DetectorParts } from '@invigil/detection';
import { recordingApi } from './api';
import type { CaptureSession, StoredSnapshot } from './capture-session';
import { VoiceMonitor } from './detection-audio';
import { thresholdsFor, videoPartsFor, voiceEnabled, voiceThreshold } from './detection-rules';
import { DetectorStates, observe, snapshotData, type StateChange } from './detection-state';
import { frameSource } from './snapshots';

/** Where monitoring stands, for the proctoring bar. */
export interface DetectionStatus {
  /** off: nothing to run; starting: loading models; active; unavailable: could not start. */
  state: 'off' | 'starting' | 'active' | 'unavailable';
  /** Face analyses per second over the last few seconds (0 when video detection is off). */
  fps: number;
  frames: number;
  /** Mean worker time per frame, ms (for the benchmark). */
  analysisMs: number;
  /**
   * While the face has been too poor to compare for a while (poor_camera on): what to
   * improve, for a gentle hint to the student. Absent or null otherwise.
   */
  cameraHint?: FaceQualityFactor | null;
}

/**
 * Runs the detectors during an attempt and reports through the capture's event collector
 * (the same lossless queue as integrity events): a `detect.state` event whenever a
 * detector's condition starts or ends, and a `detect.snapshot` event for each stored webcam
 * snapshot with what the detectors saw in exactly that picture. Detectors the effective
 * rules switch off are not run, nor are their models loaded. Failure to start only changes
 * the status: recording and uploads never wait for detection.
 */
export class DetectionController {
  private readonly rules: BrowserRules;
  private readonly parts: DetectorParts | null;
  private readonly states = new DetectorStates(() => this.model);
  private detector: BrowserDetector | null = null;
  private voice: VoiceMonitor | null = null;
  private voiceDetector: BrowserVoiceDetector | null = null;
  /** The streams the voice and video detectors are on. */
  private voiceCamera: MediaStream | null = null;
  private videoCamera: MediaStream | null = null;
  private video: HTMLVideoElement | null = null;
  private model = '';
  private stopped = false;
  private status: DetectionStatus = { state: 'off', fps: 0, frames: 0, analysisMs: 0 };
  private readonly listeners = new Set<(status: DetectionStatus) => void>();
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly capture: CaptureSession,
    private readonly policy: StudentPolicy,
  ) {
    // The server sends the rules with the student's accommodations already applied.
    this.rules = policy.detectors;
    this.parts = videoPartsFor(this.rules, policy.webcam);
  }

  /** Starts what the rules ask for; resolves once the models are loaded (or failed). */
  async start(): Promise<void> {
    const camera = this.capture.getSources().camera;
    const wantsVoice = voiceEnabled(this.rules, this.policy.microphone);
    const hasVideo = !!camera && camera.getVideoTracks().length > 0;
    if (!(this.parts && hasVideo) && !wantsVoice) return;
    this.set({ state: 'starting' });
    // The voice model loads beside the video models; its failure only loses voice.
    const voiceReady = wantsVoice && camera ? this.startVoice(camera) : Promise.resolve();
    // A lost camera ends what was seen through it; a reconnected one replaces the stream.
    this.cleanups.push(
      this.capture.subscribe((status) => {
        if (status.webcam === 'ended' || status.webcam === 'error') {
          this.report(this.states.endAll(Date.now()));
        }
        void this.followCamera();
      }),
    );
    if (!this.parts || !hasVideo) {
      await voiceReady;
      if (!this.stopped) this.set({ state: this.voice ? 'active' : 'unavailable' });
      return;
    }
    try {
      this.detector = await BrowserDetector.load({
        parts: this.parts,
        thresholds: thresholdsFor(this.rules),
      });
    } catch (error) {
      console.warn('Detection could not start:', error);
      if (!this.stopped) this.set({ state: 'unavailable' });
      return;
    }
    if (this.stopped) {
      this.detector.stop();
      return;
    }
    this.model = this.detector.model;
    if (this.parts.embedding) {
      await this.enroll();
      this.cleanups.push(this.capture.onFacePhoto(() => void this.enroll()));
    }
    if (this.stopped) return;
    this.cleanups.push(this.capture.onSnapshot((snapshot) => void this.onSnapshot(snapshot)));
    await this.followCamera();
    if (this.stopped) return;
    const timer = setInterval(() => this.refreshStats(), 2000);
    this.cleanups.push(() => clearInterval(timer));
    this.set({ state: 'active' });
  }

  /** Stops every detector; conditions still on are reported as ended now. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.voice?.stop();
    this.voiceDetector?.stop();
    this.detector?.stop();
    if (this.video) this.video.srcObject = null;
    this.report(this.states.endAll(Date.now()));
    this.set({ state: 'off' });
  }

  /** The current status. */
  getStatus(): DetectionStatus {
    return this.status;
  }

  /** Calls `listener` on each status change; returns the unsubscribe function. */
  subscribe(listener: (status: DetectionStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async startVoice(stream: MediaStream): Promise<void> {
    try {
      this.voiceDetector = await BrowserVoiceDetector.load({
        threshold: voiceThreshold(this.rules),
      });
    } catch (error) {
      console.warn('Voice detection could not start:', error);
      return;
    }
    if (this.stopped) {
      this.voiceDetector.stop();
      return;
    }
    this.voiceDetector.onChange((change) => this.onVoice(change));
    this.voice = new VoiceMonitor(this.voiceDetector);
    // Follow the camera stream current now (it may have been replaced while loading).
    const current = this.capture.getSources().camera ?? stream;
    this.voiceCamera = current;
    if (!this.voice.start(current)) this.voice = null;
  }

  private onVoice(change: SpeechChange): void {
    if (this.stopped && change.active) return;
    const result = this.states.set(change.atMs, {
      detector: 'voice',
      active: change.active,
      confidence: change.score,
      value: change.peakDb,
    });
    if (result && this.voiceDetector) {
      // The voice event names its own model, not the video one.
      result.data.model = this.voiceDetector.model;
      this.report([result]);
    }
  }

  /** Watches the capture's current camera stream (again, after a reconnect). */
  private async followCamera(): Promise<void> {
    const camera = this.capture.getSources().camera;
    if (this.stopped || !camera) return;
    if (this.voice && this.voiceCamera !== camera) {
      this.voiceCamera = camera;
      this.voice.start(camera);
    }
    if (!this.detector || this.videoCamera === camera || !camera.getVideoTracks().length) return;
    this.videoCamera = camera;
    const video = await frameSource(camera);
    if (this.stopped || this.videoCamera !== camera) return;
    if (this.video) this.video.srcObject = null;
    this.video = video;
    this.detector.watch(
      video,
      (analysis) => this.onAnalysis(analysis),
      () => this.set({ state: 'unavailable' }),
    );
  }

  private onAnalysis(analysis: TimedAnalysis): void {
    if (this.stopped) return;
    const changes: StateChange[] = [];
    for (const o of observe(analysis, this.rules)) {
      const change = this.states.push(analysis.atMs, o);
      if (change) changes.push(change);
    }
    this.report(changes);
    this.updateCameraHint(analysis);
  }

  /** Analyses the stored webcam snapshot itself and reports what was seen in it. */
  private async onSnapshot(snapshot: StoredSnapshot): Promise<void> {
    if (snapshot.kind !== 'webcam' || !this.detector || !this.parts || this.stopped) return;
    try {
      const analysis = await this.detector.analyzeImage(snapshot.blob, this.parts);
      if (this.stopped) return;
      this.capture.events.record(
        'detect.snapshot',
        { ...snapshotData(snapshot.seq, analysis, this.model) },
        snapshot.takenMs,
      );
    } catch {
      // A snapshot the detector could not read: the server's own analysis still covers it.
    }
  }

  /** Enrols the check-in face photo: from this page, or the copy already uploaded. */
  private async enroll(): Promise<void> {
    const photo = this.capture.getEnrolledFace() ?? (await this.uploadedFace());
    if (!photo || !this.detector) return;
    const result = await this.detector.enroll(photo);
    if (!result.ok) console.warn('Identity check not possible:', result.reason);
  }

  private async uploadedFace(): Promise<Blob | null> {
    try {
      const manifest: RecordingManifest = await recordingApi.manifest(this.capture.sessionId);
      const faces = manifest.snapshots.filter((s) => s.kind === 'id_face');
      const latest = faces.sort((a, b) => b.seq - a.seq)[0];
      if (!latest) return null;
      const url = recordingApi.snapshotUrl(this.capture.sessionId, 'id_face', latest.seq);
      const response = await fetch(url, { credentials: 'same-origin' });
      return response.ok ? await response.blob() : null;
    } catch {
      return null;
    }
  }

  /** Keeps the student's camera hint in step with the poor_camera state (judged with identity). */
  private updateCameraHint(analysis: TimedAnalysis): void {
    if (!analysis.identity) return;
    const hint = this.states.isActive('poor_camera')
      ? (analysis.identity.quality?.failed ?? this.status.cameraHint ?? 'brightness')
      : null;
    if (hint !== (this.status.cameraHint ?? null)) this.set({ cameraHint: hint });
  }

  private report(changes: StateChange[]): void {
    for (const { atMs, data } of changes) {
      this.capture.events.record('detect.state', { ...data }, atMs);
    }
  }

  private refreshStats(): void {
    const stats = this.detector?.stats();
    if (stats) this.set({ fps: stats.fps, frames: stats.frames, analysisMs: stats.analysisMs });
  }

  private set(patch: Partial<DetectionStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }
}
