import type { Db } from '../../db/database.js';
import type { Keyring } from '../../crypto/master-keys.js';
import type { Clock } from '../../ports/clock.port.js';
import type { AuthService } from '../accounts/auth.service.js';
import type { ExamService } from '../exams/exams.service.js';
import { LtiDeepLinkingService } from './deep-linking.service.js';
import { LtiHandoffs } from './handoffs.js';
import { IdTokenVerifier } from './id-token.js';
import { LtiLaunchService } from './launch.service.js';
import { LtiLoginService } from './login.service.js';
import { LtiPlatformService } from './platforms.service.js';
import { LtiToolKeys } from './tool-keys.js';

/**
 * The LTI 1.3 tool core: its signing keys, the platform registrations, launches and deep
 * linking. `publicUrl` (PUBLIC_URL) makes the redirect URI and the links placed in courses.
 */
export function buildLtiCore(deps: {
  db: Db;
  clock: Clock;
  keyring: Keyring;
  auth: AuthService;
  exams: ExamService;
  publicUrl: string;
}) {
  const { db, clock } = deps;
  const launchUrl = () => `${deps.publicUrl.replace(/\/+$/, '')}/lti/launch`;
  const toolKeys = new LtiToolKeys(db, clock, deps.keyring);
  const platforms = new LtiPlatformService(db, clock);
  const launch = new LtiLaunchService(
    db,
    clock,
    platforms,
    new LtiLoginService(db, clock, platforms, launchUrl),
    new IdTokenVerifier(clock),
    new LtiHandoffs(db, clock, deps.auth),
  );
  const deepLinking = new LtiDeepLinkingService(
    db,
    clock,
    platforms,
    deps.exams,
    toolKeys,
    launchUrl,
  );
  return { toolKeys, platforms, launch, deepLinking };
}

/** What `buildLtiCore` made. */
export type LtiCore = ReturnType<typeof buildLtiCore>;
