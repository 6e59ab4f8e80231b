import type { IceServersResponse, LiveMessage, RtcLink, RtcSignalRelay } from '@invigil/contracts';
import type { LiveTracks } from '../capture/capture-session';
import type { PeerEnvironment, PeerStatus, SignalSender } from './peer-support';
import { rtcConfiguration } from './rtc-config';
import { studentEndedNotice } from './rtc-text';
import { StudentPeer, type ProctorRole } from './student-peer';

/** The proctor's voice and camera in a call (null until they arrive). */
export interface ProctorMedia {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

/** What the student's page shows of live views and calls. */
export interface StudentLiveState {
  /** Open links (not ended), oldest first. */
  links: RtcLink[];
  /** This side's connection per link id (absent before the first offer). */
  peers: Readonly<Record<string, PeerStatus>>;
  /** The proctor's media per call link id. */
  media: Readonly<Record<string, ProctorMedia>>;
  /** A call or answer the server refused, in words (null when none). */
  problem: string | null;
  /** Why the last view or call ended when it failed or timed out, in words (null: none). */
  notice: string | null;
}

/** What the responder needs: the page's channel and capture, and the API (fakes in tests). */
export interface StudentResponderDeps {
  send: SignalSender;
  tracks(): LiveTracks;
  iceServers(): Promise<IceServersResponse>;
  links(): Promise<RtcLink[]>;
  env?: Partial<PeerEnvironment>;
  relay?: boolean;
}

/** Nothing open, nothing to say. */
export const NO_LINKS: StudentLiveState = {
  links: [],
  peers: {},
  media: {},
  problem: null,
  notice: null,
};

/**
 * The student's page side of every live link of its session (framework-free): it follows the
 * links (GET on load, then `rtc.link` on the page's one live channel), answers a view's
 * offers at once and a call's once the student accepted, and keeps what arrives before it
 * can answer (signals for a link not yet known, or a call still ringing) in order until then.
 */
export class StudentResponder {
  private state: StudentLiveState = NO_LINKS;
  private readonly links = new Map<string, RtcLink>();
  /**
   * Links known to have ended: a late GET answer or replayed history still listing one as
   * open must not bring it back.
   */
  private readonly ended = new Set<string>();
  private readonly accepted = new Set<string>();
  private readonly peers = new Map<string, StudentPeer>();
  /** Signals waiting for their link to be known, accepted, or its peer to be built. */
  private readonly backlog = new Map<string, RtcSignalRelay[]>();
  private readonly building = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(private readonly deps: StudentResponderDeps) {}

  /** The state now (a new object after each change). */
  getState(): StudentLiveState {
    return this.state;
  }

  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Learns the open links from the server (on page load: a reload during a view). */
  async load(): Promise<void> {
    const links = await this.deps.links().catch(() => null);
    for (const link of links ?? []) this.upsert(link);
  }

  /** Handles a message of the page's live channel (other topics are ignored). */
  handle(message: LiveMessage): void {
    if (this.disposed) return;
    if (message.topic === 'rtc.link') this.upsert(message.data);
    else if (message.topic === 'rtc.signal') this.signal(message.data);
    else if (message.topic === 'rtc.error') this.publish({ problem: message.data.message });
  }

  /** The student takes a ringing call. */
  accept(linkId: string): boolean {
    if (!this.deps.send({ type: 'rtc.accept', linkId })) {
      this.publish({ problem: 'Not connected to the server: try again in a moment.' });
      return false;
    }
    this.accepted.add(linkId);
    this.publish({ problem: null });
    this.drain(linkId);
    return true;
  }

  /** The student declines a ringing call, or hangs up a call (where the policy lets them). */
  decline(linkId: string): boolean {
    const link = this.links.get(linkId);
    const type = link?.state === 'ringing' ? 'rtc.decline' : 'rtc.end';
    if (!this.deps.send({ type, linkId })) {
      this.publish({ problem: 'Not connected to the server: try again in a moment.' });
      return false;
    }
    return true;
  }

