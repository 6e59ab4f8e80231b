import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  doublePrecision,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';
import { examSessions, exams, users } from './schema-core.js';

/**
 * Learning platforms (Moodle, Canvas, Brightspace, Blackboard) registered with Invigil as an
 * LTI 1.3 tool (services/lti/). One row is one registration: the platform's issuer and the
 * client id it gave Invigil, and its endpoints. Made by an admin by hand or by LTI Dynamic
 * Registration.
 */
export const ltiPlatforms = pgTable(
  'lti_platforms',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Shown to admins and instructors ("Moodle of the Faculty of Law"). */
    name: text('name').notNull(),
    issuer: text('issuer').notNull(),
    clientId: text('client_id').notNull(),
    /** The platform's OIDC authorisation endpoint (where a login initiation redirects). */
    authLoginUrl: text('auth_login_url').notNull(),
    /** The platform's OAuth 2 token endpoint (Advantage services). */
    authTokenUrl: text('auth_token_url').notNull(),
    /** The `aud` of the tool's client assertion when it is not the token URL (Brightspace). */
    tokenAudience: text('token_audience'),
    jwksUrl: text('jwks_url').notNull(),
    /** What an LTI Instructor or TeachingAssistant becomes: `instructor` or `proctor`. */
    instructorRole: text('instructor_role').notNull().default('instructor'),
    /** What an LTI Administrator becomes: `admin`, `instructor` or `none` (as their other roles say). */
    adminRole: text('admin_role').notNull().default('instructor'),
    /** `manual` or `dynamic`. */
    createdVia: text('created_via').notNull().default('manual'),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('lti_platforms_issuer_client_key').on(t.issuer, t.clientId),
    check(
      'lti_platforms_instructor_role_check',
      sql`${t.instructorRole} in ('instructor', 'proctor')`,
    ),
    check('lti_platforms_admin_role_check', sql`${t.adminRole} in ('admin', 'instructor', 'none')`),
    check('lti_platforms_created_via_check', sql`${t.createdVia} in ('manual', 'dynamic')`),
  ],
);

