import type {
  IceServersResponse,
  LiveMessage,
  OpenRtcBody,
  RtcLink,
  RtcTrackRole,
} from '@invigil/contracts';
import type { LiveClientOptions, LiveStatus } from '../live/live-client';
import type { PeerEnvironment, PeerStatus } from './peer-support';
import { ProctorPeer } from './proctor-peer';
import { CONNECT_TIMEOUT_MS, rtcConfiguration } from './rtc-config';
import { endedText, rtcCodeText, rtcProblemText, type ViewPhase } from './rtc-text';

/** What the proctor's live view panel shows. */
export interface LiveViewState {
  phase: ViewPhase;
  link: RtcLink | null;
  /** Why it failed, ended or was refused (null while all is well). */
  message: string | null;
  /** The student's tracks by role (muted until media flows). */
  remote: Partial<Record<RtcTrackRole, MediaStreamTrack>>;
  /** A call's own microphone and camera (null in a view). */
  local: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null } | null;
}

/** A live socket as the controller uses it (LiveClient; a fake in tests). */
export interface SignallingClient {
  start(): void;
  stop(): void;
  send: ProctorPeerSend;
}
type ProctorPeerSend = ConstructorParameters<typeof ProctorPeer>[0]['send'];

/** What the controller needs from the page (fakes in tests). */
export interface LiveViewDeps {
  api: {
    open(sessionId: string, body: OpenRtcBody): Promise<RtcLink>;
    end(linkId: string): Promise<RtcLink>;
    links(sessionId: string): Promise<RtcLink[]>;
    iceServers(sessionId: string): Promise<IceServersResponse>;
  };
  createClient(options: LiveClientOptions): SignallingClient;
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  env?: Partial<PeerEnvironment>;
  relay?: boolean;
}

/**
 * One live view or call of one session, from the proctor's page (framework-free): opens
 * the link, takes fresh ICE servers, opens its OWN live socket for the exam (closing it
 * ends the link on the server, so a closed tab leaves nothing behind), starts the peer once
 * the socket is ready (a call: once the student accepted), and follows the link's state.
 * `dispose()` hangs up, closes the socket and releases the proctor's own microphone and
 * camera; it never touches anything of the student's.
 */
export class LiveViewController {
  private state: LiveViewState = {
    phase: 'opening',
    link: null,
    message: null,
    remote: {},
    local: null,
  };
  private readonly listeners = new Set<() => void>();
  private client: SignallingClient | null = null;
  private peer: ProctorPeer | null = null;
  private ice: IceServersResponse | null = null;
  private localStream: MediaStream | null = null;
  private socketLiveBefore = false;
  private disposed = false;
  private ending: Promise<void> | null = null;

  constructor(
    private readonly target: { sessionId: string; examId: string },
    private readonly deps: LiveViewDeps,
  ) {}

  /** The state now (a new object after each change). */
  getState(): LiveViewState {
    return this.state;
  }

  /** Calls `listener` after each change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens the link (a call first takes the proctor's microphone, and camera if asked). */
  async open(body: OpenRtcBody): Promise<void> {
    if (body.kind === 'call') {
      try {
        this.localStream = await this.deps.getUserMedia({
          audio: { echoCancellation: true, noiseSuppression: true },
          video: body.camera ? { width: { ideal: 640 }, height: { ideal: 480 } } : false,
        });
      } catch (error) {
        this.set({
          phase: 'refused',
          message: `Your microphone${body.camera ? ' or camera' : ''} could not be used: ${rtcProblemText(error)}`,
        });
        return;
      }
      if (this.disposed) return this.releaseLocal();
      this.set({
        local: {
          audio: this.localStream.getAudioTracks()[0] ?? null,
          video: this.localStream.getVideoTracks()[0] ?? null,
        },
      });
    }
    // Asked at the same time as the link is opened: one round trip fewer before the offer.
    const ice = this.deps.api
      .iceServers(this.target.sessionId)
      .catch((): IceServersResponse => ({ iceServers: [], expiresAt: null }));
    let link: RtcLink;
    try {
      link = await this.deps.api.open(this.target.sessionId, body);
    } catch (error) {
      this.releaseLocal();
      this.set({ phase: 'refused', message: rtcProblemText(error) });
      return;
    }
    this.set({ link, phase: link.state === 'ringing' ? 'ringing' : 'connecting' });
    // Closed while the request was under way: end the link at once, it would hold a seat.
    if (this.disposed) return void this.endLink();
    this.ice = await ice;
    if (this.disposed) return;
    this.client = this.deps.createClient({
      scope: { examId: this.target.examId },
      since: null,
      onMessage: (message) => this.onMessage(message),
      onResync: () => void this.syncLink(),
      onStatus: (status) => this.onSocket(status),
    });
    this.client.start();
  }