  /** The student read the notice of a failed link. */
  dismissNotice(): void {
    this.publish({ notice: null });
  }

  /** The capture's streams were replaced: every open link sends the new tracks. */
  refreshTracks(): void {
    for (const peer of this.peers.values()) void peer.refreshTracks();
  }

  /** Closes every connection (the captured tracks keep running). */
  dispose(): void {
    this.disposed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.backlog.clear();
    this.listeners.clear();
  }

  private upsert(link: RtcLink): void {
    // Replayed history or a late GET can repeat an older state; an ended link stays ended.
    if (this.ended.has(link.id)) return;
    if (link.state === 'ended') {
      const known = this.links.get(link.id);
      this.ended.add(link.id);
      this.links.delete(link.id);
      this.accepted.delete(link.id);
      this.backlog.delete(link.id);
      this.peers.get(link.id)?.close();
      this.peers.delete(link.id);
      const { [link.id]: _p, ...peers } = this.state.peers;
      const { [link.id]: _m, ...media } = this.state.media;
      const notice = studentEndedNotice(link, known?.state === 'ringing');
      this.publish({ peers, media, ...(notice !== null && { notice }) });
      return;
    }
    const fresh = !this.links.has(link.id);
    this.links.set(link.id, link);
    // Warm the (cached) ICE servers now, so the offer is answered without waiting for them.
    if (fresh) void this.deps.iceServers().catch(() => undefined);
    // A new link makes an old failure's notice stale.
    this.publish(fresh ? { notice: null } : {});
    this.drain(link.id);
  }

  private signal(relay: RtcSignalRelay): void {
    if (relay.from !== 'proctor') return;
    const peer = this.peers.get(relay.linkId);
    if (peer) {
      void peer.receive(relay);
      return;
    }
    const queue = this.backlog.get(relay.linkId) ?? [];
    queue.push(relay);
    this.backlog.set(relay.linkId, queue);
    if (!this.links.has(relay.linkId)) void this.load().then(() => this.drain(relay.linkId));
    else this.drain(relay.linkId);
  }

  /** May this link be answered now? Views at once; calls once accepted (or past ringing). */
  private answerable(link: RtcLink): boolean {
    return link.kind === 'view' || link.state !== 'ringing' || this.accepted.has(link.id);
  }

  /** Builds the link's peer (fresh ICE servers) and hands it what waited, in order. */
  private drain(linkId: string): void {
    const link = this.links.get(linkId);
    const queue = this.backlog.get(linkId);
    if (!link || !queue?.length || !this.answerable(link) || this.building.has(linkId)) return;
    if (this.peers.has(linkId)) return;
    this.building.add(linkId);
    void this.deps
      .iceServers()
      .catch(() => ({ iceServers: [], expiresAt: null }))
      .then((ice) => {
        this.building.delete(linkId);
        if (this.disposed || !this.links.has(linkId)) return;
        const peer = new StudentPeer({
          linkId,
          kind: link.kind,
          config: rtcConfiguration(ice.iceServers, this.deps.relay),
          tracks: () => this.deps.tracks(),
          send: this.deps.send,
          env: this.deps.env,
          onStatus: (status) => this.publish({ peers: { ...this.state.peers, [linkId]: status } }),
          onRemoteTrack: (role, track) => this.remote(linkId, role, track),
        });
        this.peers.set(linkId, peer);
        for (const relay of this.backlog.get(linkId)?.splice(0) ?? []) void peer.receive(relay);
        this.backlog.delete(linkId);
      });
  }

  private remote(linkId: string, role: ProctorRole, track: MediaStreamTrack): void {
    const current = this.state.media[linkId] ?? { audio: null, video: null };
    const next =
      role === 'proctorAudio' ? { ...current, audio: track } : { ...current, video: track };
    this.publish({ media: { ...this.state.media, [linkId]: next } });
  }

  private publish(patch: Partial<StudentLiveState>): void {
    const links = [...this.links.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    this.state = { ...this.state, ...patch, links };
    for (const listener of this.listeners) listener();
  }
}
