import type { LtiServicesConfig } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import { dispatchGrade } from '../../jobs/lti-grades.js';
import type { Clock } from '../../ports/clock.port.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import { LtiDynamicRegistration } from './dynamic-registration.service.js';
import { LtiGradePassback } from './grade-passback.service.js';
import type { LtiCore } from './lti-core.js';
import { LtiRosterSyncService } from './roster-sync.service.js';
import { LtiServiceTokens } from './service-tokens.js';

/**
 * The LTI Advantage services on top of the core: service tokens for the platforms' APIs,
 * roster synchronisation (NRPS), grades to gradebooks (AGS, sent by `lti.grade` jobs) and
 * Dynamic Registration.
 */
export function buildLtiAdvantage(deps: {
  db: Db;
  clock: Clock;
  core: Pick<LtiCore, 'toolKeys' | 'platforms'>;
  jobQueue: JobQueue;
  settings: LtiServicesConfig;
}) {
  const { db, clock, settings } = deps;
  const tokens = new LtiServiceTokens(deps.core.toolKeys, clock);
  const retries = { maxAttempts: settings.gradeMaxAttempts, backoffMs: settings.gradeRetryBaseMs };
  return {
    tokens,
    roster: new LtiRosterSyncService(db, clock, tokens),
    grades: new LtiGradePassback(db, clock, tokens, (sessionId, key) =>
      dispatchGrade(deps.jobQueue, sessionId, key, retries),
    ),
    registration: new LtiDynamicRegistration(db, clock, deps.core.platforms),
  };
}

/** What `buildLtiAdvantage` made. */
export type LtiAdvantage = ReturnType<typeof buildLtiAdvantage>;
