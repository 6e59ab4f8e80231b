import type { Bodies, Body } from './bodies.js';
import type { Answer, LeanHttp } from './http.js';
import type { Student } from './students.js';

/** The request kinds whose acknowledgement latency is reported. */
export const KINDS = [
  'webcam segment',
  'screen segment',
  'webcam snapshot',
  'screen snapshot',
  'events',
  'flag events',
] as const;
export type Kind = (typeof KINDS)[number];

/** Rates of the steady-state load. */
export interface Rates {
  segmentSeconds: number;
  snapshotSeconds: number;
  eventSeconds: number;
  flagsPerMinute: number;
}

/**
 * What the load saw: latencies of requests sent inside the measured window, errors and bytes
 * over the whole drive (warm-up included: an error is an error).
 */
export class Recorder {
  readonly latencies = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  readonly errors = new Map<string, number>();
  /** Bytes of acknowledged uploads sent inside the window. */
  bytesInWindow = 0;
  /** Flag-raising batches acknowledged (the flags proctors should be told about). */
  flagsRaised: { sessionId: string; at: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  #window: { from: number; to: number } | null = null;

  /** Measure requests sent from now for `seconds`. */
  openWindow(seconds: number): void {
    const now = performance.now();
    this.#window = { from: now, to: now + seconds * 1000 };
  }

  inWindow(sentAt: number): boolean {
    return this.#window !== null && sentAt >= this.#window.from && sentAt < this.#window.to;
  }

  record(kind: Kind, sentAt: number, a: Answer, bytes: number): boolean {
    const ok = a.status >= 200 && a.status < 300;
    if (!ok) {
      let code = a.error ?? '';
      if (!code) {
        try {
          code = (JSON.parse(a.text) as { code?: string }).code ?? '';
        } catch {
          code = '';
        }
      }
      const key = `${kind}: ${a.status || 'network'} ${code}`.trim();
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    }
    if (this.inWindow(sentAt)) {
      this.latencies.get(kind)!.push(a.ms);
      if (ok) this.bytesInWindow += bytes;
    }
    return ok;
  }
}

/** The newest webcam snapshot each student has already reported its detections for. */
const reported = new WeakMap<object, number>();

/**
 * Drives the steady-state load: per student a webcam and a screen segment every
 * segmentSeconds, a webcam and a screen snapshot every snapshotSeconds and an event batch every
 * eventSeconds, each student at its own phase so requests spread evenly over time; plus
 * flag-raising batches (a no-face stretch of 8 s, as the browser's detector reports it) at
 * flagsPerMinute over all students. Every acknowledged item is remembered on its student.
 */
export class Driver {
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #started: Student[] = [];
  #flagTurn = 0;
  #stopped = false;

  constructor(
    private readonly http: LeanHttp,
    private readonly bodies: Bodies,
    private readonly rates: Rates,
    readonly recorder: Recorder,
  ) {}

  #track(p: Promise<void>): void {
    this.#pending.add(p);
    this.recorder.inFlight++;
    this.recorder.maxInFlight = Math.max(this.recorder.maxInFlight, this.recorder.inFlight);
    void p.finally(() => {
      this.#pending.delete(p);
      this.recorder.inFlight--;
    });
  }

  #every(seconds: number, phase: number, fn: () => void): void {
    const first = setTimeout(
      () => {
        if (this.#stopped) return;
        fn();
        this.#timers.push(setInterval(fn, seconds * 1000));
      },
      phase * seconds * 1000,
    );
    this.#timers.push(first);
  }

