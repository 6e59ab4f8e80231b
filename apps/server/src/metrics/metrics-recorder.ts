import { DetectorName, Severity } from '@invigil/contracts';
import type { Instruments, MetricJobType } from './instruments.js';

/** A label value from a fixed set, or `other`: a label must never grow with client input. */
const bounded = (value: string, allowed: readonly string[]) =>
  allowed.includes(value) ? value : 'other';

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/**
 * What the rest of the server tells the metrics, in its own words: services and loops get
 * these methods as callbacks (app.ts wires them), never the instruments themselves. None of
 * them throws or waits.
 */
export class MetricsRecorder {
  constructor(
    private readonly m: Instruments,
    /** The app's clock (ms): flag and job times are written on it. */
    private readonly nowMs: () => number,
  ) {}

  /** A segment (`media`) or snapshot newly stored, of `bytes` bytes. */
  uploadStored(target: 'media' | 'snapshot', name: string, bytes: number): void {
    const labels = { kind: target === 'media' ? 'segment' : 'snapshot', name };
    this.m.ingestBytes.inc(labels, bytes);
    this.m.ingestItems.inc(labels);
  }

  /** Client events newly stored: counted, and the browser's upload.backlog reports read. */
  clientEventsStored(events: readonly { type: string; data?: unknown }[]): void {
    if (events.length === 0) return;
    const labels = { kind: 'event', name: 'client' };
    this.m.ingestItems.inc(labels, events.length);
    this.m.ingestBytes.inc(labels, Buffer.byteLength(JSON.stringify(events)));
    for (const e of events) {
      if (e.type !== 'upload.backlog') continue;
      this.m.backlogReports.inc();
      const pending = (e.data as { pendingMediaMs?: unknown } | undefined)?.pendingMediaMs;
      if (typeof pending === 'number' && Number.isFinite(pending)) {
        this.m.backlogMedia.observe(seconds(pending));
      }
    }
  }

  /** Flags just created (committed). */
  flagsCreated(flags: readonly { type: string; severity: string }[]): void {
    for (const f of flags) {
      this.m.flagsCreated.inc({
        type: bounded(f.type, DetectorName.options),
        severity: bounded(f.severity, Severity.options),
      });
    }
  }

  /** A live message went out to this process's proctor sockets of its exam. */
  staffMessageSent(message: { topic: string; data: unknown }): void {
    if (message.topic !== 'flag.created') return;
    const createdAt = (message.data as { flag?: { createdAt?: unknown } }).flag?.createdAt;
    const createdMs = typeof createdAt === 'string' ? Date.parse(createdAt) : NaN;
    this.m.alertsSent.inc();
    if (Number.isFinite(createdMs)) {
      this.m.alertLatency.observe(seconds(this.nowMs() - createdMs));
    }
  }

  /** Run one server analysis of a snapshot, timed by why it ran and how it ended. */
  async timeAnalysis<T extends { outcome: string }>(
    reason: string,
    run: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const result = await run();
    const elapsed = seconds(performance.now() - started);
    this.m.analysisDuration.observe({ reason, outcome: result.outcome }, elapsed);
    return result;
  }

  /** Routine analyses dropped at the queue's bound. */
  analysesShed(count: number): void {
    this.m.analysesShed.inc(count);
  }

  /** Evidence of `sessions` sessions (`bytes` in blobs) was deleted under `rule`. */
  retentionDeleted(rule: string, sessions: number, bytes: number): void {
    if (sessions > 0) this.m.retentionDeleted.inc({ rule }, sessions);
    if (bytes > 0) this.m.retentionBytes.inc(bytes);
  }

  /** The whole audit trail was verified (ok, or a failure the administrators are told of). */
  auditVerified(ok: boolean): void {
    this.m.auditVerifications.inc({ result: ok ? 'ok' : 'failed' });
  }

  /** A job ended for good: done, or dead-lettered (`dead`). `createdAt`: when it was added. */
  jobEnded(type: MetricJobType, createdAt: Date | undefined, dead = false): void {
    if (createdAt) {
      this.m.jobLatency.observe({ type }, seconds(this.nowMs() - createdAt.getTime()));
    }
    if (dead) this.m.deadLettered.inc({ type });
  }
}
