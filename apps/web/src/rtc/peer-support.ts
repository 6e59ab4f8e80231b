import type { LiveClientMessage, RtcCandidate, RtcPeerState } from '@invigil/contracts';

/** A side's connection as its UI shows it: the reported states, or `closed` after close(). */
export interface PeerStatus {
  state: RtcPeerState | 'closed';
  /** Why it failed, in words for people (null otherwise). */
  reason: string | null;
}

/** What a peer needs from the browser (fakes in unit tests). */
export interface PeerEnvironment {
  createPeer(config: RTCConfiguration): RTCPeerConnection;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The browser's own environment, with any part replaced. */
export function peerEnvironment(partial: Partial<PeerEnvironment> = {}): PeerEnvironment {
  return {
    createPeer: partial.createPeer ?? ((config) => new RTCPeerConnection(config)),
    setTimeout: partial.setTimeout ?? ((callback, ms) => setTimeout(callback, ms)),
    clearTimeout:
      partial.clearTimeout ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)),
  };
}

/** Sends signalling up the live socket; false when the socket is not open. */
export type SignalSender = (message: LiveClientMessage) => boolean;

/** An ICE candidate as the contract carries it (RTCIceCandidate.toJSON(), bounded). */
export function candidateOf(candidate: RTCIceCandidate): RtcCandidate {
  const json = candidate.toJSON();
  return {
    candidate: json.candidate ?? '',
    sdpMid: json.sdpMid ?? null,
    sdpMLineIndex: json.sdpMLineIndex ?? null,
    usernameFragment: json.usernameFragment ?? null,
  };
}

/** One timer that can be re-armed and cleared (connect timeouts, resends). */
export class Timer {
  private handle: unknown = null;
  constructor(private readonly env: PeerEnvironment) {}
  /** (Re)starts the timer. */
  arm(ms: number, callback: () => void): void {
    this.clear();
    this.handle = this.env.setTimeout(() => {
      this.handle = null;
      callback();
    }, ms);
  }
  clear(): void {
    if (this.handle !== null) this.env.clearTimeout(this.handle);
    this.handle = null;
  }
  get armed(): boolean {
    return this.handle !== null;
  }
}