  /** Hangs up: ends the link on the server and closes everything here. */
  async end(): Promise<void> {
    await this.dispose();
  }

  /** Closes the peer and the socket, ends the link and releases the proctor's own tracks. */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.peer?.close();
      this.client?.stop();
      this.releaseLocal();
      this.ending = this.endLink();
      this.listeners.clear();
    }
    return this.ending ?? Promise.resolve();
  }

  private async endLink(): Promise<void> {
    const link = this.state.link;
    if (!link || link.state === 'ended') return;
    await this.deps.api.end(link.id).then(
      () => undefined,
      () => undefined, // already ended, or offline: the closed socket ends it on the server
    );
  }

  private onSocket(status: LiveStatus): void {
    if (status !== 'live' || this.disposed) return;
    // Claim the link at once, so closing this tab ends it even while a call still rings.
    this.claim();
    const first = !this.socketLiveBefore;
    this.socketLiveBefore = true;
    // Whatever happened while the socket was not ready (accepted? ended?), then go on.
    void this.syncLink().then(() => {
      if (first) this.maybeStart();
      else void this.peer?.signallingBack();
    });
  }

  /**
   * Make this socket the link's owner (a state report does it): the server ends the link
   * when its owner's socket closes, and lets a reconnected socket of ours take it back.
   */
  private claim(): void {
    const link = this.state.link;
    if (!link || link.state === 'ended') return;
    this.client?.send({ type: 'rtc.state', linkId: link.id, state: 'connecting' });
  }

  private async syncLink(): Promise<void> {
    const link = this.state.link;
    if (!link) return;
    const links = await this.deps.api.links(this.target.sessionId).catch(() => null);
    if (!links || this.disposed) return;
    const fresh = links.find((l) => l.id === link.id);
    // Not among the open links any more: it ended meanwhile (the next rtc.link says why).
    this.onLink(fresh ?? { ...link, state: 'ended', endReason: link.endReason ?? 'timeout' });
  }

  private onMessage(message: LiveMessage): void {
    if (this.disposed) return;
    const id = this.state.link?.id;
    if (!id) return;
    if (message.topic === 'rtc.link' && message.data.id === id) this.onLink(message.data);
    else if (message.topic === 'rtc.signal' && message.data.linkId === id) {
      void this.peer?.receive(message.data);
    } else if (message.topic === 'rtc.error' && (message.data.linkId ?? id) === id) {
      this.peer?.close();
      this.set({ phase: 'failed', message: rtcCodeText(message.data.code, message.data.message) });
    }
  }

  private onLink(link: RtcLink): void {
    if (link.state === 'ended') {
      this.peer?.close();
      this.client?.stop();
      this.releaseLocal();
      const failed = this.state.phase === 'failed';
      this.set({
        link,
        phase: failed ? 'failed' : 'ended',
        message: failed ? this.state.message : endedText(link),
      });
      return;
    }
    this.set({
      link,
      phase: this.peer ? this.state.phase : link.state === 'ringing' ? 'ringing' : 'connecting',
    });
    this.maybeStart();
  }

  /** Starts the peer once the socket is ready and the link is past ringing. */
  private maybeStart(): void {
    const link = this.state.link;
    if (this.peer || this.disposed || !link || !this.client || !this.socketLiveBefore) return;
    if (link.state === 'ringing' || link.state === 'ended') return;
    const peer = new ProctorPeer({
      linkId: link.id,
      kind: link.kind,
      config: rtcConfiguration(this.ice?.iceServers ?? [], this.deps.relay),
      // The server's own limit, so both sides give up together.
      connectTimeoutMs: this.ice?.connectTimeoutSeconds
        ? this.ice.connectTimeoutSeconds * 1000
        : CONNECT_TIMEOUT_MS,
      local: this.state.local ?? undefined,
      send: (message) => this.client?.send(message) ?? false,
      env: this.deps.env,
      onStatus: (status) => this.onPeer(status),
      onTrack: (role, track) => this.set({ remote: { ...this.state.remote, [role]: track } }),
    });
    this.peer = peer;
    void peer.start();
  }

  private onPeer(status: PeerStatus): void {
    if (status.state === 'closed' || this.state.phase === 'ended') return;
    this.set({ phase: status.state, message: status.reason });
  }

  private releaseLocal(): void {
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    this.localStream = null;
  }

  private set(patch: Partial<LiveViewState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
