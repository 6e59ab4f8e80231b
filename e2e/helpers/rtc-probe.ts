import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Test-side instruments for WebRTC in a page, with no hook in the product: every
 * RTCPeerConnection the page creates is remembered (with the configuration it was given), so
 * a test can read its stats — the selected candidate pair, media received — the way
 * chrome://webrtc-internals would.
 */

/** The fields of RTCStats entries read here (the DOM typings leave them untyped). */
export interface StatEntry {
  id: string;
  type: string;
  kind?: string;
  selectedCandidatePairId?: string;
  localCandidateId?: string;
  remoteCandidateId?: string;
  candidateType?: string;
  relayProtocol?: string;
  protocol?: string;
  packetsReceived?: number;
  packetsSent?: number;
  totalSamplesReceived?: number;
  totalAudioEnergy?: number;
  framesDecoded?: number;
}

type Probed = Window & {
  __rtcProbe: {
    pcs: RTCPeerConnection[];
    configs: RTCConfiguration[];
    /** Epoch ms of each connection's creation and first `connected` state. */
    times: { createdAt: number; connectedAt: number | null }[];
  };
};

/** Record each peer connection the context's pages create (call before the page loads). */
export async function instrumentPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as Probed;
    const Original = window.RTCPeerConnection;
    w.__rtcProbe = { pcs: [], configs: [], times: [] };
    class Recorded extends Original {
      constructor(config?: RTCConfiguration) {
        super(config);
        const times = { createdAt: Date.now(), connectedAt: null as number | null };
        w.__rtcProbe.pcs.push(this);
        w.__rtcProbe.configs.push(config ?? {});
        w.__rtcProbe.times.push(times);
        this.addEventListener('connectionstatechange', () => {
          if (this.connectionState === 'connected') times.connectedAt ??= Date.now();
        });
      }
    }
    window.RTCPeerConnection = Recorded;
  });
}

/** What one open peer connection is doing, from its stats. */
export interface PeerReport {
  connectionState: RTCPeerConnectionState;
  /** Candidate types of the selected pair, local/remote, e.g. `relay/relay`; null if none. */
  pair: string | null;
  /** Transport protocol of the local candidate of the selected pair (udp/tcp). */
  protocol: string | null;
  iceTransportPolicy: string | null;
  /** URLs of the ICE servers it was given. */
  iceUrls: string[];
  /** Per received track kind: packets received so far. */
  packetsIn: { audio: number; video: number };
  /** Per sent track kind: packets sent so far. */
  packetsOut: { audio: number; video: number };
  /** Audio samples received (the remote voice actually arriving). */
  audioSamplesIn: number;
  /** Energy of the received audio so far (above 0: not silence). */
  audioEnergyIn: number;
  /** Video frames decoded from the peer. */
  framesDecoded: number;
}

/** Epoch ms when the page's newest peer connection was created and first connected. */
export async function newestPeerTimes(
  page: Page,
): Promise<{ createdAt: number; connectedAt: number | null } | null> {
  return page.evaluate(() => (window as unknown as Probed).__rtcProbe?.times.at(-1) ?? null);
}

/** Reports of the page's peer connections that are not closed, newest last. */
export async function peerReports(page: Page): Promise<PeerReport[]> {
  return page.evaluate(async () => {
    const probe = (window as unknown as Probed).__rtcProbe;
    if (!probe) return [];
    const reports: PeerReport[] = [];
    for (const [i, pc] of probe.pcs.entries()) {
      if (pc.connectionState === 'closed') continue;
      const stats = new Map<string, StatEntry>();
      (await pc.getStats()).forEach((r: StatEntry) => stats.set(r.id, r));
      const report: PeerReport = {
        connectionState: pc.connectionState,
        pair: null,
        protocol: null,
        iceTransportPolicy: probe.configs[i]?.iceTransportPolicy ?? null,
        iceUrls: (probe.configs[i]?.iceServers ?? []).flatMap((s) =>
          Array.isArray(s.urls) ? s.urls : [s.urls],
        ),
        packetsIn: { audio: 0, video: 0 },
        packetsOut: { audio: 0, video: 0 },
        audioSamplesIn: 0,
        audioEnergyIn: 0,
        framesDecoded: 0,
      };
      stats.forEach((r) => {
        if (r.type === 'transport' && r.selectedCandidatePairId) {
          const pair = stats.get(r.selectedCandidatePairId);
          const local = stats.get(pair?.localCandidateId ?? '');
          const remote = stats.get(pair?.remoteCandidateId ?? '');
          if (local && remote) {
            report.pair = `${local.candidateType}/${remote.candidateType}`;
            report.protocol = local.relayProtocol ?? local.protocol ?? null;
          }
        }
        if (r.type === 'inbound-rtp' && (r.kind === 'audio' || r.kind === 'video')) {
          report.packetsIn[r.kind as 'audio' | 'video'] += r.packetsReceived ?? 0;
          if (r.kind === 'audio') {
            report.audioSamplesIn += r.totalSamplesReceived ?? 0;
            report.audioEnergyIn += r.totalAudioEnergy ?? 0;
          }
          if (r.kind === 'video') report.framesDecoded += r.framesDecoded ?? 0;
        }
        if (r.type === 'outbound-rtp' && (r.kind === 'audio' || r.kind === 'video')) {
          report.packetsOut[r.kind as 'audio' | 'video'] += r.packetsSent ?? 0;
        }
      });
      reports.push(report);
    }
    return reports;
  });
}

