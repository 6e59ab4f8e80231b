import {
  LtiPlatformInput,
  type LtiAdminRole,
  type LtiInstructorRole,
  type LtiPlatform,
} from '@invigil/contracts';
import { ApiError, fieldErrors } from '../api/errors';

/** The platform form as typed: text inputs, deployment ids one per line. */
export interface LtiPlatformForm {
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  authTokenUrl: string;
  /** Empty: the token URL is the audience of the client assertion. */
  tokenAudience: string;
  jwksUrl: string;
  /** One deployment id per line. */
  deploymentIds: string;
  instructorRole: LtiInstructorRole;
  adminRole: LtiAdminRole;
}

/** The form's fields (the keys errors are reported under). */
export type LtiPlatformField = keyof LtiPlatformForm;

/** What an LMS Instructor or Teaching Assistant becomes, for the role select. */
export const INSTRUCTOR_ROLE_LABELS: Record<LtiInstructorRole, string> = {
  instructor: 'Instructor (edits the exam, sees results)',
  proctor: 'Proctor (watches and reviews only)',
};

/** What an LMS Administrator becomes, for the role select. */
export const ADMIN_ROLE_LABELS: Record<LtiAdminRole, string> = {
  instructor: 'Instructor',
  admin: 'Invigil administrator (full access)',
  none: 'Nothing of its own (their course role decides)',
};

/** An empty form with the contract's default role mapping. */
export function emptyPlatformForm(): LtiPlatformForm {
  return {
    name: '',
    issuer: '',
    clientId: '',
    authLoginUrl: '',
    authTokenUrl: '',
    tokenAudience: '',
    jwksUrl: '',
    deploymentIds: '',
    instructorRole: 'instructor',
    adminRole: 'instructor',
  };
}

/** The form values of a saved registration (to edit it). */
export function platformToForm(p: LtiPlatform): LtiPlatformForm {
  return {
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    authLoginUrl: p.authLoginUrl,
    authTokenUrl: p.authTokenUrl,
    tokenAudience: p.tokenAudience ?? '',
    jwksUrl: p.jwksUrl,
    deploymentIds: p.deploymentIds.join('\n'),
    instructorRole: p.instructorRole,
    adminRole: p.adminRole,
  };
}

/** The non-empty lines of a text area, trimmed, each once, in order. */
export function splitLines(text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const value = line.trim();
    if (value) seen.add(value);
  }
  return [...seen];
}

/** A message as a sentence: the contract's messages come without the final full stop. */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** Either the request body or messages by field. */
export type PlatformFormResult =
  | { ok: true; input: LtiPlatformInput }
  | { ok: false; errors: Partial<Record<LtiPlatformField, string>> };

/**
 * Checks the form with the API's own contract (so the admin sees every problem at once, in
 * the server's words) and builds the body; the server checks again.
 */
export function formToPlatformInput(form: LtiPlatformForm): PlatformFormResult {
  const audience = form.tokenAudience.trim();
  const parsed = LtiPlatformInput.safeParse({
    name: form.name,
    issuer: form.issuer,
    clientId: form.clientId,
    authLoginUrl: form.authLoginUrl,
    authTokenUrl: form.authTokenUrl,
    tokenAudience: audience === '' ? null : audience,
    jwksUrl: form.jwksUrl,
    deploymentIds: splitLines(form.deploymentIds),
    instructorRole: form.instructorRole,
    adminRole: form.adminRole,
  });
  if (parsed.success) return { ok: true, input: parsed.data };
  const errors: Partial<Record<LtiPlatformField, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as LtiPlatformField | undefined;
    if (!field || errors[field]) continue;
    errors[field] =
      field === 'deploymentIds' && issue.path.length > 1
        ? 'Each deployment ID must be at most 500 characters.'
        : sentence(issue.message);
  }
  return { ok: false, errors };
}

/**
 * Field errors of a failed save: validation details by field, and a duplicate registration
 * (LTI_PLATFORM_EXISTS) on the issuer and client id that clash.
 */
export function platformSaveErrors(error: unknown): Partial<Record<LtiPlatformField, string>> {
  if (error instanceof ApiError && error.code === 'LTI_PLATFORM_EXISTS') {
    const text = 'Another registration has this platform ID and client ID.';
    return { issuer: text, clientId: text };
  }
  const out: Partial<Record<LtiPlatformField, string>> = {};
  for (const [path, message] of Object.entries(fieldErrors(error))) {
    const field = path.split('.')[0] as LtiPlatformField;
    if (field in emptyPlatformForm() && !out[field]) out[field] = message;
  }
  return out;
}

/** The LMSs whose usual platform endpoints the form can fill in. */
export const LMS_PRESETS = {
  moodle: { label: 'Moodle', needsSite: true },
  canvas: { label: 'Canvas (hosted by Instructure)', needsSite: false },
  brightspace: { label: 'D2L Brightspace', needsSite: true },
  blackboard: { label: 'Blackboard Learn', needsSite: false },
} as const;

/** An LMS the form knows the endpoints of. */
export type LmsKind = keyof typeof LMS_PRESETS;

/** The site address without a trailing slash, or null when it is not an http(s) URL. */
function siteOrigin(site: string): string | null {
  try {
    const url = new URL(site.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/**
 * The endpoints an LMS usually shows for an LTI 1.3 tool, from its site address (Moodle and
 * Brightspace are per site; hosted Canvas and Blackboard use shared endpoints). Null when the
 * site address is needed and not a valid URL. The admin still checks them against the LMS.
 */
export function lmsPresetFields(
  kind: LmsKind,
  site: string,
  clientId = '',
): Pick<
  LtiPlatformForm,
  'issuer' | 'authLoginUrl' | 'authTokenUrl' | 'tokenAudience' | 'jwksUrl'
> | null {
  switch (kind) {
    case 'moodle': {
      const base = siteOrigin(site);
      if (!base) return null;
      return {
        issuer: base,
        authLoginUrl: `${base}/mod/lti/auth.php`,
        authTokenUrl: `${base}/mod/lti/token.php`,
        tokenAudience: '',
        jwksUrl: `${base}/mod/lti/certs.php`,
      };
    }
    case 'brightspace': {
      const base = siteOrigin(site);
      if (!base) return null;
      return {
        issuer: base,
        authLoginUrl: `${base}/d2l/lti/authenticate`,
        authTokenUrl: 'https://auth.brightspace.com/core/connect/token',
        tokenAudience: 'https://api.brightspace.com/auth/token',
        jwksUrl: `${base}/d2l/.well-known/jwks`,
      };
    }
    case 'canvas':
      return {
        issuer: 'https://canvas.instructure.com',
        authLoginUrl: 'https://sso.canvaslms.com/api/lti/authorize_redirect',
        authTokenUrl: 'https://sso.canvaslms.com/login/oauth2/token',
        tokenAudience: '',
        jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
      };
    case 'blackboard':
      return {
        issuer: 'https://blackboard.com',
        authLoginUrl: 'https://developer.anthology.com/api/v1/gateway/oidcauth',
        authTokenUrl: 'https://developer.anthology.com/api/v1/gateway/oauth2/jwttoken',
        tokenAudience: '',
        // The key set is per application, named by the client id (left empty until it is known).
        jwksUrl: clientId.trim()
          ? `https://developer.anthology.com/api/v1/management/applications/${encodeURIComponent(clientId.trim())}/jwks.json`
          : '',
      };
  }
}
