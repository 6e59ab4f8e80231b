import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import type { EventBus } from './ports/event-bus.port.js';
import type { BlobStore } from './ports/blob-store.port.js';
import type { JobQueue } from './ports/job-queue.port.js';
import type { EvidenceWatchdog } from './services/detection/evidence-watchdog.service.js';
import {
  type AppOverrides,
  openAdapters,
  type ProcessRole,
  SOLE_PROCESS,
} from './composition/adapters.js';
import { createHttpServer } from './composition/http-server.js';
import { startSampling, startWorkerLoops } from './composition/loops.js';
import { registerRoutes } from './composition/routes.js';
import { buildServices, createMetrics, type Services } from './composition/services.js';

export { type AppOverrides, type ProcessRole, SOLE_PROCESS } from './composition/adapters.js';

/** A running application: the HTTP server and the resources it owns. */
export interface InvigilApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  /** Where flag and risk changes are published (live dashboards subscribe here). */
  bus: EventBus;
  /** The evidence watchdog its job runs every EVIDENCE_SWEEP_SECONDS (tests sweep it directly). */
  evidence: EvidenceWatchdog;
  /** The background job queue (dead letters and counts for the system page; tests). */
  jobs: JobQueue;
  /** The blob store as every service uses it: encrypted (tests read through it). */
  blobs: BlobStore;
  /** Stop accepting requests, then release the database. */
  close(): Promise<void>;
}

/**
 * The composition root, in the order of composition/: the configuration names the adapters
 * (adapters.ts), the HTTP server is set up (http-server.ts), the services are built on the
 * adapters (services.ts), the routes of this process's roles are mounted (routes.ts) and,
 * with the worker role, the background loops start (loops.ts). Nothing else chooses a backend.
 */
export async function createApp(
  config: Config,
  overrides: AppOverrides = {},
  role: ProcessRole = SOLE_PROCESS,
): Promise<InvigilApp> {
  // The background loops run here if this process is the jobs process of its machine and
  // has the worker role (ROLES); otherwise another process runs them.
  const runsJobs = role.jobs && config.roles.has('worker');
  // Adapters and metrics report through the server's logger, and metrics read the live
  // sockets, once those exist (made later in this function).
  const late: { log?: FastifyBaseLogger; services?: Services } = {};
  const warnings: string[] = [];
  const a = await openAdapters(config, overrides, role, {
    error: (err, msg) => late.log?.error({ err }, msg),
    warn: (msg) => (late.log ? late.log.warn(msg) : warnings.push(msg)),
    detectorPriority: (outcome, worker) =>
      late.log?.[outcome.applied ? 'info' : 'debug'](
        { ...outcome, ...worker },
        'detector worker priority',
      ),
  });
  const metrics = createMetrics(
    config,
    a,
    runsJobs,
    () => late.services?.liveHub.sizes ?? { staff: 0, student: 0 },
    (err, msg) => late.log?.error({ err }, msg),
  );
  const app = await createHttpServer(config, a.rateRedis, (server) => metrics.instrument(server));
  late.log = app.log;
  for (const warning of warnings.splice(0)) app.log.warn(warning);
  const services = buildServices(config, a, metrics, app.log);
  late.services = services;
  await registerRoutes(app, config, a, services);
  const stopLoops = runsJobs
    ? await startWorkerLoops(config, a, services, app.log)
    : async () => undefined;
  const sampler = startSampling(config, a, services, app.log, runsJobs);

  return {
    app,
    database: a.database,
    config,
    bus: a.bus,
    evidence: services.evidence,
    jobs: a.jobQueue,
    blobs: a.blobs,
    close: async () => {
      services.health.stop();
      await app.close();
      metrics.close();
      await stopLoops();
      await sampler.stop();
      await services.passwordResets.settled();
      await a.close();
    },
  };
}
