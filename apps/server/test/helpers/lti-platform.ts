/**
 * An LTI 1.3 Advantage platform (a test LMS) for integration and browser tests: see
 * `startLtiPlatform` and the `LtiPlatformEmulator` interface.
 */
export { startLtiPlatform } from './lti-platform/server.js';
export { readAutoPostForm } from './lti-platform/http.js';
export {
  CLAIM,
  LTI_MEDIA,
  LTI_ROLES,
  LTI_SCOPES,
  type AgsLineItem,
  type AgsScore,
  type DeepLinkReturn,
  type EmulatorCourse,
  type EmulatorResourceLink,
  type EmulatorUser,
  type LaunchOptions,
  type LtiPlatformEmulator,
  type Refusal,
  type SignOverrides,
  type StartOptions,
} from './lti-platform/types.js';
