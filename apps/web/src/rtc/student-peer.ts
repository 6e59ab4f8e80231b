import type { RtcKind, RtcPeerState, RtcSignal, RtcSignalRelay } from '@invigil/contracts';
import type { LiveTracks } from '../capture/capture-session';
import {
  candidateOf,
  peerEnvironment,
  type PeerEnvironment,
  type PeerStatus,
  type SignalSender,
} from './peer-support';

type OfferSignal = Extract<RtcSignal, { kind: 'offer' }>;

/** What the student hears and sees of the proctor in a call. */
export type ProctorRole = 'proctorAudio' | 'proctorVideo';

/** How the student's side of one link behaves. */
export interface StudentPeerOptions {
  linkId: string;
  kind: RtcKind;
  config: RTCConfiguration;
  /** The capture's live tracks now (never a new getUserMedia: the page already has them). */
  tracks(): LiveTracks;
  send: SignalSender;
  onStatus(status: PeerStatus): void;
  /** The proctor's voice or camera in a call, to play. */
  onRemoteTrack(role: ProctorRole, track: MediaStreamTrack): void;
  env?: Partial<PeerEnvironment>;
}

/**
 * The student's side of a live view or call (framework-free): it answers the proctor's
 * offers, sending the tracks the capture ALREADY records (`replaceTrack` on each section the
 * offer's `tracks` names), and in a call receives the proctor's voice on the microphone
 * section (both ways) and camera on `proctorVideo`. A repeated offer gets the same answer
 * again; a restart offer is applied to the same connection; any other new offer (the proctor
 * started afresh) gets a new connection. Closing never stops a captured track: the recorder
 * and the detectors keep them. It reports `connecting`, `live` and `reconnecting` only: giving
 * up is the proctor's side's (and the server's) decision, so an ICE restart can still work.
 */
export class StudentPeer {
  private pc: RTCPeerConnection | null = null;
  private readonly env: PeerEnvironment;
  private roles = new Map<RTCRtpTransceiver, string>();
  private remoteQueue: RTCIceCandidateInit[] = [];
  private status: PeerStatus = { state: 'connecting', reason: null };
  /** The last state told to the server (each is told once). */
  private reported: RtcPeerState | null = null;
  private everLive = false;
  private closed = false;
  /** Offers are handled one after another (each awaits several steps). */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: StudentPeerOptions) {
    this.env = peerEnvironment(options.env);
  }

  /** The state now. */
  get current(): PeerStatus {
    return this.status;
  }

  /** Handles a signal relayed from the proctor (others' links are ignored). */
  receive(relay: RtcSignalRelay): Promise<void> {
    if (relay.linkId !== this.options.linkId || relay.from !== 'proctor') return this.chain;
    const { signal } = relay;
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      if (signal.kind === 'offer') await this.answer(signal);
      else if (signal.kind === 'candidate') {
        const candidate: RTCIceCandidateInit = {
          candidate: signal.candidate.candidate,
          sdpMid: signal.candidate.sdpMid ?? null,
          sdpMLineIndex: signal.candidate.sdpMLineIndex ?? null,
          usernameFragment: signal.candidate.usernameFragment ?? null,
        };
        if (this.pc?.remoteDescription) {
          await this.pc.addIceCandidate(candidate).catch(() => undefined);
        } else {
          this.remoteQueue.push(candidate);
        }
      }
    });
    return this.chain;
  }

  /** The capture's streams were replaced (camera reconnected, screen shared again): send those. */
  async refreshTracks(): Promise<void> {
    const pc = this.pc;
    if (!pc || this.closed) return;
    const tracks = this.options.tracks();
    for (const transceiver of pc.getTransceivers()) {
      const role = this.roles.get(transceiver);
      const track =
        role === 'webcam' || role === 'screen' || role === 'microphone' ? tracks[role] : undefined;
      if (track === undefined || transceiver.sender.track === track) continue;
      await transceiver.sender.replaceTrack(track).catch(() => undefined);
    }
  }

  /** Closes the connection; the captured tracks keep running. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pc?.close();
    this.pc = null;
    this.setStatus({ state: 'closed', reason: null });
  }

  private async answer(offer: OfferSignal): Promise<void> {
    let pc = this.pc;
    if (pc && pc.remoteDescription?.sdp === offer.sdp && pc.localDescription) {
      // The proctor sent the offer again (our answer was lost): the same answer again.
      this.sendSignal({ kind: 'answer', sdp: pc.localDescription.sdp });
      return;
    }
    if (!pc || !offer.restart) pc = this.build();
    this.report(this.everLive ? 'reconnecting' : 'connecting');
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await this.attach(pc, offer.tracks);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
    } catch {
      // A restart this connection cannot take: answer from a fresh one.
      if (pc !== this.pc || !offer.restart) return;
      this.pc = null;
      pc.close();
      await this.answer({ ...offer, restart: false });
      return;
    }
    if (pc !== this.pc || !pc.localDescription) return;
    this.sendSignal({ kind: 'answer', sdp: pc.localDescription.sdp });
    for (const candidate of this.remoteQueue.splice(0)) {
      await pc.addIceCandidate(candidate).catch(() => undefined);
    }
  }

  private build(): RTCPeerConnection {
    this.pc?.close();
    this.roles = new Map();
    const pc = this.env.createPeer(this.options.config);
    this.pc = pc;
    pc.onicecandidate = (event) => {
      if (event.candidate && pc === this.pc) {
        this.sendSignal({ kind: 'candidate', candidate: candidateOf(event.candidate) });
      }
    };
    pc.oniceconnectionstatechange = () => {
      if (pc !== this.pc || this.closed) return;
      const state = pc.iceConnectionState;
      if (state === 'connected' || state === 'completed') {
        this.everLive = true;
        this.report('live');
      } else if ((state === 'disconnected' || state === 'failed') && this.everLive) {
        this.report('reconnecting');
      }
    };
    return pc;
  }

  /** Puts each captured track on the section the offer names for it. */
  private async attach(pc: RTCPeerConnection, roles: OfferSignal['tracks']): Promise<void> {
    const tracks = this.options.tracks();
    const call = this.options.kind === 'call';
    const transceivers = pc.getTransceivers();
    for (const [i, transceiver] of transceivers.entries()) {
      const role = roles[transceiver.mid ?? String(i)];
      if (!role) {
        transceiver.direction = 'inactive';
        continue;
      }
      this.roles.set(transceiver, role);
      if (role === 'webcam' || role === 'screen' || role === 'microphone') {
        const track = tracks[role];
        await transceiver.sender.replaceTrack(track);
        if (role === 'microphone' && call) {
          transceiver.direction = track ? 'sendrecv' : 'recvonly';
          this.options.onRemoteTrack('proctorAudio', transceiver.receiver.track);
        } else {
          transceiver.direction = track ? 'sendonly' : 'inactive';
        }
      } else if (call) {
        transceiver.direction = 'recvonly';
        this.options.onRemoteTrack(role, transceiver.receiver.track);
      } else {
        transceiver.direction = 'inactive';
      }
    }
  }

  private sendSignal(signal: RtcSignal): void {
    this.options.send({ type: 'rtc.signal', linkId: this.options.linkId, signal });
  }

  private report(state: RtcPeerState): void {
    if (this.reported === state) return;
    this.reported = state;
    this.options.send({ type: 'rtc.state', linkId: this.options.linkId, state });
    this.setStatus({ state, reason: null });
  }

  private setStatus(status: PeerStatus): void {
    this.status = status;
    this.options.onStatus(status);
  }
}