  #put(s: Student, kind: Kind, path: string, b: Body, type: string, extra: Record<string, string>) {
    const key = path.slice(path.lastIndexOf('/', path.lastIndexOf('/') - 1) + 1).replace('/', '|');
    const target = kind.endsWith('segment') ? s.acked.segments : s.acked.snapshots;
    const sentAt = performance.now();
    this.#track(
      this.http
        .request(
          'PUT',
          path,
          { ...s.headers, 'content-type': type, 'x-sha256': b.sha256, ...extra },
          b.bytes,
        )
        .then((a) => {
          if (this.recorder.record(kind, sentAt, a, b.bytes.length)) target.set(key, b.sha256);
        }),
    );
  }

  #events(s: Student, kind: Kind, events: { type: string; at: number; data: object }[]): void {
    const batch = events.map((e) => ({ seq: s.next.event++, ...e }));
    const text = JSON.stringify({ events: batch });
    const sentAt = performance.now();
    this.#track(
      this.http
        .request(
          'POST',
          `/api/sessions/${s.sessionId}/events`,
          { ...s.headers, 'content-type': 'application/json' },
          text,
        )
        .then((a) => {
          if (!this.recorder.record(kind, sentAt, a, Buffer.byteLength(text))) return;
          const ack = JSON.parse(a.text) as { accepted: number[]; duplicates: number[] };
          for (const seq of [...ack.accepted, ...ack.duplicates]) s.acked.events.add(seq);
          if (kind === 'flag events')
            this.recorder.flagsRaised.push({ sessionId: s.sessionId, at: Date.now() });
        }),
    );
  }

  /** Start a student's periodic uploads at a phase of its own (golden-ratio spread). */
  start(s: Student): void {
    if (this.#stopped) return;
    this.#started.push(s);
    const phase = (s.index * 0.6180339887) % 1;
    const r = this.rates;
    const base = `/api/sessions/${s.sessionId}`;
    const startedAt = Date.now();
    const segMs = r.segmentSeconds * 1000;
    this.#every(r.segmentSeconds, phase, () => {
      const seq = s.next.webcam++;
      s.next.screen++;
      const times = {
        'x-start-ms': String(Math.round(startedAt + seq * segMs)),
        'x-end-ms': String(Math.round(startedAt + (seq + 1) * segMs)),
      };
      const type = 'video/webm;codecs=vp8,opus';
      this.#put(
        s,
        'webcam segment',
        `${base}/media/webcam/${seq}`,
        this.bodies.webcamSegment,
        type,
        times,
      );
      this.#put(
        s,
        'screen segment',
        `${base}/media/screen/${seq}`,
        this.bodies.screenSegment,
        'video/webm;codecs=vp8',
        times,
      );
    });
    this.#every(r.snapshotSeconds, (phase + 0.37) % 1, () => {
      const taken = { 'x-taken-ms': String(Date.now()) };
      this.#put(
        s,
        'webcam snapshot',
        `${base}/snapshots/webcam/${s.next.webcamSnap++}`,
        this.bodies.webcamSnapshot,
        'image/jpeg',
        taken,
      );
      this.#put(
        s,
        'screen snapshot',
        `${base}/snapshots/screen/${s.next.screenSnap++}`,
        this.bodies.screenSnapshot,
        'image/jpeg',
        taken,
      );
    });
    this.#every(r.eventSeconds, (phase + 0.71) % 1, () => {
      const at = Date.now();
      // As the student's page does: what its detectors saw in the latest webcam snapshot
      // (without these reports the server rightly flags the detection as silent).
      // (one report per webcam snapshot, sent with the next batch).
      const snapshotSeq = s.next.webcamSnap - 1;
      const fresh = snapshotSeq > (reported.get(s) ?? -1);
      if (fresh) reported.set(s, snapshotSeq);
      const seen = { faces: 1, headTurned: false, phone: false, book: false, persons: 1 };
      this.#events(s, 'events', [
        { type: 'window.blur', at: at - 1500, data: {} },
        { type: 'window.focus', at, data: {} },
        ...(fresh
          ? [{ type: 'detect.snapshot', at, data: { snapshotSeq, ...seen, model: 'bench' } }]
          : []),
      ]);
    });
  }

  /** Start the flag-raising batches: one student after another, at flagsPerMinute. */
  startFlags(): void {
    if (this.rates.flagsPerMinute <= 0) return;
    this.#timers.push(
      setInterval(() => {
        if (this.#started.length === 0) return;
        const s = this.#started[this.#flagTurn++ % this.#started.length]!;
        const at = Date.now();
        const state = { detector: 'no_face', confidence: 0.9, model: 'bench' };
        this.#events(s, 'flag events', [
          { type: 'detect.state', at: at - 8000, data: { ...state, active: true } },
          { type: 'detect.state', at, data: { ...state, active: false } },
        ]);
      }, 60_000 / this.rates.flagsPerMinute),
    );
  }

  /** Stop sending and wait (at most `timeoutMs`) for the answers still outstanding. */
  async stop(timeoutMs = 120_000): Promise<number> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all(this.#pending), new Promise((r) => setTimeout(r, 1000))]);
    }
    return this.#pending.size;
  }
}
