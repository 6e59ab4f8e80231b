import type { CaptureSettings, MediaTrack, SessionEvent, SnapshotKind } from '@invigil/contracts';
import { api } from '../api/client';
import { meCsrfSource, recordingApi } from './api';
import { CaptureStore } from './capture-store';
import { EventCollector } from './event-collector';
import { sha256Hex } from './hash';
import { AUDIO_BITS_PER_SECOND, pickMimeType, type MediaSources } from './media';
import { SegmentRecorder, type RecordedSegment } from './segment-recorder';
import { frameSource, grabJpeg } from './snapshots';
import { UploadQueue } from './upload-queue';

/** A periodic snapshot once stored, with the sequence number it is uploaded under. */
export interface StoredSnapshot {
  kind: 'webcam' | 'screen';
  seq: number;
  takenMs: number;
  blob: Blob;
}

/**
 * The live tracks of the capture, as a proctor's live view sends them (read-only: a peer
 * connection shares a track without stopping or re-constraining it; null when not captured).
 */
export interface LiveTracks {
  webcam: MediaStreamTrack | null;
  screen: MediaStreamTrack | null;
  microphone: MediaStreamTrack | null;
}

/** Where a recorded track stands. */
export type TrackState = 'off' | 'recording' | 'ended' | 'error';

/** What the proctoring bar shows about recording. */
export interface CaptureStatus {
  recording: boolean;
  webcam: TrackState;
  screen: TrackState;
  /** Something the student must fix (a stopped share, a failed recorder, full storage). */
  problem: string | null;
}

let sharedStore: CaptureStore | null = null;
/** The one IndexedDB store of this page. */
export function captureStore(): CaptureStore {
  sharedStore ??= new CaptureStore();
  return sharedStore;
}

/**
 * Everything recorded during one attempt: the webcam (with microphone audio) and screen
 * recorders, periodic snapshots, integrity events, and the lossless upload queue they all
 * feed. Recording never waits for the network: segments go to IndexedDB first.
 */
export class CaptureSession {
  readonly queue: UploadQueue;
  readonly events: EventCollector;
  private sources: MediaSources = { camera: null, screen: null };
  private readonly recorders = new Map<'webcam' | 'screen', SegmentRecorder>();
  private readonly frames = new Map<'webcam' | 'screen', HTMLVideoElement>();
  private snapshotTimer: ReturnType<typeof setInterval> | null = null;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(status: CaptureStatus) => void>();
  private readonly unwatch: (() => void)[] = [];
  private status: CaptureStatus = { recording: false, webcam: 'off', screen: 'off', problem: null };
  private eventsStarted = false;

  private counterSync: Promise<void> | null = null;
  private readonly snapshotListeners = new Set<(snapshot: StoredSnapshot) => void>();
  private enrolledFace: Blob | null = null;
  private readonly faceListeners = new Set<() => void>();
  private readonly sourceListeners = new Set<() => void>();

  constructor(
    readonly sessionId: string,
    private policy: CaptureSettings,
    private readonly store: CaptureStore = captureStore(),
  ) {
    this.queue = new UploadQueue(sessionId, { store, csrf: meCsrfSource() });
    const sink = {
      addEvents: async (events: Parameters<UploadQueue['addEvents']>[0]) => {
        await this.countersSynced();
        return this.queue.addEvents(events);
      },
    };
    this.events = new EventCollector(sink, { onOnline: () => this.queue.retryNow() });
  }

  /**
   * Raises the local sequence counters above what the server already holds, so that even a
   * browser whose storage was cleared (or another computer) never reuses a sequence number.
   * Local counters are normally ahead already; this only ever raises them.
   */
  private syncCounters(): Promise<void> {
    this.counterSync ??= (async () => {
      const [manifest, events] = await Promise.all([
        recordingApi.manifest(this.sessionId),
        api<SessionEvent[]>(`/api/sessions/${encodeURIComponent(this.sessionId)}/events`),
      ]);
      const next = new Map<string, number>();
      const raise = (group: string, seq: number) =>
        next.set(group, Math.max(next.get(group) ?? 0, seq + 1));
      for (const s of manifest.segments) raise(`media:${s.track}`, s.seq);
      for (const s of manifest.snapshots) raise(`snapshot:${s.kind}`, s.seq);
      for (const e of events) if (e.source === 'client') raise('events', e.seq);
      for (const [group, value] of next)
        await this.store.raiseCounter(this.sessionId, group, value);
    })().catch(() => {
      // Offline or not allowed: the local counters stand.
    });
    return this.counterSync;
  }