/** Frames a <video> has presented so far (getVideoPlaybackQuality), 0 before it plays. */
export async function videoFrames(video: Locator): Promise<number> {
  return video.evaluate((v) => (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
}

/**
 * Waits until the video has shown at least one frame and then shows more: frames keep
 * arriving, not one stale picture. Returns the counts seen (for the log).
 */
export async function expectFramesFlowing(
  video: Locator,
  label: string,
  timeoutMs = 60_000,
): Promise<{ first: number; later: number }> {
  await expect
    .poll(() => videoFrames(video), { timeout: timeoutMs, message: label })
    .toBeGreaterThan(0);
  const first = await videoFrames(video);
  await expect
    .poll(() => videoFrames(video), { timeout: timeoutMs, message: `${label} keeps playing` })
    .toBeGreaterThan(first);
  return { first, later: await videoFrames(video) };
}

/** The proctor's newest open peer connection once it has a selected candidate pair. */
export async function connectedPeer(page: Page, timeoutMs = 60_000): Promise<PeerReport> {
  let last: PeerReport | undefined;
  await expect
    .poll(
      async () => {
        last = (await peerReports(page)).filter((r) => r.pair !== null).at(-1);
        return last?.connectionState;
      },
      { timeout: timeoutMs, message: 'a connected peer connection' },
    )
    .toBe('connected');
  return last!;
}

type FirstFrames = Window & { __firstFrames: { at: number; label: string }[]; __clickAt: number };

/**
 * Note, in epoch ms (the same clock as Node's on this machine), the last click and the first presented frame of every <video> the
 * page adds (requestVideoFrameCallback), so a benchmark measures click → first frame
 * without racing the page. `label` is the video's aria-label, title or data-track.
 */
export async function recordFirstFrames(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as FirstFrames;
    w.__firstFrames = [];
    w.__clickAt = 0;
    document.addEventListener('click', () => (w.__clickAt = Date.now()), true);
    const watch = (v: HTMLVideoElement) => {
      if (v.dataset.probed) return;
      v.dataset.probed = '1';
      v.requestVideoFrameCallback((now) => {
        const label = [v.getAttribute('aria-label'), v.title, v.dataset.track, v.dataset.role]
          .filter(Boolean)
          .join(' ');
        w.__firstFrames.push({ at: performance.timeOrigin + now, label });
      });
    };
    new MutationObserver(() => document.querySelectorAll('video').forEach(watch)).observe(
      document,
      { childList: true, subtree: true },
    );
  });
}

/** Forget the frames and click noted so far (before the next measured pop-in). */
export async function resetFirstFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as FirstFrames;
    w.__firstFrames = [];
    w.__clickAt = 0;
  });
}

/**
 * Epoch ms of the last click and of the first frame of a video whose label matches, once
 * there is one.
 */
export async function clickAndFirstFrame(
  page: Page,
  label: RegExp,
  timeoutMs = 60_000,
): Promise<{ clickAt: number; frameAt: number }> {
  const handle = await page.waitForFunction(
    (source) => {
      const w = window as unknown as FirstFrames;
      const re = new RegExp(source, 'i');
      // Only frames after the click: the page may hold other videos (a recording player).
      const hit = w.__firstFrames.find((f) => re.test(f.label) && f.at >= w.__clickAt);
      return hit && w.__clickAt ? { clickAt: w.__clickAt, frameAt: hit.at } : null;
    },
    label.source,
    { timeout: timeoutMs, polling: 50 },
  );
  return (await handle.jsonValue()) as { clickAt: number; frameAt: number };
}

type Traced = Window & { __signalMarks: Record<string, number> };

/**
 * Note, in epoch ms, when the page first sends and first receives an SDP offer and answer on
 * any WebSocket (keys `sent:offer`, `received:answer`, …), for a benchmark's breakdown.
 */
export async function traceSignals(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as Traced;
    w.__signalMarks = {};
    const note = (dir: string, data: unknown) => {
      if (typeof data !== 'string') return;
      const kind = /"kind":"(offer|answer)"/.exec(data)?.[1];
      if (kind) w.__signalMarks[`${dir}:${kind}`] ??= Date.now();
    };
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      note('sent', data);
      return send.call(this, data);
    };
    const Original = window.WebSocket;
    class Noted extends Original {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e) => note('received', e.data));
      }
    }
    window.WebSocket = Noted;
  });
}

/** The marks noted since the last call, which clears them. */
export async function takeSignalMarks(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const w = window as unknown as Traced;
    const marks = w.__signalMarks;
    w.__signalMarks = {};
    return marks;
  });
}
