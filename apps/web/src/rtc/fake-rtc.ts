import type { LiveClientMessage } from '@invigil/contracts';

/**
 * Test doubles for the peer modules: an RTCPeerConnection that records what it is asked
 * and lets the test drive ICE, and media tracks that remember being stopped. A fake SDP is
 * `fake:<n>:<kind>,<kind>…` (one media section per kind; mids are their indexes).
 */

/** A media track that records stop(). */
export class FakeTrack {
  readyState: MediaStreamTrackState = 'live';
  enabled = true;
  stops = 0;
  constructor(
    readonly kind: 'audio' | 'video',
    readonly id: string,
  ) {}
  stop(): void {
    this.stops += 1;
    this.readyState = 'ended';
  }
}

/** One media section. */
export class FakeTransceiver {
  mid: string | null = null;
  readonly replaced: (MediaStreamTrack | null)[] = [];
  readonly sender: {
    track: MediaStreamTrack | null;
    replaceTrack(t: MediaStreamTrack | null): Promise<void>;
  };
  readonly receiver: { track: MediaStreamTrack };
  constructor(
    readonly kind: 'audio' | 'video',
    public direction: RTCRtpTransceiverDirection,
    track: MediaStreamTrack | null,
    id: string,
  ) {
    const replaced = this.replaced;
    this.sender = {
      track,
      async replaceTrack(t) {
        replaced.push(t);
        this.track = t;
      },
    };
    this.receiver = { track: new FakeTrack(kind, `remote-${id}`) as unknown as MediaStreamTrack };
  }
}

let counter = 0;

/** An RTCPeerConnection double. */
export class FakePeer {
  readonly transceivers: FakeTransceiver[] = [];
  readonly offerOptions: (RTCOfferOptions | undefined)[] = [];
  readonly added: RTCIceCandidateInit[] = [];
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  signalingState: RTCSignalingState = 'stable';
  iceConnectionState: RTCIceConnectionState = 'new';
  onicecandidate: ((event: { candidate: RTCIceCandidate | null }) => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  closed = false;
  /** Make the next setRemoteDescription fail (an answer from another connection). */
  rejectRemote = false;
  readonly id = ++counter;

  constructor(readonly config: RTCConfiguration) {}

  addTransceiver(what: MediaStreamTrack | string, init: RTCRtpTransceiverInit): FakeTransceiver {
    const track = typeof what === 'string' ? null : what;
    const kind = (typeof what === 'string' ? what : what.kind) as 'audio' | 'video';
    const t = new FakeTransceiver(
      kind,
      init.direction ?? 'sendrecv',
      track,
      `${this.id}-${this.transceivers.length}`,
    );
    this.transceivers.push(t);
    return t;
  }
  getTransceivers(): FakeTransceiver[] {
    return this.transceivers;
  }
  async createOffer(options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit> {
    this.offerOptions.push(options);
    const kinds = this.transceivers.map((t) => t.kind).join(',');
    return { type: 'offer', sdp: `fake:${this.id}.${this.offerOptions.length}:${kinds}` };
  }
  async createAnswer(): Promise<RTCSessionDescriptionInit> {
    return { type: 'answer', sdp: `answer:${this.id}:${this.remoteDescription?.sdp ?? ''}` };
  }
  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.localDescription = description;
    this.transceivers.forEach((t, i) => (t.mid ??= String(i)));
    this.signalingState = description.type === 'offer' ? 'have-local-offer' : 'stable';
  }
  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    if (this.rejectRemote) {
      this.rejectRemote = false;
      throw new Error('fingerprint changed');
    }
    this.remoteDescription = description;
    if (description.type === 'offer') {
      const kinds = (description.sdp ?? '').split(':')[2]?.split(',') ?? [];
      kinds.forEach((kind, i) => {
        if (this.transceivers[i]) return;
        const t = this.addTransceiver(kind, { direction: 'recvonly' });
        t.mid = String(i);
      });
      this.signalingState = 'have-remote-offer';
    } else {
      this.signalingState = 'stable';
    }
  }
  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) throw new Error('no remote description');
    this.added.push(candidate);
  }
  close(): void {
    this.closed = true;
  }
  /** ICE found a local candidate. */
  gather(candidate: string): void {
    const init = { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' };
    this.onicecandidate?.({ candidate: { toJSON: () => init } as RTCIceCandidate });
  }
  /** ICE changed state. */
  ice(state: RTCIceConnectionState): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.();
  }
}

/** A createPeer that keeps every connection it made. */
export function peerFactory() {
  const peers: FakePeer[] = [];
  return {
    peers,
    createPeer: (config: RTCConfiguration) => {
      const peer = new FakePeer(config);
      peers.push(peer);
      return peer as unknown as RTCPeerConnection;
    },
  };
}

/** Records what a side sends up its socket. */
export function outbox() {
  const sent: LiveClientMessage[] = [];
  return {
    sent,
    send: (message: LiveClientMessage) => {
      sent.push(message);
      return true;
    },
    signals: (kind?: string) =>
      sent.flatMap((m) =>
        m.type === 'rtc.signal' && (!kind || m.signal.kind === kind) ? [m.signal] : [],
      ),
    states: () => sent.flatMap((m) => (m.type === 'rtc.state' ? [m.state] : [])),
  };
}

/** Lets pending promise chains run (no timers involved). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await Promise.resolve();
}
