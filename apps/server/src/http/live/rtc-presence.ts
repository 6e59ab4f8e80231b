import type { Clock } from '../../ports/clock.port.js';
import type { RtcLinkService } from '../../services/live/rtc-links.service.js';
import type { LiveHub } from './live-hub.js';

/** A socket as link presence sees it. */
export interface PresenceSocket {
  readonly socketId: string;
  /** The student's session; null for a staff socket. */
  readonly sessionId: string | null;
  /** A message of this socket was accepted: it may own links. */
  readonly signalled: boolean;
}

/** Grace periods before a side that went away ends its links. */
export interface PresenceGrace {
  /** A student's page (a reload reconnects within it). */
  studentMs: number;
  /** A proctor's socket (a brief drop reconnects and re-claims within it). */
  ownerMs: number;
}

/**
 * Ends links whose side went away, as this process sees its sockets: a proctor socket that
 * owned links closes → they are released at once and end `viewer_left` after `ownerMs`
 * unless a new socket of the proctor re-claimed them; a student's last socket here closes →
 * after `studentMs` (a reload reconnects within it) the session's links end `student_left`
 * unless a socket of the student (here or in another process) refreshed them meanwhile.
 * Every heartbeat refreshes the links of the sockets still open, so the sweep can tell
 * links whose process died.
 */
export class RtcPresence {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly links: RtcLinkService,
    private readonly hub: LiveHub,
    private readonly clock: Clock,
    private readonly grace: PresenceGrace,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** A student's socket opened: their links are seen again (cancels a pending student_left). */
  opened(socket: PresenceSocket): void {
    if (socket.sessionId === null) return;
    this.links.touch([], [socket.sessionId]).catch(this.onError);
  }

  /** A socket closed (already removed from the hub). */
  closed(socket: PresenceSocket): void {
    if (socket.sessionId === null) {
      if (socket.signalled) this.ownerClosed(socket.socketId);
      return;
    }
    const sessionId = socket.sessionId;
    if (this.hub.studentSockets(sessionId).length > 0) return;
    const since = this.clock.now();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.hub.studentSockets(sessionId).length > 0) return;
      this.links.studentLeft(sessionId, since).catch(this.onError);
    }, this.grace.studentMs);
    this.keep(timer);
  }

  /** Release the closed socket's links now; end those nobody re-claimed after the grace. */
  private ownerClosed(socketId: string): void {
    void this.links
      .releaseOwner(socketId)
      .then((ids) => {
        if (ids.length === 0) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.links.ownerGone(ids).catch(this.onError);
        }, this.grace.ownerMs);
        this.keep(timer);
      })
      .catch(this.onError);
  }

  private keep(timer: NodeJS.Timeout): void {
    timer.unref();
    this.timers.add(timer);
  }

  /** Refresh the links of the sockets still open here (each heartbeat). */
  async heartbeat(sockets: Iterable<PresenceSocket>): Promise<void> {
    const owners: string[] = [];
    const sessions = new Set<string>();
    for (const s of sockets) {
      if (s.sessionId !== null) sessions.add(s.sessionId);
      else if (s.signalled) owners.push(s.socketId);
    }
    await this.links.touch(owners, [...sessions]);
  }

  /** Forget pending checks (shutdown): the sweep ends what is left after a restart. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
