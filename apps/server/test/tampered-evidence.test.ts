import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag, ProctoringPolicyInput } from '@invigil/contracts';
import type { NodeAnalysis } from '@invigil/detection/node';
import type { Detector } from '../src/ports/detector.port.js';
import { inProgress } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { oneFaceAnalysis } from './helpers/fake-analysis.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { putSegment, putSnapshot } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/** The flag types raised when evidence goes missing or cannot be used. */
const MISSING = ['recording_gap', 'detection_silent', 'snapshots_missing', 'snapshot_unreadable'];

/**
 * A Detector that decodes the JPEG itself: bytes it cannot decode are an
 * `UnreadableImageError` (as the real workers report), anything else one face. The server's
 * analysis, queue and rules around it are the real ones.
 */
class DecodingDetector implements Detector {
  async analyze(bytes: Uint8Array): Promise<NodeAnalysis> {
    try {
      jpeg.decode(bytes, { useTArray: true });
    } catch {
      const error = new Error('not a readable image');
      error.name = 'UnreadableImageError';
      throw error;
    }
    return oneFaceAnalysis('decoding');
  }
  async close(): Promise<void> {}
}

type Attempt = Awaited<ReturnType<typeof inProgress>>;

describe.each(requestEngines())('evidence a tampered client cannot hide, on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      // The watchdog's own timer does not run in tests: each test sweeps when it wants.
      { detection: { enabled: true, workers: 1, pollMs: 200 } },
      { detector: new DecodingDetector() },
    );
  });
  afterAll(async () => server?.close());

  const sweep = () => server.instance.evidence.sweep();
  const now = () => server.clock.now().getTime();

  /**
   * An honest browser's uploads, one step of `segmentSeconds` (6 s) at a time on the server's
   * clock: each step moves the clock and sends what is asked, with client times from the
   * attempt's start (an honest clock).
   */
  class Browser {
    private step = 0;
    private readonly seqs = { webcam: 0, screen: 0, snapshot: 0, event: 1 };
    constructor(
      readonly f: Attempt,
      readonly startMs: number,
    ) {}

    async run(
      steps: number,
      send: { webcam?: boolean; screen?: boolean; snapshot?: boolean; detect?: boolean },
    ): Promise<void> {
      for (let i = 0; i < steps; i++) {
        server.clock.advance(6000);
        const from = this.startMs + this.step * 6000;
        this.step += 1;
        for (const track of ['webcam', 'screen'] as const) {
          if (!send[track]) continue;
          await this.segment(track, from);
        }
        if (send.snapshot) {
          const seq = this.seqs.snapshot++;
          const shot = jpegBytes(`${this.f.sessionId} snapshot ${seq}`);
          const res = await putSnapshot(this.f.student, this.f.sessionId, 'webcam', seq, shot, {
            takenMs: from + 6000,
          });
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          if (send.detect) await this.detect(seq, from + 6000);
        }
      }
    }

    async segment(track: 'webcam' | 'screen', from: number) {
      const seq = this.seqs[track]++;
      const res = await putSegment(
        this.f.student,
        this.f.sessionId,
        track,
        seq,
        webmBytes(`${this.f.sessionId} ${track} ${seq}`),
        { startMs: from, endMs: from + 6000 },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }

    /** What the browser's detectors saw in snapshot `snapshotSeq`. */
    async detect(snapshotSeq: number, at: number, faces = 1) {
      const res = await this.f.student.post(`/api/sessions/${this.f.sessionId}/events`, {
        events: [
          {
            seq: this.seqs.event++,
            type: 'detect.snapshot',
            at,
            data: {
              snapshotSeq,
              faces,
              headTurned: false,
              phone: false,
              book: false,
              persons: 1,
              model: 'web-1',
            },
          },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  }

  async function start(policy: ProctoringPolicyInput = {}) {
    const f = await inProgress(server, policy);
    const session = (await f.proctor.get(`/api/sessions/${f.sessionId}`)).body;
    const startedMs = Date.parse(session.startedAt);
    return { f, startedMs, browser: new Browser(f, startedMs) };
  }

  const flagsOf = async (f: Attempt): Promise<Flag[]> => {
    const res = await f.proctor.get(`/api/sessions/${f.sessionId}/flags`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as Flag[];
  };
  const ofType = async (f: Attempt, type: string) =>
    (await flagsOf(f)).filter((flag) => flag.type === type);
  const serverEvents = async (f: Attempt, type: string) =>
    (await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body.filter(
      (e: any) => e.source === 'server' && e.type === type,
    );
  const manifest = async (f: Attempt) =>
    (await f.proctor.get(`/api/sessions/${f.sessionId}/recording`)).body;

  /**
   * Submit, let the browser's backlog settle on the server's clock, and sweep: a complete
   * recording is checked once uploads went quiet; an incomplete one only when the ingest grace
   * period is over (what is missing might still arrive until then).
   */
  async function submitAndSettle(f: Attempt, { complete = true } = {}) {
    const submitted = await f.move(f.student, 'submitted');
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect((await sweep()).settled).not.toContain(f.sessionId);
    server.clock.advance(31_000);
    if (!complete) {
      expect((await sweep()).settled).not.toContain(f.sessionId);
      server.clock.advance(server.instance.config.ingestGraceMs);
    }
    expect((await sweep()).settled).toContain(f.sessionId);
  }

  it('opens a recording gap when segments stop mid-exam, ends it when they resume, and keeps it for review', async () => {
    const { f, browser } = await start({ screen: false });
    await browser.run(5, { webcam: true, snapshot: true, detect: true });
    await sweep();
    expect(await ofType(f, 'recording_gap')).toEqual([]);
    const lastReceived = now();

    // The browser keeps sending snapshots and reports but no webcam segment for 24 s (> 3 × 6 s).
    await browser.run(4, { snapshot: true, detect: true });
    const swept = await sweep();
    expect(swept.changed).toContain(f.sessionId);
    const [open] = await ofType(f, 'recording_gap');
    expect(open).toMatchObject({ source: 'server', endMs: null, reviewStatus: 'open' });
    expect(open?.evidence.details).toMatchObject({
      subject: 'webcam',
      lastSeq: 4,
      thresholdMs: 18_000,
      toServerMs: null,
    });
    // It began when the last segment arrived, by the server's clock.
    const from = Number(open?.evidence.details?.fromServerMs);
    expect(from).toBeLessThanOrEqual(lastReceived);
    expect(from).toBeGreaterThan(lastReceived - 6000);
    expect(open?.startMs).toBe(from);
    expect(open?.message).toMatch(/Recording missing \(ongoing\)/);

    // Sweeping again changes nothing while the gap lasts.
    await browser.run(2, { snapshot: true, detect: true });
    await sweep();
    expect(await ofType(f, 'recording_gap')).toHaveLength(1);

    // Segments resume: the gap gets its end, the flag stays open for a reviewer.
    await browser.run(1, { webcam: true, snapshot: true, detect: true });
    const resumedAt = now();
    await sweep();
    const [ended] = await ofType(f, 'recording_gap');
    expect(ended?.id).toBe(open?.id);
    expect(ended?.reviewStatus).toBe('open');
    expect(ended?.evidence.details).toMatchObject({ resumedSeq: 5 });
    // Segment 5 arrived at toServerMs; the flag ends no earlier (it was seen open until then).
    const resumedMs = Number(ended?.evidence.details?.toServerMs);
    expect(resumedMs).toBeGreaterThan(from + 18_000);
    expect(resumedMs).toBeLessThanOrEqual(resumedAt);
    expect(ended?.endMs).toBeGreaterThanOrEqual(resumedMs);
    expect(ended?.endMs).toBeLessThanOrEqual(resumedAt);
    const gapEvents = await serverEvents(f, 'evidence.gap');
    expect(gapEvents.map((e: any) => e.data.toMs === null)).toEqual([true, false]);

    // Nothing stored is lost: every segment is in the manifest.
    const m = await manifest(f);
    expect(m.segments.map((s: any) => `${s.track}/${s.seq}`)).toEqual(
      [0, 1, 2, 3, 4, 5].map((seq) => `webcam/${seq}`),
    );
  });

  it('flags a required track that never starts: the screen, while only the webcam arrives', async () => {
    const { f, startedMs, browser } = await start();
    await browser.run(4, { webcam: true, snapshot: true, detect: true });
    await sweep();
    const gaps = await ofType(f, 'recording_gap');
    expect(gaps.map((g) => g.evidence.details?.subject)).toEqual(['screen']);
    expect(gaps[0]?.evidence.details).toMatchObject({ lastSeq: null, fromServerMs: startedMs });
    expect(gaps[0]?.message).toContain('screen: no segment received at all');
    expect((await manifest(f)).complete).toBe(false);
  });

  it('flags every required track once uploads settle after a submit with nothing uploaded', async () => {
    const { f, startedMs } = await start();
    await submitAndSettle(f, { complete: false });
    const gaps = await ofType(f, 'recording_gap');
    expect(
      gaps.map((g) => `${g.evidence.details?.subject}:${g.evidence.details?.reason}`).sort(),
    ).toEqual(['screen:never', 'webcam:never']);
    expect(gaps.every((g) => g.startMs === startedMs && g.reviewStatus === 'open')).toBe(true);
    const m = await manifest(f);
    expect(m.complete).toBe(false);
    expect(m.gaps.map((g: any) => g.track).sort()).toEqual(['screen', 'webcam']);
    const [checked] = await serverEvents(f, 'recording.checked');
    expect(checked.data).toMatchObject({ complete: false, segments: 0 });
  });

  it('flags silent detection: webcam and snapshots arrive, the browser reports nothing', async () => {
    const { f, startedMs, browser } = await start({ screen: false });
    // 48 s without a report: not yet the rule's minute.
    await browser.run(8, { webcam: true, snapshot: true });
    await sweep();
    expect(await ofType(f, 'detection_silent')).toEqual([]);
    await browser.run(3, { webcam: true, snapshot: true });
    await sweep();
    const [silent] = await ofType(f, 'detection_silent');
    expect(silent).toMatchObject({ startMs: startedMs, endMs: null, source: 'server' });
    expect(silent?.evidence.details).toMatchObject({ lastSeq: null, thresholdMs: 60_000 });
    // A report arrives: the silence ends there, the flag stays.
    await browser.run(1, { webcam: true, snapshot: true, detect: true });
    await sweep();
    const [ended] = await ofType(f, 'detection_silent');
    expect(ended?.endMs).toEqual(expect.any(Number));
    expect(ended?.reviewStatus).toBe('open');
  });

  it('counts every detector report received as a sign of life; only a trusted one ends a silence', async () => {
    const { f, browser } = await start({ screen: false });
    await browser.run(11, { webcam: true, snapshot: true });
    await sweep();
    const [silent] = await ofType(f, 'detection_silent');
    expect(silent?.endMs).toBeNull();
    // A report dated ten minutes back arrives: kept, not trusted, and the silence goes on.
    await browser.detect(0, now() - 10 * 60_000);
    await sweep();
    expect(await ofType(f, 'detection_silent')).toEqual([
      expect.objectContaining({ id: silent?.id, endMs: null }),
    ]);
    // A report on time ends it.
    await browser.detect(1, now());
    await sweep();
    const [ended] = await ofType(f, 'detection_silent');
    expect(ended?.endMs).toEqual(expect.any(Number));
    // From then on, reports keep arriving, if late: detection runs, so no new silence (their
    // lateness is late_event's to report).
    for (let i = 0; i < 12; i++) {
      await browser.run(1, { webcam: true, snapshot: true });
      await browser.detect(2 + i, now() - 10 * 60_000);
      if (i % 3 === 0) await sweep();
    }
    await sweep();
    expect((await ofType(f, 'detection_silent')).map((flag) => flag.id)).toEqual([silent?.id]);
    expect(await ofType(f, 'late_event')).not.toEqual([]);
  });

  it('flags webcam snapshots that stop arriving', async () => {
    const { f, browser } = await start({ screen: false });
    await browser.run(3, { webcam: true, snapshot: true, detect: true });
    await sweep();
    // Segments keep coming; snapshots (and with them the reports) stop for 36 s (> 3 × 10 s).
    await browser.run(6, { webcam: true });
    await sweep();
    const [missing] = await ofType(f, 'snapshots_missing');
    expect(missing?.endMs).toBeNull();
    expect(missing?.evidence.details).toMatchObject({ lastSeq: 2, thresholdMs: 30_000 });
    expect(await ofType(f, 'recording_gap')).toEqual([]);
  });

  it('flags a snapshot the analysis cannot read, and uploads refused for their content', async () => {
    const { f, browser } = await start({ screen: false });
    await browser.run(1, { webcam: true });
    // The attempt's first webcam snapshot (so the server samples it) has a whole JPEG header,
    // so the upload is taken, but its image data ends before the scan.
    const whole = jpegBytes(`${f.sessionId} broken`, 64, 64);
    const truncated = whole.subarray(0, whole.indexOf(Buffer.from([0xff, 0xc4])));
    const stored = await putSnapshot(f.student, f.sessionId, 'webcam', 0, truncated, {
      takenMs: now(),
    });
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    // The browser says it saw nobody in it: the server analyses that snapshot itself.
    await browser.detect(0, now(), 0);
    const [unreadable] = await eventually(async () => {
      const list = await ofType(f, 'snapshot_unreadable');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(unreadable?.evidence.details).toMatchObject({ subject: 'webcam', seq: 0 });
    expect(unreadable?.evidence.snapshotIds).toHaveLength(1);

    // Bytes that are no image at all are refused (415) and recorded: a flag too.
    const refused = await putSnapshot(f.student, f.sessionId, 'webcam', 1, Buffer.from('no image'));
    expect(refused.status).toBe(415);
    const flags = await eventually(async () => {
      const list = await ofType(f, 'snapshot_unreadable');
      expect(list).toHaveLength(2);
      return list;
    });
    expect(flags.map((x) => x.evidence.details?.code ?? null)).toContain('CONTENT_MISMATCH');
    // A segment refused for its content is a hole in the recording.
    const segment = await putSegment(f.student, f.sessionId, 'webcam', 1, jpegBytes('not video'));
    expect(segment.status).toBe(415);
    const [lost] = await eventually(async () => {
      const list = await ofType(f, 'recording_gap');
      expect(list).toHaveLength(1);
      return list;
    });
    expect(lost?.evidence.details).toMatchObject({
      subject: 'webcam',
      seq: 1,
      code: 'CONTENT_MISMATCH',
    });
  });

  it('shows on the dashboard when video last arrived: event batches alone are not video', async () => {
    const { f, browser } = await start({ screen: false });
    const tile = async () => {
      const res = await f.proctor.get(`/api/exams/${f.examId}/live`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.sessions.find((t: any) => t.session.id === f.sessionId).health;
    };
    await browser.detect(0, now());
    const eventsOnly = await tile();
    expect(eventsOnly.lastUploadAt).not.toBeNull();
    expect(eventsOnly.lastVideoAt).toBeNull();
    await browser.run(1, { webcam: true });
    const sentAt = now();
    const recorded = await tile();
    expect(Date.parse(recorded.lastVideoAt)).toBeLessThanOrEqual(sentAt);
    expect(Date.parse(recorded.lastVideoAt)).toBeGreaterThan(sentAt - 6000);
    // More event batches move the last upload, never the last video.
    server.clock.advance(20_000);
    await browser.detect(1, now());
    const later = await tile();
    expect(Date.parse(later.lastUploadAt)).toBeGreaterThan(Date.parse(recorded.lastVideoAt));
    expect(later.lastVideoAt).toBe(recorded.lastVideoAt);
  });

  it('tells the dashboard when each track last arrived: a dead screen never hides behind the webcam', async () => {
    const { f, browser } = await start();
    const health = async () => {
      const res = await f.proctor.get(`/api/exams/${f.examId}/live`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.sessions.find((t: any) => t.session.id === f.sessionId).health;
    };
    await browser.run(1, { webcam: true });
    const webcamOnly = await health();
    expect(webcamOnly.videoAt.screen).toBeNull();
    expect(webcamOnly.videoAt.webcam).toBe(webcamOnly.lastVideoAt);
    await browser.run(1, { webcam: true, screen: true });
    const screenAt = now();
    // The screen stops; the webcam goes on for 30 s.
    await browser.run(5, { webcam: true });
    const later = await health();
    expect(Date.parse(later.videoAt.screen)).toBeLessThanOrEqual(screenAt);
    expect(Date.parse(later.videoAt.screen)).toBeGreaterThan(screenAt - 6000);
    expect(Date.parse(later.videoAt.webcam)).toBeGreaterThan(screenAt + 24_000);
    // The newest of either says nothing of the screen: the dashboard takes each track's own.
    expect(later.lastVideoAt).toBe(later.videoAt.webcam);
  });

  it('raises none of these flags for an honest session, and its manifest is complete', async () => {
    const { f, browser } = await start();
    for (let i = 0; i < 4; i++) {
      await browser.run(3, { webcam: true, screen: true, snapshot: true, detect: true });
      await sweep();
    }
    await submitAndSettle(f);
    const flags = await flagsOf(f);
    expect(
      flags.filter((flag) => MISSING.includes(flag.type)),
      JSON.stringify(flags),
    ).toEqual([]);
    const m = await manifest(f);
    expect(m.gaps).toEqual([]);
    expect(m.complete).toBe(true);
    expect(m.segments).toHaveLength(24);
    const [checked] = await serverEvents(f, 'recording.checked');
    expect(checked.data).toMatchObject({ complete: true, gaps: 0, segments: 24 });
  });
});
