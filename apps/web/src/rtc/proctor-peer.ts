import type {
  RtcKind,
  RtcPeerState,
  RtcSignal,
  RtcSignalRelay,
  RtcTrackRole,
} from '@invigil/contracts';
import {
  candidateOf,
  peerEnvironment,
  Timer,
  type PeerEnvironment,
  type PeerStatus,
  type SignalSender,
} from './peer-support';
import { CONNECT_TIMEOUT_MS } from './rtc-config';

type OfferSignal = Extract<RtcSignal, { kind: 'offer' }>;

/** How the proctor's side of one link behaves. */
export interface ProctorPeerOptions {
  linkId: string;
  kind: RtcKind;
  config: RTCConfiguration;
  /** A call's own tracks: the proctor's microphone, and camera when the call has it. */
  local?: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  send: SignalSender;
  onStatus(status: PeerStatus): void;
  /** A track of the student (or, never, of the proctor) to show, by role. */
  onTrack(role: RtcTrackRole, track: MediaStreamTrack): void;
  /** Give up when not live within this long (after starting or losing the connection). */
  connectTimeoutMs?: number;
  /** Wait this long on `disconnected` (often recovers alone) before restarting ICE. */
  restartGraceMs?: number;
  /** Send the offer again this often while no answer came (a reloading student page). */
  resendMs?: number;
  env?: Partial<PeerEnvironment>;
}

/** After this many ICE restarts without getting live, start over with a new connection. */
const RESTARTS_BEFORE_REBUILD = 2;

/**
 * The proctor's side of a live view or call (framework-free). It makes the offer with one
 * transceiver per role — the student's webcam and screen (receive only), microphone (receive,
 * or both ways in a call, carrying the proctor's voice back) and in a call with camera the
 * proctor's video (send only) — and names each `mid` in the offer's `tracks`. Candidates
 * trickle both ways; remote ones wait until the answer is applied. A lost connection is
 * restarted (a new offer with `restart`), a stuck one rebuilt, and one not live within
 * `connectTimeoutMs` fails with a reason people can act on. Each state change is reported
 * to the server (`rtc.state`) and to `onStatus`.
 */
export class ProctorPeer {
  private pc: RTCPeerConnection | null = null;
  private readonly env: PeerEnvironment;
  private readonly roles = new Map<RTCRtpTransceiver, RtcTrackRole>();
  private remoteQueue: RTCIceCandidateInit[] = [];
  private localQueue: RTCIceCandidate[] = [];
  /** The offer waiting for its answer (resent until it comes). */
  private pending: OfferSignal | null = null;
  private offerSent = false;
  /** The candidates sent since the last offer (sent again with it). */
  private sentCandidates: RtcSignal[] = [];
  private status: PeerStatus = { state: 'connecting', reason: null };
  /** The last state told to the server (each is told once). */
  private reported: RtcPeerState | null = null;
  private restarts = 0;
  private closed = false;
  private readonly timeout: Timer;
  private readonly resend: Timer;
  private readonly grace: Timer;

  constructor(private readonly options: ProctorPeerOptions) {
    this.env = peerEnvironment(options.env);
    this.timeout = new Timer(this.env);
    this.resend = new Timer(this.env);
    this.grace = new Timer(this.env);
  }

  /** The state now. */
  get current(): PeerStatus {
    return this.status;
  }

  /** Builds the connection and sends the first offer; the connect timeout starts now. */
  async start(): Promise<void> {
    this.report('connecting');
    this.armTimeout();
    await this.build();
  }

  /** Handles a signal relayed from the student (others' links and our own echoes are ignored). */
  async receive(relay: RtcSignalRelay): Promise<void> {
    if (relay.linkId !== this.options.linkId || relay.from !== 'student' || this.closed) return;
    const pc = this.pc;
    if (!pc) return;
    const { signal } = relay;
    if (signal.kind === 'answer') {
      // A repeated answer (to a resent offer) finds the connection stable: nothing to do.
      if (pc.signalingState !== 'have-local-offer') return;
      try {
        await pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
      } catch {
        // The student's page answered from a new connection (it reloaded): start afresh.
        if (pc === this.pc) await this.build();
        return;
      }
      if (pc !== this.pc) return;
      this.pending = null;
      this.resend.clear();
      const queued = this.remoteQueue.splice(0);
      for (const candidate of queued) await pc.addIceCandidate(candidate).catch(() => undefined);
    } else if (signal.kind === 'candidate') {
      const candidate: RTCIceCandidateInit = {
        candidate: signal.candidate.candidate,
        sdpMid: signal.candidate.sdpMid ?? null,
        sdpMLineIndex: signal.candidate.sdpMLineIndex ?? null,
        usernameFragment: signal.candidate.usernameFragment ?? null,
      };
      // Until the answer is applied the connection cannot take them: they wait.
      if (!pc.remoteDescription || pc.signalingState === 'have-local-offer') {
        this.remoteQueue.push(candidate);
      } else {
        await pc.addIceCandidate(candidate).catch(() => undefined);
      }
    }
  }

  /**
   * The signalling socket is back after a drop: whatever was sent meanwhile is lost, so
   * renegotiate (an ICE restart, or the pending offer again).
   */
  async signallingBack(): Promise<void> {
    if (this.closed || !this.pc) return;
    if (this.pending) this.sendSignal(this.pending);
    else if (this.status.state !== 'live') await this.restart();
  }

