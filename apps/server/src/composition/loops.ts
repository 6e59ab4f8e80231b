import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import { startAnalysisWorker } from '../jobs/analysis-worker.js';
import { startAuditTrailJobs } from '../jobs/audit-trail.js';
import { startDeadlineSweeper } from '../jobs/deadline-sweeper.js';
import { startEvidenceWatchdog } from '../jobs/evidence-watchdog.js';
import { startFlagSweeper } from '../jobs/flag-sweeper.js';
import { startHandSweep } from '../jobs/hand-sweep.js';
import { startLivePrune } from '../jobs/live-prune.js';
import { startRetentionSweep } from '../jobs/retention.js';
import { startDeliveryWorker } from '../jobs/notification-delivery.js';
import { startGradeWorker } from '../jobs/lti-grades.js';
import { startRosterSchedule } from '../jobs/lti-roster.js';
import { startExportWorker } from '../jobs/privacy-export.js';
import { startRtcSweep } from '../jobs/rtc-sweep.js';
import { startSystemSampler } from '../jobs/system-sampler.js';
import { AnalysisPace } from '../services/detection/analysis-pace.js';
import { analysisJobType } from '../services/detection/analysis-queue.js';
import type { Adapters } from './adapters.js';
import type { Services } from './services.js';

/** How often expired data exports are deleted and lost export jobs added again. */
const EXPORT_SWEEP_MS = 60_000;

/**
 * The background loops of the `worker` role, in the jobs process of a machine only: the
 * others leave their work in the database or the job queue, where these find it. Returns
 * what stops them.
 */