  /** Waits (briefly) for the counter sync before numbering new items. */
  private countersSynced(): Promise<void> {
    const sync = this.syncCounters();
    return Promise.race([sync, new Promise<void>((resolve) => setTimeout(resolve, 3000))]);
  }

  /** Uses a newer policy (before recording starts). */
  setPolicy(policy: CaptureSettings): void {
    this.policy = policy;
  }

  /**
   * Starts uploading (including what an earlier page left) and, unless `events` is false,
   * collecting page events.
   */
  startUploads(events = true): void {
    void this.syncCounters();
    this.queue.start();
    if (events && !this.eventsStarted) {
      this.eventsStarted = true;
      this.events.attach();
    }
  }

  /** The current status. */
  getStatus(): CaptureStatus {
    return this.status;
  }

  /** Calls `listener` on each status change; returns the unsubscribe function. */
  subscribe(listener: (status: CaptureStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The streams in use (the system check hands them over). */
  getSources(): MediaSources {
    return this.sources;
  }

  /** The live webcam, screen and microphone tracks now (ended ones count as absent). */
  liveTracks(): LiveTracks {
    const live = (track: MediaStreamTrack | undefined) =>
      track && track.readyState === 'live' ? track : null;
    return {
      webcam: live(this.sources.camera?.getVideoTracks()[0]),
      screen: live(this.sources.screen?.getVideoTracks()[0]),
      microphone: live(this.sources.camera?.getAudioTracks()[0]),
    };
  }

  /**
   * Calls `listener` when the streams are replaced (the camera reconnected, the screen shared
   * again), so a live view sends the new tracks; returns the unsubscribe function.
   */
  onSources(listener: () => void): () => void {
    this.sourceListeners.add(listener);
    return () => this.sourceListeners.delete(listener);
  }

  /** True when the streams the policy needs are live. */
  hasLiveSources(): boolean {
    const live = (s: MediaStream | null) =>
      !!s && s.getTracks().length > 0 && s.getTracks().every((t) => t.readyState === 'live');
    const needCamera = this.policy.webcam || this.policy.microphone;
    return (
      (!needCamera || live(this.sources.camera)) &&
      (!this.policy.screen || live(this.sources.screen))
    );
  }

  /** Takes over the streams from the system check (stopping any previous ones not reused). */
  setSources(sources: MediaSources): void {
    for (const old of [this.sources.camera, this.sources.screen]) {
      if (old && old !== sources.camera && old !== sources.screen) {
        for (const t of old.getTracks()) t.stop();
      }
    }
    this.sources = sources;
    for (const stop of this.unwatch.splice(0)) stop();
    this.watch(sources.camera, 'camera');
    this.watch(sources.screen, 'screen');
    for (const listener of this.sourceListeners) listener();
  }

  /** Starts the webcam and screen recorders and the snapshots. */
  async startRecording(): Promise<void> {
    if (this.status.recording) return;
    this.startUploads();
    const patch: Partial<CaptureStatus> = { recording: true, problem: null };
    if (this.sources.camera) patch.webcam = this.startTrack('webcam', this.sources.camera);
    if (this.sources.screen) patch.screen = this.startTrack('screen', this.sources.screen);
    this.set(patch);
    await this.startSnapshots();
    this.events.record('recording.started', {
      webcam: patch.webcam ?? 'off',
      screen: patch.screen ?? 'off',
    });
  }

  /** Replaces the screen stream after the student shared again, and records it. */
  async replaceScreen(stream: MediaStream): Promise<void> {
    await this.recorders.get('screen')?.stop();
    this.recorders.delete('screen');
    this.setSources({ ...this.sources, screen: stream });
    this.frames.delete('screen');
    if (this.status.recording) {
      this.set({ screen: this.startTrack('screen', stream), problem: null });
      this.frames.set('screen', await frameSource(stream));
    }
  }

  /** Replaces the camera stream after it was reconnected, and records it. */
  async replaceCamera(stream: MediaStream): Promise<void> {
    await this.recorders.get('webcam')?.stop();
    this.recorders.delete('webcam');
    this.setSources({ ...this.sources, camera: stream });
    this.frames.delete('webcam');
    if (this.status.recording) {
      this.set({ webcam: this.startTrack('webcam', stream), problem: null });
      if (stream.getVideoTracks().length) this.frames.set('webcam', await frameSource(stream));
    }
  }

  /**
   * Stops recording: the last segments are finished and stored (they upload afterwards) and
   * the camera, microphone and screen share are released.
   */
  async stopRecording(): Promise<void> {
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    this.snapshotTimer = null;
    const wasRecording = this.status.recording;
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
    this.recorders.clear();
    await Promise.all([...this.chains.values()]);
    this.frames.clear();
    for (const stop of this.unwatch.splice(0)) stop();
    for (const stream of [this.sources.camera, this.sources.screen]) {
      for (const track of stream?.getTracks() ?? []) track.stop();
    }
    this.sources = { camera: null, screen: null };
    this.set({ recording: false, webcam: 'off', screen: 'off' });
    if (wasRecording) this.events.record('recording.stopped');
    await this.events.flush();
  }

  /**
   * Records the room scan from the camera for `durationMs`, stored as track room_scan.
   * Resolves with the number of segments once all of them are safely stored.
   */
  async recordRoomScan(durationMs: number, signal?: AbortSignal): Promise<number> {
    const stream = this.sources.camera;
    if (!stream || stream.getVideoTracks().length === 0) throw new Error('The camera is not on.');
    this.startUploads();
    const hasAudio = stream.getAudioTracks().length > 0;
    const mimeType = pickMimeType(true, hasAudio);
    if (!mimeType) throw new Error('This browser cannot record video.');
    let count = 0;
    const recorder = new SegmentRecorder({
      stream,
      mimeType,
      videoBitsPerSecond: this.policy.webcamBitrateKbps * 1000,
      audioBitsPerSecond: hasAudio ? AUDIO_BITS_PER_SECOND : undefined,
      segmentMs: this.policy.segmentSeconds * 1000,
      onSegment: (segment) => {
        count += 1;
        this.persistSegment('room_scan', segment);
      },
    });
    recorder.start();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, durationMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await recorder.stop();
    await this.chains.get('room_scan');
    return count;
  }

  /** Stores an identity photo (id_face or id_document) for upload; returns its queue key. */
  async addPhoto(kind: SnapshotKind, blob: Blob, takenMs = Date.now()): Promise<string> {
    return (await this.storePhoto(kind, blob, takenMs)).key;
  }

  /** The face photo taken at check-in on this page, for the identity detector. */
  getEnrolledFace(): Blob | null {
    return this.enrolledFace;
  }

  /**
   * Calls `listener` when a new face photo is stored (new identity photos a proctor asked
   * for), so the identity detector compares with it from then on; returns the unsubscribe.
   */
  onFacePhoto(listener: () => void): () => void {
    this.faceListeners.add(listener);
    return () => this.faceListeners.delete(listener);
  }

  /**
   * Calls `listener` after each periodic snapshot is stored, with its sequence number (the
   * detectors report what they saw in it); returns the unsubscribe function.
   */
  onSnapshot(listener: (snapshot: StoredSnapshot) => void): () => void {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  private async storePhoto(kind: SnapshotKind, blob: Blob, takenMs: number) {
    this.startUploads();
    const bytes = await blob.arrayBuffer();
    await this.countersSynced();
    const meta = await this.queue.add({
      kind: 'snapshot',
      snapshotKind: kind,
      bytes,
      sha256: await sha256Hex(bytes),
      contentType: blob.type || 'image/jpeg',
      takenMs,
    });
    if (kind === 'id_face') {
      this.enrolledFace = blob;
      for (const listener of this.faceListeners) listener();
    }
    return meta;
  }

  private startTrack(track: 'webcam' | 'screen', stream: MediaStream): TrackState {
    const hasVideo = stream.getVideoTracks().length > 0;
    const hasAudio = track === 'webcam' && stream.getAudioTracks().length > 0;
    const mimeType = pickMimeType(hasVideo, hasAudio);
    if (!mimeType) {
      this.events.record('recording.error', { track, reason: 'no supported recording format' });
      return 'error';
    }
    const kbps = track === 'webcam' ? this.policy.webcamBitrateKbps : this.policy.screenBitrateKbps;
    const recorder = new SegmentRecorder({
      stream,
      mimeType,
      videoBitsPerSecond: hasVideo ? kbps * 1000 : undefined,
      audioBitsPerSecond: hasAudio ? AUDIO_BITS_PER_SECOND : undefined,
      segmentMs: this.policy.segmentSeconds * 1000,
      onSegment: (segment) => this.persistSegment(track, segment),
      onStopped: (reason, error) => {
        if (this.recorders.get(track) !== recorder) return;
        this.recorders.delete(track);
        this.events.record(reason === 'ended' ? 'recording.stopped' : 'recording.error', {
          track,
          reason: reason === 'ended' ? 'stream ended' : String(error ?? 'recorder error'),
        });
        this.set({
          [track]: reason === 'ended' ? 'ended' : 'error',
          problem:
            track === 'screen'
              ? 'Screen sharing has stopped. Share your entire screen again to continue.'
              : 'The camera or microphone has stopped. Reconnect it to continue.',
        });
      },
    });
    try {
      recorder.start();
    } catch (error) {
      this.events.record('recording.error', { track, reason: String(error) });
      return 'error';
    }
    this.recorders.set(track, recorder);
    return 'recording';
  }

  /** Hashes and stores a segment; segments of one track are stored in recording order. */
  private persistSegment(track: MediaTrack, segment: RecordedSegment): void {
    const previous = this.chains.get(track) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const bytes = await segment.blob.arrayBuffer();
        await this.countersSynced();
        await this.queue.add({
          kind: 'media',
          track,
          bytes,
          sha256: await sha256Hex(bytes),
          contentType: segment.mimeType,
          startMs: segment.startMs,
          endMs: segment.endMs,
        });
      } catch (error) {
        this.events.record('recording.error', { track, reason: `not stored: ${String(error)}` });
        this.set({
          problem:
            'Recordings cannot be saved on this computer (is the disk full?). Free some space; the exam continues.',
        });
      }
    });
    this.chains.set(track, next);
  }

