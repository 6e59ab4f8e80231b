/** The tool's addresses, from its public base URL. */
export interface ToolUrls {
  baseUrl: string;
}

/** The tool's LTI endpoints under a base URL (the URLs every platform registration names). */
export function toolEndpoints(urls: ToolUrls) {
  const base = urls.baseUrl.replace(/\/+$/, '');
  return {
    login: `${base}/lti/login`,
    launch: `${base}/lti/launch`,
    jwks: `${base}/lti/jwks`,
  };
}

/**
 * The client registration Invigil sends a platform (LTI Dynamic Registration §3.6): an
 * OpenID Connect client that signs its service requests with its own key (private_key_jwt),
 * launched at /lti/launch, offering deep linking, asking for the Advantage `scopes`.
 */
export function toolRegistration(urls: ToolUrls, scopes: readonly string[]) {
  const e = toolEndpoints(urls);
  return {
    application_type: 'web',
    client_name: 'Invigil',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: e.login,
    redirect_uris: [e.launch],
    jwks_uri: e.jwks,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: scopes.join(' '),
    'https://purl.imsglobal.org/spec/lti-tool-configuration': {
      domain: new URL(urls.baseUrl).host,
      description: 'Proctored online exams',
      target_link_uri: e.launch,
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [
        {
          type: 'LtiDeepLinkingRequest',
          target_link_uri: e.launch,
          label: 'Invigil exam',
        },
      ],
    },
  };
}
