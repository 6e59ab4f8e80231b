import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/** What the test provider says about one of its accounts (beyond `sub`, the login typed). */
export type ProviderClaims = Record<string, unknown>;

/** Invigil as a client of the test provider. */
export interface ProviderClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** A real OpenID Connect provider (oidc-provider) on a random loopback port. */
export interface TestOidcProvider {
  /** Its issuer URL (http, loopback). */
  issuer: string;
  /**
   * Register Invigil servers as clients. Their addresses are known only once they listen,
   * and they need the issuer to start, so the provider takes its clients afterwards (it is
   * rebuilt; sign-ins in progress are lost).
   */
  setClients(clients: ProviderClient[]): void;
  close(): Promise<void>;
}

/**
 * Start oidc-provider in its development mode over plain http on 127.0.0.1, with its built-in
 * login and consent pages (devInteractions: any login and password are accepted, and the login
 * is the account's `sub`). `accounts` gives the claims of each login; a login not listed has
 * only `sub`. The `groups` scope releases the `groups` claim, as at many institutions.
 */
export async function startOidcProvider(
  accounts: Record<string, ProviderClaims>,
): Promise<TestOidcProvider> {
  let handler: http.RequestListener | undefined;
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503).end('no clients yet');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Signing keys of its own, so it does not use (and warn about) the development keys.
  const signingKey = {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'test-key',
    alg: 'RS256',
    use: 'sig',
  };
  const cookieKeys = [randomBytes(32).toString('base64url')];

  const build = (clients: ProviderClient[]) => {
    const configuration: Configuration = {
      clients: clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: [c.redirectUri],
      })),
      jwks: { keys: [signingKey] },
      cookies: { keys: cookieKeys },
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name'],
        groups: ['groups'],
      },
      scopes: ['openid', 'email', 'profile', 'groups'],
      features: { devInteractions: { enabled: true } },
      // Lifetimes chosen (the defaults print a notice each): a test lasts seconds.
      ttl: {
        AccessToken: 600,
        AuthorizationCode: 60,
        Grant: 600,
        IdToken: 600,
        Interaction: 600,
        Session: 600,
      },
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, ...(accounts[sub] ?? {}) }),
      }),
    };
    const provider = new Provider(issuer, configuration);
    handler = provider.callback();
  };

  return {
    issuer,
    setClients: build,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A cookie jar per host, enough for the provider's and Invigil's cookies in a test. */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  /** The Cookie header for `url`. */
  header(url: URL): string {
    const jar = this.jars.get(url.host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  /** Take the Set-Cookie headers of a response from `url`. */
  store(url: URL, res: Response): void {
    const jar = this.jars.get(url.host) ?? new Map<string, string>();
    this.jars.set(url.host, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
      );
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }

  /** One cookie's value at `host`. */
  get(host: string, name: string): string | undefined {
    return this.jars.get(host)?.get(name);
  }

  /** Set one cookie by hand (e.g. to forge or drop it). */
  set(host: string, name: string, value: string | undefined): void {
    const jar = this.jars.get(host) ?? new Map<string, string>();
    this.jars.set(host, jar);
    if (value === undefined) jar.delete(name);
    else jar.set(name, value);
  }
}

/** A GET as a browser's page load would send it: HTML accepted, redirects not followed. */
export async function navigate(jar: CookieJar, url: URL, init: RequestInit = {}) {
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: jar.header(url), ...init.headers },
  });
  jar.store(url, res);
  return res;
}

/**
 * Follow a sign-in through the provider's development login and consent pages as a person
 * would (logging in as `login`), from the provider's authorization URL until the provider
 * redirects away from itself. Returns that redirect (Invigil's callback URL).
 */
export async function signInAtProvider(
  jar: CookieJar,
  authorizationUrl: string,
  login: string,
): Promise<URL> {
  const providerHost = new URL(authorizationUrl).host;
  let url = new URL(authorizationUrl);
  for (let step = 0; step < 20; step++) {
    if (url.host !== providerHost) return url;
    const res = await navigate(jar, url);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const page = await res.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    if (res.status !== 200 || !prompt) {
      throw new Error(`unexpected provider page ${res.status}: ${page.slice(0, 300)}`);
    }
    const form = new URLSearchParams({ prompt });
    if (prompt === 'login') {
      form.set('login', login);
      form.set('password', 'any password');
    }
    const posted = await navigate(jar, url, {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    url = new URL(posted.headers.get('location') ?? '', url);
  }
  throw new Error('the provider kept redirecting');
}