/** The deployment ids a platform registration accepts launches from (`lti/claim/deployment_id`). */
export const ltiDeployments = pgTable(
  'lti_deployments',
  {
    platformId: uuid('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platformId, t.deploymentId] })],
);

/**
 * The tool's own RS256 signing keys (client assertions, deep-linking responses). The private
 * key is sealed by the master keyring. The newest unretired key signs; a retired key is still
 * published in the JWKS for a grace period so platforms holding a cached copy keep verifying.
 */
export const ltiToolKeys = pgTable('lti_tool_keys', {
  kid: text('kid').primaryKey(),
  /** The public JWK (kty, n, e, kid, alg, use). */
  publicJwk: jsonb('public_jwk').notNull(),
  /** The private key as PKCS#8 PEM, sealed (SealedValue). */
  privateKey: jsonb('private_key').notNull(),
  createdAt: tz('created_at').notNull().defaultNow(),
  retiredAt: tz('retired_at'),
});

/**
 * Login initiations waiting for their launch: the `state` (stored as its SHA-256) and the
 * `nonce` sent to the platform. The state is also in a cookie of the browser that started the
 * login, so a launch is accepted only in that browser, once (`used_at`), before `expires_at`.
 */
export const ltiLoginStates = pgTable(
  'lti_login_states',
  {
    stateHash: text('state_hash').primaryKey(),
    nonce: text('nonce').notNull(),
    platformId: uuid('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    createdAt: tz('created_at').notNull().defaultNow(),
    expiresAt: tz('expires_at').notNull(),
    usedAt: tz('used_at'),
  },
  (t) => [index('lti_login_states_expires_idx').on(t.expiresAt)],
);

/**
 * Resource links (a placement of Invigil in a course) and the exam each opens. The Advantage
 * service endpoints of the newest launch are kept for roster and grade work done later.
 */
export const ltiResourceLinks = pgTable(
  'lti_resource_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    platformId: uuid('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    resourceLinkId: text('resource_link_id').notNull(),
    examId: uuid('exam_id')
      .notNull()
      .references(() => exams.id, { onDelete: 'cascade' }),
    contextId: text('context_id'),
    contextTitle: text('context_title'),
    title: text('title'),
    /** AGS: the line item of this link, the course's line items, and the scopes granted. */
    lineItemUrl: text('line_item_url'),
    lineItemsUrl: text('line_items_url'),
    agsScopes: jsonb('ags_scopes').$type<string[]>().notNull().default([]),
    /** NRPS: the course's membership URL. */
    membershipsUrl: text('memberships_url'),
    createdAt: tz('created_at').notNull().defaultNow(),
    lastLaunchAt: tz('last_launch_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('lti_resource_links_key').on(t.platformId, t.deploymentId, t.resourceLinkId),
    index('lti_resource_links_exam_idx').on(t.examId),
  ],
);

/**
 * One-time tickets from a verified launch to a signed-in browser window: the launch page
 * (possibly inside the platform's iframe) hands the ticket to a new top-level window, which
 * exchanges it for a session cookie and goes to `target` (an in-app path).
 */
export const ltiHandoffs = pgTable(
  'lti_handoffs',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    target: text('target').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
    expiresAt: tz('expires_at').notNull(),
    usedAt: tz('used_at'),
  },
  (t) => [index('lti_handoffs_expires_idx').on(t.expiresAt)],
);

/**
 * A deep-linking request from a verified launch, waiting for the instructor's choice: where
 * the answer goes, the platform's opaque `data`, and what it accepts. Its id (random) is the
 * chooser page's credential, for this user, until used or expired.
 */
export const ltiDeepLinkRequests = pgTable(
  'lti_deep_link_requests',
  {
    id: text('id').primaryKey(),
    platformId: uuid('platform_id')
      .notNull()
      .references(() => ltiPlatforms.id, { onDelete: 'cascade' }),
    deploymentId: text('deployment_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    returnUrl: text('return_url').notNull(),
    data: text('data'),
    acceptMultiple: boolean('accept_multiple').notNull().default(false),
    contextId: text('context_id'),
    contextTitle: text('context_title'),
    createdAt: tz('created_at').notNull().defaultNow(),
    expiresAt: tz('expires_at').notNull(),
    usedAt: tz('used_at'),
  },
  (t) => [index('lti_deep_link_requests_expires_idx').on(t.expiresAt)],
);

/**
 * One-time invitations to register a platform by LTI Dynamic Registration: an admin makes
 * one, pastes its URL into the platform, and the first registration through it uses it up.
 */
export const ltiRegistrationInvites = pgTable('lti_registration_invites', {
  tokenHash: text('token_hash').primaryKey(),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: tz('created_at').notNull().defaultNow(),
  expiresAt: tz('expires_at').notNull(),
  usedAt: tz('used_at'),
  platformId: uuid('platform_id').references(() => ltiPlatforms.id, { onDelete: 'set null' }),
});

/** Roster synchronisations (NRPS) of a resource link's course into its exam's registrations. */
export const ltiRosterSyncs = pgTable(
  'lti_roster_syncs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    linkId: uuid('link_id')
      .notNull()
      .references(() => ltiResourceLinks.id, { onDelete: 'cascade' }),
    /** `manual` or `schedule`. */
    trigger: text('trigger').notNull(),
    /** `running`, `done` or `failed`. */
    status: text('status').notNull().default('running'),
    members: integer('members').notNull().default(0),
    added: integer('added').notNull().default(0),
    existing: integer('existing').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    error: text('error'),
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: tz('started_at').notNull().defaultNow(),
    finishedAt: tz('finished_at'),
  },
  (t) => [
    index('lti_roster_syncs_link_idx').on(t.linkId, t.startedAt),
    check('lti_roster_syncs_trigger_check', sql`${t.trigger} in ('manual', 'schedule')`),
    check('lti_roster_syncs_status_check', sql`${t.status} in ('running', 'done', 'failed')`),
  ],
);

/**
 * The score sent (or withheld) to the platform's gradebook for an attempt reached by LTI,
 * after its review verdict (AGS). Failures are retried by the job queue and shown here.
 */
export const ltiGradeSubmissions = pgTable(
  'lti_grade_submissions',
  {
    sessionId: uuid('session_id')
      .primaryKey()
      .references(() => examSessions.id, { onDelete: 'cascade' }),
    linkId: uuid('link_id')
      .notNull()
      .references(() => ltiResourceLinks.id, { onDelete: 'cascade' }),
    /** `pending`, `sent`, `withheld` or `failed`. */
    status: text('status').notNull().default('pending'),
    scoreGiven: doublePrecision('score_given'),
    scoreMaximum: doublePrecision('score_maximum'),
    comment: text('comment'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: tz('sent_at'),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('lti_grade_submissions_link_idx').on(t.linkId),
    check(
      'lti_grade_submissions_status_check',
      sql`${t.status} in ('pending', 'sent', 'withheld', 'failed')`,
    ),
  ],
);
