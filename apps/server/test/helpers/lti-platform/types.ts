import type { LtiPlatformInput } from '@invigil/contracts';

/** Claim names of LTI 1.3 core, Deep Linking 2.0, AGS 2.0 and NRPS 2.0. */
export const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  toolPlatform: 'https://purl.imsglobal.org/spec/lti/claim/tool_platform',
  launchPresentation: 'https://purl.imsglobal.org/spec/lti/claim/launch_presentation',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  contentItems: 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items',
  deepLinkData: 'https://purl.imsglobal.org/spec/lti-dl/claim/data',
  deepLinkMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/msg',
  deepLinkErrorMsg: 'https://purl.imsglobal.org/spec/lti-dl/claim/errormsg',
} as const;

/** Full role URIs (LIS vocabulary) as platforms send them. */
export const LTI_ROLES = {
  learner: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
  instructor: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  teachingAssistant: 'http://purl.imsglobal.org/vocab/lis/v2/membership#TeachingAssistant',
  contextAdministrator: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  administrator: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  institutionStudent: 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student',
} as const;

/** OAuth scopes of the Advantage services. */
export const LTI_SCOPES = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
} as const;

/** Media types of the Advantage services. */
export const LTI_MEDIA = {
  membership: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
} as const;

/** A person at the platform: `sub` is the id_token subject and the NRPS/AGS user_id. */
export interface EmulatorUser {
  sub: string;
  name?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  /** Full role URIs (see LTI_ROLES); sent in the id_token and in NRPS. */
  roles: string[];
  /** NRPS membership status (default Active). */
  status?: 'Active' | 'Inactive';
}

/** Which key signs an id_token: a published platform key, or one nobody published. */
export interface SignOverrides {
  /** `kid` header (default: the signing key's own). */
  kid?: string;
  key?: 'platform' | 'rogue';
  /** RS256 (default), RS384, RS512, PS256, ES256, or `none` (an unsigned token). */
  alg?: string;
}

/** What a link click in the course carries (see `launchUrl`). */
export interface LaunchOptions {
  user: EmulatorUser;
  kind: 'resource' | 'deep-link';
  /** Default `link-1`; a resource link (and its line item) is created on first use. */
  resourceLinkId?: string;
  /** Default `course-1`. */
  contextId?: string;
  /** Custom parameters, merged over the resource link's own (from deep linking). */
  custom?: Record<string, string>;
  /** Default `${toolBaseUrl}/lti/launch`. */
  targetLinkUri?: string;
  /** Deployment id in the login request and the id_token (default the emulator's). */
  deploymentId?: string;
  /** Login initiation parameters to add or (with null) leave out. */
  loginParams?: Record<string, string | null>;
  /** Changes to the id_token the auth endpoint answers: claims to set (undefined removes one). */
  idToken?: { claims?: Record<string, unknown>; sign?: SignOverrides };
}

/** A placement of the tool in a course. */
export interface EmulatorResourceLink {
  id: string;
  title: string;
  custom: Record<string, string>;
  /** URL of its line item (AGS `lineitem` claim). */
  lineItemId: string | null;
}

/** An AGS line item (a gradebook column); `id` is its URL. */
export interface AgsLineItem {
  id: string;
  scoreMaximum: number;
  label: string;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
}

/** A score the tool posted, as received (plus the line item it was posted to). */
export interface AgsScore {
  lineItemId: string;
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
  receivedAt: Date;
}

/** A course (LTI context): its roster (NRPS), placements and gradebook (AGS). */
export interface EmulatorCourse {
  id: string;
  label: string;
  title: string;
  members: EmulatorUser[];
  resourceLinks: EmulatorResourceLink[];
  lineItems: AgsLineItem[];
  scores: AgsScore[];
}

/** A verified deep-linking response and the resource links it created in the course. */
export interface DeepLinkReturn {
  jwt: string;
  payload: Record<string, unknown>;
  contextId: string;
  resourceLinkIds: string[];
}

/** A request the emulator turned down, with why (to read when a test fails). */
export interface Refusal {
  path: string;
  status: number;
  reason: string;
}

/** Options of `startLtiPlatform`. */
export interface StartOptions {
  /** Default: the emulator's base URL. */
  issuer?: string;
  clientId?: string;
  deploymentId?: string;
  /** The `aud` client assertions must carry (default the token URL). */
  tokenAudience?: string;
  /** The tool's public base URL, if known at start. */
  toolBaseUrl?: string;
  /** NRPS and line item page size (default 2, so paging is exercised). */
  pageSize?: number;
}

/** A test LMS on a loopback port, speaking LTI 1.3 and the Advantage services. */
export interface LtiPlatformEmulator {
  /** http://127.0.0.1:PORT — another site than the tool at localhost. */
  url: string;
  issuer: string;
  clientId: string;
  deploymentId: string;
  authLoginUrl: string;
  authTokenUrl: string;
  jwksUrl: string;
  /** Registration of this platform, ready for POST /api/lti/platforms. */
  platformInput(): LtiPlatformInput;
  toolBaseUrl: string | null;
  setTool(baseUrl: string): void;
  /**
   * The tool's login initiation URL for a link click (GET it to start the launch). Its
   * login_hint stays valid, so the same click can be replayed.
   */
  launchUrl(o: LaunchOptions): string;
  /** The id_token claims a launch would carry, for tests that sign their own. */
  idTokenClaims(o: LaunchOptions, nonce: string): Record<string, unknown>;
  /** Signs exactly `claims` (nothing added). */
  signIdToken(claims: Record<string, unknown>, o?: SignOverrides): Promise<string>;
  /** A new signing key with a new kid; the old one stays published. Returns the new kid. */
  rotateKey(): Promise<string>;
  /** The course (created empty on first use). */
  course(contextId: string): EmulatorCourse;
  /** The next `n` score posts answer 503. */
  failNextScores(n: number): void;
  deepLinkReturns: DeepLinkReturn[];
  /** Each token grant: the scopes granted. */
  tokenRequests: { scopes: string[] }[];
  /** Registration requests (the tool's JSON) accepted at /register. */
  registrations: Record<string, unknown>[];
  refusals: Refusal[];
  /** An emulator page with the launch in an `<iframe>` (takes a launchUrl or its options). */
  pageUrl(launch: string | LaunchOptions): string;
  /** The tool's registration URL with `openid_configuration` and `registration_token`. */
  dynamicRegistrationStart(toolRegisterUrl: string): string;
  close(): Promise<void>;
}
