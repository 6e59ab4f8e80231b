import { createServer, type Server } from 'node:http';
import type { Page } from 'playwright-core';
import type { StatEntry } from '../e2e/helpers/rtc-probe.js';

/**
 * A bare WebRTC pop-in between two Chromium pages, with no Invigil code: the floor the
 * product's live view is compared with. The "student" page captures its fake camera,
 * microphone and screen; the "proctor" page offers three receive-only sections (webcam,
 * screen, microphone, as the product does) and the bench relays the offer, answer and
 * trickled candidates between the pages, as the server's WebSocket relay would.
 */

/** A blank page on loopback (a secure context, so getUserMedia works). */
export async function blankPageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>rtc bench</title><body></body>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** What one raw pop-in measured. */
export interface RawRun {
  /** ms from the proctor creating its peer connection to the first decoded webcam frame. */
  firstFrameMs: number;
  /** The selected candidate pair's local and remote candidate types, e.g. `relay/relay`. */
  pair: string;
}

/** What the bench relays between the pages. */
type BenchSignal =
  { kind: 'offer' | 'answer'; sdp: string } | { kind: 'candidate'; candidate: RTCIceCandidateInit };

type Bridge = Window & {
  __bench: {
    pc?: RTCPeerConnection;
    media?: MediaStream[];
    /** Signals are handled one after another, in the order they were sent. */
    queue?: Promise<void>;
    onSignal(s: BenchSignal): Promise<void>;
  };
  benchSignal(s: unknown): void;
};

/** Capture once in the student page (camera + microphone + screen), kept for every run. */
export async function prepareStudent(student: Page): Promise<void> {
  await student.evaluate(async () => {
    const w = window as unknown as Bridge;
    const cam = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    w.__bench = { media: [cam, screen], onSignal: async () => {} };
  });
}

/** One pop-in with the given RTCConfiguration; closes both peer connections after. */
export async function rawPopIn(
  student: Page,
  proctor: Page,
  config: RTCConfiguration,
  timeoutMs = 30_000,
): Promise<RawRun> {
  // Signals go page → Node (exposed function) → other page (evaluate), in order.
  const forward = (to: Page) => (signal: unknown) => {
    void to
      .evaluate((s) => {
        const bench = (window as unknown as Bridge).__bench;
        bench.queue = (bench.queue ?? Promise.resolve())
          .then(() => bench.onSignal(s as BenchSignal))
          .catch((error) => console.error('bench signal', error));
      }, signal)
      .catch(() => {});
  };
  await ensureExposed(student, forward(proctor));
  await ensureExposed(proctor, forward(student));

  await student.evaluate((cfg) => {
    const w = window as unknown as Bridge;
    const [cam, screen] = w.__bench.media!;
    let pc: RTCPeerConnection | undefined;
    w.__bench.onSignal = async (s: BenchSignal) => {
      if (s.kind === 'offer') {
        pc = new RTCPeerConnection(cfg);
        w.__bench.pc = pc;
        pc.onicecandidate = (e) =>
          e.candidate && w.benchSignal({ kind: 'candidate', candidate: e.candidate.toJSON() });
        await pc.setRemoteDescription({ type: 'offer', sdp: s.sdp });
        const tracks = [
          cam!.getVideoTracks()[0],
          screen!.getVideoTracks()[0],
          cam!.getAudioTracks()[0],
        ];
        pc.getTransceivers().forEach((t, i) => {
          t.direction = 'sendonly';
          void t.sender.replaceTrack(tracks[i] ?? null);
        });
        await pc.setLocalDescription(await pc.createAnswer());
        w.benchSignal({ kind: 'answer', sdp: pc.localDescription!.sdp });
      } else if (s.kind === 'candidate') await pc?.addIceCandidate(s.candidate);
    };
  }, config);

  return proctor
    .evaluate(
      async ({ cfg, timeout }) => {
        const w = window as unknown as Bridge;
        const started = performance.now();
        const pc = new RTCPeerConnection(cfg);
        w.__bench = { pc, onSignal: async () => {} };
        const webcam = pc.addTransceiver('video', { direction: 'recvonly' });
        pc.addTransceiver('video', { direction: 'recvonly' });
        pc.addTransceiver('audio', { direction: 'recvonly' });
        w.__bench.onSignal = async (s: BenchSignal) => {
          if (s.kind === 'answer') await pc.setRemoteDescription({ type: 'answer', sdp: s.sdp });
          else if (s.kind === 'candidate') await pc.addIceCandidate(s.candidate);
        };
        pc.onicecandidate = (e) =>
          e.candidate && w.benchSignal({ kind: 'candidate', candidate: e.candidate.toJSON() });
        const video = document.createElement('video');
        video.muted = true;
        video.srcObject = new MediaStream([webcam.receiver.track]);
        document.body.append(video);
        const firstFrame = new Promise<number>((resolve, reject) => {
          video.requestVideoFrameCallback(() => resolve(performance.now() - started));
          setTimeout(() => reject(new Error(`no frame in ${timeout} ms`)), timeout);
        });
        void video.play();
        await pc.setLocalDescription(await pc.createOffer());
        w.benchSignal({ kind: 'offer', sdp: pc.localDescription!.sdp });
        const firstFrameMs = await firstFrame;
        let pair = '?';
        const stats = new Map<string, StatEntry>();
        (await pc.getStats()).forEach((r: StatEntry) => stats.set(r.id, r));
        stats.forEach((r) => {
          if (r.type === 'transport' && r.selectedCandidatePairId) {
            const p = stats.get(r.selectedCandidatePairId);
            const local = stats.get(p?.localCandidateId ?? '')?.candidateType;
            pair = `${local}/${stats.get(p?.remoteCandidateId ?? '')?.candidateType}`;
          }
        });
        video.remove();
        pc.close();
        return { firstFrameMs, pair };
      },
      { cfg: config, timeout: timeoutMs },
    )
    .finally(() =>
      student.evaluate(() => (window as unknown as Bridge).__bench.pc?.close()).catch(() => {}),
    );
}

const exposed = new WeakSet<Page>();
async function ensureExposed(page: Page, fn: (s: unknown) => void): Promise<void> {
  // exposeFunction can be called once per name; the handler reads the current target.
  handlers.set(page, fn);
  if (exposed.has(page)) return;
  exposed.add(page);
  await page.exposeFunction('benchSignal', (s: unknown) => handlers.get(page)?.(s));
}
const handlers = new WeakMap<Page, (s: unknown) => void>();
