import { Counter, Histogram, type Registry } from 'prom-client';
import { DetectorName, MediaTrack, Severity, SnapshotKind } from '@invigil/contracts';
import { JOB_TYPES, type JobType } from '../ports/job-queue.port.js';

/** The job types metrics report: the whole job catalogue (ports/job-queue.port.ts). */
export const METRIC_JOB_TYPES = JOB_TYPES;
/** One of METRIC_JOB_TYPES. */
export type MetricJobType = JobType;

/** Request latency: fast API reads to multi-megabyte segment uploads. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: a proctor should hear of a flag within a second or two. */
const ALERT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** Seconds of one snapshot analysis: a few hundred ms warm, seconds while models load. */
const ANALYSIS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** Seconds from a job's creation to its end, retries and backoff included. */
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600];
/** Seconds of recorded media a browser said were waiting (it reports past 60 s). */
const BACKLOG_BUCKETS = [60, 120, 300, 600, 1200, 3600];

/**
 * The instruments fed as things happen (requests, uploads, flags, jobs), as opposed to the
 * gauges read at scrape time. Label values always come from fixed sets (routes, tracks, job
 * types, flag types): never a user, session or exam id.
 */
export function createInstruments(registry: Registry) {
  const instruments = defineInstruments(registry);
  startAtZero(instruments);
  return instruments;
}

function defineInstruments(registry: Registry) {
  const registers = [registry];
  return {
    httpDuration: new Histogram({
      name: 'invigil_http_request_duration_seconds',
      help: 'HTTP request latency by route template (unmatched: every URL no route matched), method and status class.',
      labelNames: ['route', 'method', 'status_class'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    ingestBytes: new Counter({
      name: 'invigil_ingest_bytes_total',
      help: 'Bytes newly stored from students: kind segment (name: track), snapshot (name: snapshot kind) or event (name client: the JSON of the events).',
      labelNames: ['kind', 'name'] as const,
      registers,
    }),
    ingestItems: new Counter({
      name: 'invigil_ingest_items_total',
      help: 'Items newly stored from students: segments, snapshots, or client events (not batches); retries of stored items are not counted.',
      labelNames: ['kind', 'name'] as const,
      registers,
    }),
    backlogReports: new Counter({
      name: 'invigil_client_upload_backlog_reports_total',
      help: 'upload.backlog events stored: a browser said recorded media was waiting to upload past its warning threshold.',
      registers,
    }),
    backlogMedia: new Histogram({
      name: 'invigil_client_upload_backlog_media_seconds',
      help: 'Seconds of recorded media waiting in the browser, as its upload.backlog report said.',
      buckets: BACKLOG_BUCKETS,
      registers,
    }),
    flagsCreated: new Counter({
      name: 'invigil_flags_created_total',
      help: 'Flags raised, by detector type and severity at creation.',
      labelNames: ['type', 'severity'] as const,
      registers,
    }),
    alertLatency: new Histogram({
      name: 'invigil_flag_alert_latency_seconds',
      help: "From a flag's creation to its flag.created message going out to a proctor's live socket (once per flag and server process).",
      buckets: ALERT_BUCKETS,
      registers,
    }),
    alertsSent: new Counter({
      name: 'invigil_flag_alerts_sent_total',
      help: 'flag.created messages that went out to at least one proctor socket (counted per server process).',
      registers,
    }),
    analysisDuration: new Histogram({
      name: 'invigil_analysis_duration_seconds',
      help: 'Server analysis of one snapshot (read, detectors, result stored), by why it was analysed and how it ended.',
      labelNames: ['reason', 'outcome'] as const,
      buckets: ANALYSIS_BUCKETS,
      registers,
    }),
    analysesShed: new Counter({
      name: 'invigil_analysis_shed_total',
      help: 'Routine snapshot analyses dropped because the queue was at its bound (analysis is behind).',
      registers,
    }),
    jobLatency: new Histogram({
      name: 'invigil_job_latency_seconds',
      help: 'From a job being added to its end (done or dead-lettered), by job type.',
      labelNames: ['type'] as const,
      buckets: JOB_BUCKETS,
      registers,
    }),
    deadLettered: new Counter({
      name: 'invigil_jobs_dead_lettered_total',
      help: 'Jobs given up (attempts exhausted or a permanent failure), by job type.',
      labelNames: ['type'] as const,
      registers,
    }),
    retentionDeleted: new Counter({
      name: 'invigil_retention_sessions_deleted_total',
      help: 'Sessions whose evidence was deleted, by rule (media_after_verdict, identity, undecided, erasure).',
      labelNames: ['rule'] as const,
      registers,
    }),
    retentionBytes: new Counter({
      name: 'invigil_retention_deleted_bytes_total',
      help: 'Bytes of evidence blobs deleted by retention and erasure.',
      registers,
    }),
    auditVerifications: new Counter({
      name: 'invigil_audit_verifications_total',
      help: 'Verifications of the whole audit trail (daily, in the jobs process), by result: ok or failed.',
      labelNames: ['result'] as const,
      registers,
    }),
  };
}

/** The instruments of one app (each app has its own registry). */
export type Instruments = ReturnType<typeof defineInstruments>;

/**
 * Every expected label set starts at 0: Prometheus's increase() cannot see a counter's first
 * step when its series only appears with it, so the first flag or dead letter would go unseen.
 */
function startAtZero(m: Instruments): void {
  for (const type of DetectorName.options) {
    for (const severity of Severity.options) m.flagsCreated.inc({ type, severity }, 0);
  }
  const ingest = [
    ...MediaTrack.options.map((name) => ({ kind: 'segment', name })),
    ...SnapshotKind.options.map((name) => ({ kind: 'snapshot', name })),
    { kind: 'event', name: 'client' },
  ];
  for (const labels of ingest) {
    m.ingestBytes.inc(labels, 0);
    m.ingestItems.inc(labels, 0);
  }
  for (const result of ['ok', 'failed']) m.auditVerifications.inc({ result }, 0);
  for (const type of METRIC_JOB_TYPES) {
    m.deadLettered.inc({ type }, 0);
    m.jobLatency.zero({ type });
  }
}
