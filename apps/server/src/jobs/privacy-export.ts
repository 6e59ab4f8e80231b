import {
  type Job,
  type JobQueue,
  PermanentJobError,
  RetryLaterError,
} from '../ports/job-queue.port.js';
import type { ExportRuns } from '../services/privacy/export-runs.js';
import { SubjectGoneError } from '../services/privacy/export-writer.js';

/** Attempts before an export is given up (a zip of a few GB may meet a passing store error). */
const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 30_000;
/** An export queued this long without its job running is dispatched again by the sweep. */
const LOST_AFTER_MS = 60_000;

/** The job of export `id`: one per export, so adding it again while it exists is a no-op. */
const keyOf = (id: string) => `export-${id}`;

/** Add the job that writes export `exportId` (any process, right after the row commits). */
export async function dispatchExport(queue: JobQueue, exportId: string): Promise<void> {
  await queue.add(
    'privacy.export',
    { exportId },
    { key: keyOf(exportId), maxAttempts: MAX_ATTEMPTS, backoffMs: BACKOFF_MS },
  );
}

/** What the export worker needs. */
export interface ExportWorkerDeps {
  queue: JobQueue;
  runs: ExportRuns;
  /** Told of each export written or given up (metrics, the log: ids only). */
  onFinished?(exportId: string, ok: boolean): void;
  onError(error: unknown): void;
}

/**
 * Writes data exports in the process that runs the background jobs: works the
 * `privacy.export` jobs one at a time (each streams a whole student's recordings) and, every
 * `sweepMs`, deletes expired exports' files and dispatches again exports whose job was lost.
 * Stopping aborts a running export between two files; its job runs again later.
 */
export function startExportWorker(
  deps: ExportWorkerDeps,
  sweepMs: number,
): { stop(): Promise<void> } {
  const stopping = new AbortController();
  const worker = deps.queue.work('privacy.export', (job) => runExport(deps, job, stopping.signal));
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= deps.runs
      .sweep(LOST_AFTER_MS)
      .then(async (lost) => {
        for (const id of lost) await dispatchExport(deps.queue, id);
        await failDeadExports(deps);
      })
      .catch(deps.onError)
      .finally(() => {
        sweeping = undefined;
      });
  };
  const timer = setInterval(sweep, sweepMs);
  timer.unref();
  sweep();
  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await sweeping;
      await worker.stop();
    },
  };
}

/**
 * Exports whose job died without saying so (its worker killed on every attempt) would stay
 * `running` and block the student's next request: they are marked failed.
 */
async function failDeadExports(deps: ExportWorkerDeps): Promise<void> {
  for (const dead of await deps.queue.deadLetters('privacy.export', 100)) {
    const id = (dead.payload as { exportId?: unknown } | null)?.exportId;
    if (typeof id === 'string')
      await deps.runs.fail(id, 'The export could not be written; request a new one');
  }
}

/** One attempt at one export: the row's status mirrors the job's outcome. */
async function runExport(deps: ExportWorkerDeps, job: Job<'privacy.export'>, signal: AbortSignal) {
  const id = job.payload.exportId;
  try {
    if ((await deps.runs.run(id, signal)) === 'written') deps.onFinished?.(id, true);
  } catch (error) {
    const permanent = error instanceof SubjectGoneError;
    if (signal.aborted && !permanent) {
      await deps.runs.retryLater(id);
      throw new RetryLaterError('Stopped with the server; runs again', 5_000);
    }
    if (permanent || job.attempt >= job.maxAttempts) {
      await deps.runs.fail(
        id,
        permanent ? error.message : 'The export could not be written; request a new one',
      );
      deps.onFinished?.(id, false);
      throw new PermanentJobError(error instanceof Error ? error.message : String(error));
    }
    await deps.runs.retryLater(id);
    throw error;
  }
}
