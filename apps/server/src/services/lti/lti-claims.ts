import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { LtiAdminRole, LtiInstructorRole, Role } from '@invigil/contracts';
import { ltiError } from './lti-errors.js';

/** The claim names of LTI 1.3 Core, Deep Linking 2.0, NRPS 2.0 and AGS 2.0 this tool reads. */
export const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
} as const;

/** The message types this tool handles. */
export type LtiMessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';

const text = (max: number) => z.string().max(max);

/** What a launch's id_token must carry beyond the checks jose makes (iss, aud, exp, iat). */
const LaunchClaims = z.object({
  sub: text(255).min(1),
  nonce: text(512).min(1),
  azp: text(500).optional(),
  name: text(500).optional(),
  given_name: text(250).optional(),
  family_name: text(250).optional(),
  email: text(320).optional(),
  [CLAIM.messageType]: z.enum(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']),
  [CLAIM.version]: z.literal('1.3.0'),
  [CLAIM.deploymentId]: text(500).min(1),
  [CLAIM.roles]: z.array(text(500)).max(200),
  [CLAIM.resourceLink]: z.object({ id: text(500).min(1), title: text(1000).nullish() }).optional(),
  [CLAIM.context]: z
    .object({ id: text(500).min(1), title: text(1000).nullish(), label: text(500).nullish() })
    .optional(),
  [CLAIM.custom]: z.record(z.string(), z.unknown()).optional(),
  [CLAIM.deepLinkingSettings]: z
    .object({
      deep_link_return_url: z.url({ protocol: /^https?$/ }).max(2000),
      accept_types: z.array(text(100)).optional(),
      accept_multiple: z.boolean().optional(),
      data: text(4000).optional(),
    })
    .optional(),
  [CLAIM.ags]: z
    .object({
      scope: z.array(text(500)).optional(),
      lineitems: text(2000).optional(),
      lineitem: text(2000).optional(),
    })
    .optional(),
  [CLAIM.nrps]: z.object({ context_memberships_url: text(2000) }).optional(),
});

/** A launch as this tool uses it, read from a verified id_token. */
export interface LtiLaunch {
  messageType: LtiMessageType;
  subject: string;
  nonce: string;
  deploymentId: string;
  roles: string[];
  name: string | null;
  email: string | null;
  resourceLink: { id: string; title: string | null } | null;
  context: { id: string; title: string | null } | null;
  custom: Record<string, string>;
  deepLinking: {
    returnUrl: string;
    acceptTypes: string[];
    acceptMultiple: boolean;
    data: string | null;
  } | null;
  ags: { scopes: string[]; lineItems: string | null; lineItem: string | null } | null;
  membershipsUrl: string | null;
}

/**
 * Read a verified token's LTI claims; anything missing or malformed (per message type) is
 * LTI_BAD_MESSAGE, with the first problem as its cause (for the log and the audit trail).
 */
export function readLaunch(payload: Record<string, unknown>): LtiLaunch {
  const parsed = LaunchClaims.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw ltiError('LTI_BAD_MESSAGE', `${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  const c = parsed.data;
  const messageType = c[CLAIM.messageType];
  const link = c[CLAIM.resourceLink];
  if (messageType === 'LtiResourceLinkRequest' && !link) {
    throw ltiError('LTI_BAD_MESSAGE', 'resource link launch without resource_link.id');
  }
  const dl = c[CLAIM.deepLinkingSettings];
  if (messageType === 'LtiDeepLinkingRequest' && !dl) {
    throw ltiError('LTI_BAD_MESSAGE', 'deep linking request without deep_linking_settings');
  }
  const name =
    c.name?.trim() || [c.given_name, c.family_name].filter(Boolean).join(' ').trim() || null;
  const email = c.email?.trim().toLowerCase() || null;
  const context = c[CLAIM.context];
  const ags = c[CLAIM.ags];
  return {
    messageType,
    subject: c.sub,
    nonce: c.nonce,
    deploymentId: c[CLAIM.deploymentId],
    roles: c[CLAIM.roles],
    name,
    email: email && z.email().safeParse(email).success ? email : null,
    resourceLink: link ? { id: link.id, title: link.title ?? null } : null,
    context: context ? { id: context.id, title: context.title ?? null } : null,
    custom: Object.fromEntries(
      Object.entries(c[CLAIM.custom] ?? {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    ),
    deepLinking: dl
      ? {
          returnUrl: dl.deep_link_return_url,
          acceptTypes: dl.accept_types ?? [],
          acceptMultiple: dl.accept_multiple ?? false,
          data: dl.data ?? null,
        }
      : null,
    ags: ags
      ? {
          scopes: ags.scope ?? [],
          lineItems: ags.lineitems ?? null,
          lineItem: ags.lineitem ?? null,
        }
      : null,
    membershipsUrl: c[CLAIM.nrps]?.context_memberships_url ?? null,
  };
}

/** The LIS roles this tool maps, by their short name. */
type LisRole = 'Learner' | 'Instructor' | 'TeachingAssistant' | 'Administrator';

const CONTEXT_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const CONTEXT_SUB_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/membership/';
const INSTITUTION_ROLE = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';

/**
 * The LIS role a role URI stands for: context roles (full or short names), sub-roles by
 * their principal role (`membership/Instructor#TeachingAssistant` is an instructor's), and
 * the institution Administrator. Anything else (Mentor, ContentDeveloper …) maps to nothing.
 */
export function lisRole(uri: string): LisRole | null {
  let name: string | undefined;
  if (uri.startsWith(CONTEXT_ROLE)) name = uri.slice(CONTEXT_ROLE.length);
  else if (uri.startsWith(CONTEXT_SUB_ROLE)) {
    const [principal, sub] = uri.slice(CONTEXT_SUB_ROLE.length).split('#');
    name = sub === 'TeachingAssistant' ? sub : principal;
  } else if (uri.startsWith(INSTITUTION_ROLE)) {
    name = uri.slice(INSTITUTION_ROLE.length);
    if (name !== 'Administrator') return null;
  } else if (!uri.includes(':')) name = uri;
  switch (name) {
    case 'Learner':
    case 'Instructor':
    case 'TeachingAssistant':
    case 'Administrator':
      return name;
    default:
      return null;
  }
}

/** Invigil roles from least to most privileged. */
const RANK: Record<Role, number> = { student: 0, proctor: 1, instructor: 2, admin: 3 };

/** The more privileged of two roles. */
export const higherRole = (a: Role, b: Role): Role => (RANK[a] >= RANK[b] ? a : b);

/**
 * The Invigil role a launch's LTI roles map to (the highest wins), by the platform's
 * settings; null when none maps.
 */
export function mapRoles(
  roles: readonly string[],
  settings: { instructorRole: LtiInstructorRole; adminRole: LtiAdminRole },
): Role | null {
  let best: Role | null = null;
  for (const uri of roles) {
    const lis = lisRole(uri);
    const role: Role | null =
      lis === 'Learner'
        ? 'student'
        : lis === 'Instructor' || lis === 'TeachingAssistant'
          ? settings.instructorRole
          : lis === 'Administrator' && settings.adminRole !== 'none'
            ? settings.adminRole
            : null;
    if (role) best = best ? higherRole(best, role) : role;
  }
  return best;
}

/** The address of an account made for a launch without an e-mail claim (never deliverable). */
export function placeholderEmail(issuer: string, subject: string): string {
  const digest = createHash('sha256').update(`${issuer}|${subject}`).digest('hex');
  return `lti-${digest.slice(0, 16)}@lti.invalid`;
}
