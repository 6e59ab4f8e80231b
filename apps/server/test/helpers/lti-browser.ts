import { readAutoPostForm } from './lti-platform.js';

/** A response as the LTI tests read it. */
export interface PageResponse {
  status: number;
  html: string;
  headers: Headers;
  location: string | null;
}

/** The form a page would post (its first form), as the browser would. */
export interface PostedForm {
  action: string;
  fields: Record<string, string>;
}

/**
 * A browser as far as LTI launches need one, without running scripts: it follows a launch
 * from the platform's link to the tool's page, keeping the tool's cookies (the state cookie,
 * then the session cookie) and doing what the pages' auto-submitting forms would do.
 */
export class LtiBrowser {
  /** Cookies by name (one site matters: the tool's). */
  readonly cookies = new Map<string, string>();
  /** The id_token form the platform posted last (for replays). */
  lastLaunchForm: PostedForm | null = null;

  constructor(private readonly toolBaseUrl: string) {}

  /** The Cookie header for the tool. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** A request, no redirects followed; tool cookies are sent and kept. */
  async fetch(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<PageResponse> {
    const absolute = new URL(url, this.toolBaseUrl).href;
    const toTool = absolute.startsWith(this.toolBaseUrl);
    const headers: Record<string, string> = { ...init.headers };
    if (toTool && this.cookies.size > 0) headers.cookie = this.cookieHeader();
    if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(absolute, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(init.form && { body: new URLSearchParams(init.form).toString() }),
    });
    if (toTool) {
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
        if (expired) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return {
      status: res.status,
      html: await res.text(),
      headers: res.headers,
      location: res.headers.get('location'),
    };
  }

  /**
   * Click a platform link: the tool's login initiation, the platform's authorisation
   * endpoint, then the form post of the id_token to the tool. Returns the tool's answer.
   */
  async launch(loginUrl: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    const login = await this.fetch(loginUrl);
    if (login.status !== 302 || !login.location) return login;
    const auth = await this.fetch(login.location);
    if (auth.status !== 200) throw new Error(`platform refused: ${auth.status} ${auth.html}`);
    const form = readAutoPostForm(auth.html);
    this.lastLaunchForm = form;
    return this.post(form, headers);
  }

  /** Post a form as the page holding it would. */
  post(form: PostedForm, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.fetch(form.action, { form: form.fields, headers });
  }

  /** The session cookie, once a handoff set it. */
  get session(): string | undefined {
    return this.cookies.get('invigil_session');
  }
}

/** The first form of a page. */
export const formOf = (html: string): PostedForm => readAutoPostForm(html);
