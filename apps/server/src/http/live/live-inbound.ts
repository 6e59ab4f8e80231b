import type { RawData } from 'ws';
import { type ErrorCode, LiveClientMessage, type LiveMessage } from '@invigil/contracts';
import type { Clock } from '../../ports/clock.port.js';
import {
  RtcRefusal,
  type RtcPeer,
  type RtcSignalling,
} from '../../services/live/rtc-signalling.js';
import { iso } from '../../services/sessions/time.js';
import { WindowCounter } from '../../services/live/window-counter.js';

/** Limits on what a browser may send up its live socket. */
export interface InboundOptions {
  /** Largest text frame taken (an SDP offer is a few KB; the contract allows 100 000 chars). */
  maxFrameBytes: number;
  /** Messages a socket may send per window; beyond it they are refused. */
  messagesPerWindow: number;
  windowMs: number;
  /** Refusals of one socket audited per window; the rest are answered but not logged. */
  auditedRefusalsPerWindow: number;
}

/** Defaults: 128 KiB frames, 200 messages per 10 s (ICE candidates come in bursts), 5 audits. */
export const INBOUND_DEFAULTS: InboundOptions = {
  maxFrameBytes: 128 * 1024,
  messagesPerWindow: 200,
  windowMs: 10_000,
  auditedRefusalsPerWindow: 5,
};

/** The socket side the inbound handler needs: who it is and how to answer it. */
export interface InboundSocket {
  readonly peer: RtcPeer;
  send(message: LiveMessage): void;
  /** Set once a message of this socket was accepted (it may own links now). */
  signalled: boolean;
}

/**
 * Reads a socket's incoming frames: a text frame within the size limit, JSON, a valid
 * `LiveClientMessage`, within the socket's rate, then authorised and carried out by
 * signalling. Any refusal is answered with `rtc.error` to that socket only (id 0), and
 * audited as `rtc.signal_refused` a few times per window at most; the socket stays open.
 * A socket's messages are handled one after the other, so an offer is relayed before the
 * candidates that follow it.
 */
export interface Inbound {
  /** Take one frame of the socket (the `message` listener). */
  receive(data: RawData, isBinary: boolean): void;
  /**
   * The socket closed: messages not yet started are dropped, and the promise settles once the
   * one being handled is done. Presence must wait for it: a message still in flight may claim
   * a link for this socket, and a claim after the release would keep a dead socket owning it.
   */
  closed(): Promise<void>;
}

/** The handler of one socket's incoming frames (see `Inbound`). */
export function inboundHandler(
  conn: InboundSocket,
  deps: {
    signalling: RtcSignalling;
    clock: Clock;
    options: InboundOptions;
    onError: (err: unknown) => void;
  },
): Inbound {
  const { options, clock, signalling } = deps;
  const rate = new WindowCounter(options.messagesPerWindow, options.windowMs);
  const audits = new WindowCounter(options.auditedRefusalsPerWindow, options.windowMs);
  let queue: Promise<void> = Promise.resolve();
  let open = true;

  const refuse = (refusal: RtcRefusal, type: string | null) => {
    conn.send({
      id: 0,
      examId: conn.peer.examId,
      sessionId: conn.peer.sessionId,
      at: iso(clock.now()),
      topic: 'rtc.error',
      data: { linkId: refusal.linkId, code: refusal.code, message: refusal.message },
    });
    if (audits.take(clock.now().getTime())) {
      signalling.audit(conn.peer, refusal, type).catch(deps.onError);
    }
  };
  const invalid = (code: ErrorCode, message: string) => new RtcRefusal(code, message, null);

  const receive = (data: RawData, isBinary: boolean) => {
    if (!rate.take(clock.now().getTime())) {
      refuse(invalid('RATE_LIMITED', 'Too many messages; slow down'), null);
      return;
    }
    const bytes = Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : (data as Buffer | ArrayBuffer).byteLength;
    if (isBinary) {
      refuse(invalid('VALIDATION_FAILED', 'Send JSON text frames only'), null);
      return;
    }
    if (bytes > options.maxFrameBytes) {
      refuse(
        invalid('VALIDATION_FAILED', `Messages are limited to ${options.maxFrameBytes} bytes`),
        null,
      );
      return;
    }
    let json: unknown;
    try {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString();
      json = JSON.parse(text);
    } catch {
      refuse(invalid('VALIDATION_FAILED', 'Messages must be JSON'), null);
      return;
    }
    const parsed = LiveClientMessage.safeParse(json);
    if (!parsed.success) {
      const type =
        typeof (json as { type?: unknown })?.type === 'string'
          ? (json as { type: string }).type
          : null;
      const first = parsed.error.issues[0];
      const where = first?.path.join('.') || 'message';
      refuse(
        invalid('VALIDATION_FAILED', `Invalid message (${where}: ${first?.message ?? 'invalid'})`),
        type?.slice(0, 40) ?? null,
      );
      return;
    }
    const msg = parsed.data;
    queue = queue.then(async () => {
      if (!open) return;
      try {
        await signalling.handle(conn.peer, msg);
        conn.signalled = true;
      } catch (err) {
        if (err instanceof RtcRefusal) refuse(err, msg.type);
        else {
          deps.onError(err);
          refuse(
            new RtcRefusal('INTERNAL', 'The server could not handle this message', msg.linkId),
            msg.type,
          );
        }
      }
    });
  };
  return {
    receive,
    closed() {
      open = false;
      return queue;
    },
  };
}