  /** Closes the connection (the caller ends the link and stops its own tracks). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.pc?.close();
    this.pc = null;
    this.setStatus({ state: 'closed', reason: null });
  }

  /** A new connection and a fresh (non-restart) offer. */
  private async build(): Promise<void> {
    this.pc?.close();
    this.roles.clear();
    this.remoteQueue = [];
    this.localQueue = [];
    this.restarts = 0;
    const pc = this.env.createPeer(this.options.config);
    this.pc = pc;
    const call = this.options.kind === 'call';
    const local = this.options.local;
    const add = (
      role: RtcTrackRole,
      what: MediaStreamTrack | string,
      direction: RTCRtpTransceiverDirection,
    ) => {
      const transceiver = pc.addTransceiver(what, { direction });
      this.roles.set(transceiver, role);
      if (direction !== 'sendonly') this.options.onTrack(role, transceiver.receiver.track);
    };
    add('webcam', 'video', 'recvonly');
    add('screen', 'video', 'recvonly');
    add('microphone', call && local?.audio ? local.audio : 'audio', call ? 'sendrecv' : 'recvonly');
    if (call && local?.video) add('proctorVideo', local.video, 'sendonly');
    pc.onicecandidate = (event) => {
      if (!event.candidate || pc !== this.pc) return;
      // A candidate must not overtake its offer: held until the offer is sent.
      if (this.offerSent) this.sendCandidate(event.candidate);
      else this.localQueue.push(event.candidate);
    };
    pc.oniceconnectionstatechange = () => {
      if (pc === this.pc) this.onIce(pc.iceConnectionState);
    };
    await this.offer(pc, false);
  }

  private async offer(pc: RTCPeerConnection, restart: boolean): Promise<void> {
    this.offerSent = false;
    this.sentCandidates = [];
    try {
      const offer = await pc.createOffer(restart ? { iceRestart: true } : undefined);
      if (pc !== this.pc) return;
      await pc.setLocalDescription(offer);
    } catch (error) {
      if (pc === this.pc) this.fail(`The connection could not be set up (${String(error)}).`);
      return;
    }
    if (pc !== this.pc || !pc.localDescription) return;
    const tracks: Record<string, RtcTrackRole> = {};
    pc.getTransceivers().forEach((t, i) => {
      const role = this.roles.get(t);
      if (role) tracks[t.mid ?? String(i)] = role;
    });
    this.pending = {
      kind: 'offer',
      sdp: pc.localDescription.sdp,
      tracks,
      ...(restart ? { restart: true } : {}),
    };
    this.sendSignal(this.pending);
    this.offerSent = true;
    for (const candidate of this.localQueue.splice(0)) this.sendCandidate(candidate);
    this.armResend();
  }

  private sendCandidate(candidate: RTCIceCandidate): void {
    const signal: RtcSignal = { kind: 'candidate', candidate: candidateOf(candidate) };
    this.sentCandidates.push(signal);
    this.sendSignal(signal);
  }

  private sendSignal(signal: RtcSignal): void {
    this.options.send({ type: 'rtc.signal', linkId: this.options.linkId, signal });
  }

  private armResend(): void {
    const every = this.options.resendMs ?? 5000;
    this.resend.arm(every, () => {
      if (!this.pending || this.closed) return;
      // A page that reloaded meanwhile needs the candidates as well as the offer.
      this.sendSignal(this.pending);
      for (const candidate of this.sentCandidates) this.sendSignal(candidate);
      this.armResend();
    });
  }

  private onIce(state: RTCIceConnectionState): void {
    if (this.closed) return;
    if (state === 'connected' || state === 'completed') {
      this.grace.clear();
      this.timeout.clear();
      this.restarts = 0;
      this.report('live');
    } else if (state === 'disconnected') {
      if (this.status.state === 'live') {
        this.report('reconnecting');
        this.armTimeout();
      }
      this.grace.arm(this.options.restartGraceMs ?? 2000, () => void this.restart());
    } else if (state === 'failed') {
      this.grace.clear();
      if (this.status.state === 'live') {
        this.report('reconnecting');
        this.armTimeout();
      }
      void this.restart();
    }
  }

  /** ICE restart; after a few that did not help, a whole new connection. */
  private async restart(): Promise<void> {
    const pc = this.pc;
    if (!pc || this.closed) return;
    this.restarts += 1;
    if (this.restarts > RESTARTS_BEFORE_REBUILD) {
      await this.build();
      return;
    }
    await this.offer(pc, true);
  }

  private armTimeout(): void {
    const ms = this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.timeout.arm(ms, () => {
      const seconds = Math.round(ms / 1000);
      this.fail(
        this.status.state === 'reconnecting'
          ? `The connection to the student's browser was lost and did not come back within ${seconds} seconds.`
          : `Could not connect to the student's browser within ${seconds} seconds. A firewall may block direct connections; a TURN server (TURN_URLS) relays them.`,
      );
    });
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.clearTimers();
    this.report('failed', reason);
    this.closed = true;
    this.pc?.close();
    this.pc = null;
  }

  private clearTimers(): void {
    this.timeout.clear();
    this.resend.clear();
    this.grace.clear();
  }

  /** Tells the server and the UI, once per change. */
  private report(state: RtcPeerState, reason?: string): void {
    if (this.reported === state && !reason) return;
    this.reported = state;
    this.options.send({
      type: 'rtc.state',
      linkId: this.options.linkId,
      state,
      ...(reason ? { reason: reason.slice(0, 300) } : {}),
    });
    this.setStatus({ state, reason: reason ?? null });
  }

  private setStatus(status: PeerStatus): void {
    this.status = status;
    this.options.onStatus(status);
  }
}