  private async startSnapshots(): Promise<void> {
    if (this.sources.camera?.getVideoTracks().length) {
      this.frames.set('webcam', await frameSource(this.sources.camera));
    }
    if (this.sources.screen) this.frames.set('screen', await frameSource(this.sources.screen));
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    this.snapshotTimer = setInterval(
      () => void this.takeSnapshots(),
      this.policy.snapshotIntervalSeconds * 1000,
    );
    void this.takeSnapshots();
  }

  private async takeSnapshots(): Promise<void> {
    for (const [kind, video] of this.frames) {
      if (!this.recorders.has(kind)) continue;
      const takenMs = Date.now();
      const blob = await grabJpeg(video).catch(() => null);
      if (!blob) continue;
      const meta = await this.storePhoto(kind, blob, takenMs).catch(() => null);
      if (!meta) continue;
      for (const listener of this.snapshotListeners)
        listener({ kind, seq: meta.seq, takenMs, blob });
    }
  }

  private watch(stream: MediaStream | null, source: 'camera' | 'screen'): void {
    for (const track of stream?.getTracks() ?? []) {
      const data = { source, kind: track.kind, label: track.label.slice(0, 200) };
      const onEnded = () => {
        this.events.record('track.ended', data);
        if (source === 'screen') this.events.record('screen_share.stopped', data);
      };
      const onMute = () => this.events.record('track.muted', data);
      const onUnmute = () => this.events.record('track.unmuted', data);
      track.addEventListener('ended', onEnded);
      track.addEventListener('mute', onMute);
      track.addEventListener('unmute', onUnmute);
      this.unwatch.push(() => {
        track.removeEventListener('ended', onEnded);
        track.removeEventListener('mute', onMute);
        track.removeEventListener('unmute', onUnmute);
      });
    }
  }

  private set(patch: Partial<CaptureStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of this.listeners) listener(this.status);
  }
}

const sessions = new Map<string, CaptureSession>();

/** The capture of a session for this page (one per session, shared by the flow's steps). */
export function captureSessionFor(sessionId: string, policy: CaptureSettings): CaptureSession {
  let session = sessions.get(sessionId);
  if (!session) {
    session = new CaptureSession(sessionId, policy);
    sessions.set(sessionId, session);
  } else if (!session.getStatus().recording) {
    session.setPolicy(policy);
  }
  return session;
}