export async function startWorkerLoops(
  config: Config,
  a: Adapters,
  s: Services,
  log: FastifyBaseLogger,
): Promise<() => Promise<void>> {
  const { db, clock } = a;
  const failed = (what: string) => (err: unknown) => log.error({ err }, what);
  const sweeper = startDeadlineSweeper(
    db,
    clock,
    config.deadlineSweepMs,
    failed('deadline sweep failed'),
    s.emitLive,
  );
  const livePrune = startLivePrune(
    s.liveFeed,
    s.health,
    clock,
    failed('pruning live messages failed'),
  );
  const stopNotifier = await s.notifier.start(a.bus);
  // LTI: verdicts queue grades for gradebooks, sent by jobs; course rosters synced on a schedule.
  const stopGradeListener = await s.ltiServices.grades.start(
    a.bus,
    failed('queueing an LMS grade failed'),
  );
  const gradeSender = startGradeWorker(a.jobQueue, s.ltiServices.grades);
  const rosterSchedule = startRosterSchedule(
    () => s.ltiServices.roster.syncDue(config.ltiServices.rosterSyncMs),
    config.ltiServices.rosterCheckMs,
    failed('scheduled LMS roster sync failed'),
  );
  const rtcSweep = startRtcSweep(s.rtcLinks, failed('live link sweep failed'));
  const handSweep = startHandSweep(
    s.hands,
    config.deadlineSweepMs,
    failed('closing raised hands of ended attempts failed'),
  );
  const flagSweeper = startFlagSweeper(
    s.flagService,
    config.flagSweepMs,
    failed('flag sweep failed'),
  );
  const evidenceSweeper = startEvidenceWatchdog(
    s.evidence,
    config.evidenceSweepMs,
    failed('evidence sweep failed'),
  );
  const sender = startDeliveryWorker(
    {
      queue: a.jobQueue,
      outbox: s.outbox,
      clock,
      retries: s.retries,
      attempt: (delivery) => s.attempts.attempt(delivery),
      onDelivered: (d) => s.metrics.recorder.jobEnded('notification.delivery', d.createdAt),
      // Ids only: URLs may carry tokens and e-mail addresses are personal data.
      onGiveUp: (d, result) => {
        s.metrics.recorder.jobEnded('notification.delivery', d.createdAt, true);
        log.warn(
          { deliveryId: d.id, channel: d.channel, attempts: d.attempts, error: result.error },
          'notification given up',
        );
      },
      onError: failed('notification sending failed'),
    },
    config.notifications.pollMs,
  );
  // Analysis takes the CPU ingest leaves over (the whole machine's, so cluster workers count).
  const { analysis } = s;
  const pace = new AnalysisPace(analysis ? (config.detection.cpuLimitPercent ?? 100) : 100);
  const analyser = analysis
    ? startAnalysisWorker(
        {
          jobs: a.jobQueue,
          analyses: s.analyses,
          clock,
          run: (job, lastAttempt) =>
            s.metrics.recorder.timeAnalysis(job.reason, () => analysis.run(job, lastAttempt)),
          restMs: () => pace.restMs(),
          after: async (job, { outcome, deadLetter }) => {
            if (outcome !== 'analysed' && outcome !== 'failed') return;
            const type = analysisJobType(job.reason);
            s.metrics.recorder.jobEnded(type, job.createdAt, deadLetter === true);
            // A failed analysis may be an unreadable snapshot: a flag of its own.
            await s.rederive(job.sessionId);
          },
          onError: failed('snapshot analysis failed'),
        },
        config.detection.workers,
        config.detection.pollMs,
      )
    : undefined;

  // Data exports: one zip at a time; expired files deleted by the same worker's sweep.
  const exporter = startExportWorker(
    {
      queue: a.jobQueue,
      runs: s.exportRuns,
      // Ids only: an export is about a person.
      onFinished: (exportId, ok) => {
        if (!ok) log.warn({ exportId }, 'data export given up');
      },
      onError: failed('data export sweep failed'),
    },
    EXPORT_SWEEP_MS,
  );

  // Signed checkpoints of the audit trail, and its daily verification.
  const auditTrail = startAuditTrailJobs({
    db,
    blobs: a.blobs,
    clock,
    onVerified: async (result) => {
      s.metrics.recorder.auditVerified(result.ok);
      if (result.ok) return;
      log.error({ problems: result.problems }, 'the audit trail failed its verification');
      await s.notifier.auditTrailBroken({
        verifiedAt: clock.now(),
        entries: result.entries,
        checkpoints: result.checkpoints,
        problems: result.problems,
      });
    },
    onError: (err, msg) => log.error({ err }, msg),
  });

  // Deletes evidence whose retention has run out (services/retention/).
  const retention = startRetentionSweep(
    () => s.retention.sweep(),
    (report) => {
      const sessions = Object.values(report.sessions).reduce((a, b) => a + b, 0);
      if (sessions > 0 || report.resumed > 0) {
        log.info({ runId: report.runId, sessions, bytes: report.deleted.bytes }, 'retention sweep');
      }
    },
    failed('retention sweep failed'),
  );

  return async () => {
    await retention.stop();
    await auditTrail.stop();
    await sweeper.stop();
    await livePrune.stop();
    await handSweep.stop();
    await rtcSweep.stop();
    await flagSweeper.stop();
    await evidenceSweeper.stop();
    await stopNotifier();
    await stopGradeListener();
    await gradeSender.stop();
    await rosterSchedule.stop();
    await sender.stop();
    await exporter.stop();
    await analyser?.stop();
    pace.stop();
  };
}

/**
 * Every process samples its own counters for the System page; the jobs process (`shared`)
 * adds the deployment-wide numbers (attempts, queues, blob disk) and prunes old samples.
 */
export function startSampling(
  config: Config,
  a: Adapters,
  s: Services,
  log: FastifyBaseLogger,
  shared: boolean,
) {
  return startSystemSampler({
    db: a.db,
    clock: a.clock,
    counters: s.metrics.instruments,
    shared: shared
      ? { jobs: a.jobQueue, blobDir: config.blobStore === 's3' ? undefined : config.blobDir }
      : undefined,
    intervalMs: config.metrics.sampleMs,
    onError: (err, msg) => log.error({ err }, msg),
  });
}
