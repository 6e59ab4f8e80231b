import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** An absolute http(s) URL an admin types for a platform's endpoint. */
const EndpointUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    },
    { message: 'Enter a full web address starting with https://' },
  );

/** What an LTI Instructor or TeachingAssistant becomes in Invigil. */
export const LtiInstructorRole = z.enum(['instructor', 'proctor']);
export type LtiInstructorRole = z.infer<typeof LtiInstructorRole>;

/** What an LTI Administrator becomes: `none` leaves it to the person's other LTI roles. */
export const LtiAdminRole = z.enum(['admin', 'instructor', 'none']);
export type LtiAdminRole = z.infer<typeof LtiAdminRole>;

/** POST /api/lti/platforms and PUT /api/lti/platforms/:id (admin): a platform registration. */
export const LtiPlatformInput = z.strictObject({
  name: z.string().trim().min(1, { message: 'Give the platform a name' }).max(200),
  issuer: z.string().trim().min(1, { message: 'Enter the platform ID (issuer)' }).max(2000),
  clientId: z.string().trim().min(1, { message: 'Enter the client ID' }).max(500),
  authLoginUrl: EndpointUrl,
  authTokenUrl: EndpointUrl,
  tokenAudience: z.string().trim().max(2000).nullable().default(null),
  jwksUrl: EndpointUrl,
  deploymentIds: z
    .array(z.string().trim().min(1).max(500))
    .max(100)
    .min(1, { message: 'Enter at least one deployment ID' }),
  instructorRole: LtiInstructorRole.default('instructor'),
  adminRole: LtiAdminRole.default('instructor'),
});
export type LtiPlatformInput = z.infer<typeof LtiPlatformInput>;

/** A platform registration as admins see it. */
export const LtiPlatform = z.object({
  id: Id,
  name: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  authLoginUrl: z.string(),
  authTokenUrl: z.string(),
  tokenAudience: z.string().nullable(),
  jwksUrl: z.string(),
  deploymentIds: z.array(z.string()),
  instructorRole: LtiInstructorRole,
  adminRole: LtiAdminRole,
  createdVia: z.enum(['manual', 'dynamic']),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  /** Resource links (course placements) launched through it. */
  linkCount: z.number().int(),
});
export type LtiPlatform = z.infer<typeof LtiPlatform>;

/** GET /api/lti/platforms. */
export const LtiPlatformList = z.object({ platforms: z.array(LtiPlatform) });
export type LtiPlatformList = z.infer<typeof LtiPlatformList>;

/** A published tool key (its id and when it stops being published, if retired). */
export const LtiToolKey = z.object({
  kid: z.string(),
  createdAt: Timestamp,
  retiredAt: Timestamp.nullable(),
  /** When a retired key leaves the JWKS (null while it signs). */
  publishedUntil: Timestamp.nullable(),
});
export type LtiToolKey = z.infer<typeof LtiToolKey>;

/**
 * GET /api/lti/tool (admin): what a platform admin types into the platform to register
 * Invigil by hand, and the tool's keys.
 */
export const LtiToolInfo = z.object({
  /** The public base URL these are made from (PUBLIC_URL, else the request's). */
  baseUrl: z.string(),
  loginUrl: z.string(),
  launchUrl: z.string(),
  deepLinkUrl: z.string(),
  jwksUrl: z.string(),
  redirectUris: z.array(z.string()),
  keys: z.array(LtiToolKey),
});
export type LtiToolInfo = z.infer<typeof LtiToolInfo>;

/** POST /api/lti/registration-invites (admin): a one-time dynamic registration URL. */
export const LtiRegistrationInvite = z.object({
  url: z.string(),
  expiresAt: Timestamp,
});
export type LtiRegistrationInvite = z.infer<typeof LtiRegistrationInvite>;
