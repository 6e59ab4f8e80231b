import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { bearerToken, isRecord, oauthError, readJsonObject, sendJson } from './http.js';
import { PRODUCT } from './launch.js';
import type { PlatformState } from './state.js';
import { LTI_SCOPES } from './types.js';

const PLATFORM_CONFIG = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

/** The URL of the platform's OpenID configuration. */
export const openidConfigurationUrl = (state: PlatformState) =>
  `${state.url}/.well-known/openid-configuration`;

/** `toolRegisterUrl` with a new single-use registration token (Dynamic Registration 3.3). */
export function startRegistration(state: PlatformState, toolRegisterUrl: string): string {
  const token = randomBytes(24).toString('base64url');
  state.registrationTokens.add(token);
  const url = new URL(toolRegisterUrl);
  url.searchParams.set('openid_configuration', openidConfigurationUrl(state));
  url.searchParams.set('registration_token', token);
  return url.href;
}

/** GET /.well-known/openid-configuration (Dynamic Registration 3.4 and 3.5). */
export function handleOpenidConfiguration(state: PlatformState, res: http.ServerResponse): void {
  sendJson(res, 200, {
    issuer: state.issuer,
    authorization_endpoint: `${state.url}/auth`,
    token_endpoint: `${state.url}/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    jwks_uri: `${state.url}/jwks`,
    registration_endpoint: `${state.url}/register`,
    scopes_supported: ['openid', ...Object.values(LTI_SCOPES)],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['iss', 'aud', 'sub', 'name', 'given_name', 'family_name', 'email'],
    authorization_server: `${state.url}/token`,
    [PLATFORM_CONFIG]: {
      product_family_code: PRODUCT.family,
      version: PRODUCT.version,
      messages_supported: [
        { type: 'LtiResourceLinkRequest' },
        { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] },
      ],
      variables: ['Context.id', 'ResourceLink.id', 'User.id', 'Person.email.primary'],
    },
  });
}

const invalid = (why: string) => oauthError(400, 'invalid_client_metadata', why);

/**
 * POST /register (Dynamic Registration 3.5): needs a registration token handed out by
 * `dynamicRegistrationStart` (each works once), checks the tool's OpenID client metadata and
 * answers it with the emulator's client_id and deployment_id. The tool becomes the emulator's
 * tool if none was set.
 */
export async function handleRegister(
  state: PlatformState,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const token = bearerToken(req);
  if (!token || !state.registrationTokens.delete(token)) {
    throw oauthError(401, 'invalid_token', 'a valid registration token is required');
  }
  const body = await readJsonObject(req, ['application/json']);
  const toolConfig = checkMetadata(body);
  state.registrations.push(body);
  if (!state.toolBaseUrl) state.toolBaseUrl = toolBaseFrom(body.initiate_login_uri as string);
  sendJson(res, 200, {
    ...body,
    client_id: state.clientId,
    [TOOL_CONFIG]: { ...toolConfig, deployment_id: state.deploymentId },
  });
}

/** The tool configuration of valid client metadata; throws invalid_client_metadata. */
function checkMetadata(body: Record<string, unknown>): Record<string, unknown> {
  const list = (k: string) => (Array.isArray(body[k]) ? (body[k] as unknown[]) : []);
  if (body.application_type !== 'web') throw invalid('application_type must be web');
  if (!list('response_types').includes('id_token')) throw invalid('response_types needs id_token');
  for (const grant of ['implicit', 'client_credentials']) {
    if (!list('grant_types').includes(grant)) throw invalid(`grant_types needs ${grant}`);
  }
  if (body.token_endpoint_auth_method !== 'private_key_jwt') {
    throw invalid('token_endpoint_auth_method must be private_key_jwt');
  }
  const toolConfig = body[TOOL_CONFIG];
  if (!isRecord(toolConfig)) throw invalid(`${TOOL_CONFIG} is required`);
  const domain = toolConfig.domain;
  if (typeof domain !== 'string' || !domain) throw invalid('the tool configuration needs domain');
  if (typeof toolConfig.target_link_uri !== 'string') throw invalid('target_link_uri is required');
  const uris = [body.initiate_login_uri, body.jwks_uri, ...list('redirect_uris')];
  if (list('redirect_uris').length === 0) throw invalid('redirect_uris is required');
  for (const uri of uris) {
    const host = hostOf(uri);
    if (host === null) throw invalid(`not an absolute URL: ${String(uri)}`);
    if (host.host !== domain && host.hostname !== domain) {
      throw invalid(`${String(uri)} is not on the tool's domain ${domain}`);
    }
  }
  if (typeof body.client_name !== 'string' || !body.client_name)
    throw invalid('client_name is required');
  return toolConfig;
}

function hostOf(uri: unknown): URL | null {
  if (typeof uri !== 'string') return null;
  try {
    return new URL(uri);
  } catch {
    return null;
  }
}

/** The tool's base URL from its login initiation URL (`${base}/lti/login`). */
const toolBaseFrom = (loginUri: string) =>
  loginUri.endsWith('/lti/login')
    ? loginUri.slice(0, -'/lti/login'.length)
    : new URL(loginUri).origin;
