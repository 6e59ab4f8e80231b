import http from 'node:http';

/** One answer: status (0 when the request itself failed), body text, time to the full answer. */
export interface Answer {
  status: number;
  text: string;
  ms: number;
  /** Network error code or 'TIMEOUT' when status is 0. */
  error?: string;
  setCookie?: string[] | undefined;
}

/**
 * A lean keep-alive HTTP client for the load generator: node:http with one shared agent, no
 * body parsing, no validation, so the generator costs as little CPU per request as it can.
 */
export class LeanHttp {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });
  readonly #host: string;
  readonly #port: number;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 60_000,
  ) {
    const u = new URL(baseUrl);
    this.#host = u.hostname;
    this.#port = Number(u.port || 80);
  }

  /** Send one request; never rejects (failures come back as status 0). */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<Answer> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: Omit<Answer, 'ms'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...a, ms: performance.now() - t0 });
      };
      const h: Record<string, string | number> = { ...headers };
      if (body !== undefined) h['content-length'] = Buffer.byteLength(body);
      const req = http.request(
        { host: this.#host, port: this.#port, method, path, headers: h, agent: this.#agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              setCookie: res.headers['set-cookie'],
            }),
          );
          res.on('error', (err: NodeJS.ErrnoException) =>
            done({ status: 0, text: '', error: err.code ?? err.message }),
          );
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        done({ status: 0, text: '', error: 'TIMEOUT' });
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) =>
        done({ status: 0, text: '', error: err.code ?? err.message }),
      );
      req.end(body);
    });
  }

  /** A JSON request; throws unless the status is 2xx, returns the parsed body. */
  async json<T = unknown>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; body: T; setCookie?: string[] | undefined }> {
    const h = body === undefined ? headers : { ...headers, 'content-type': 'application/json' };
    const a = await this.request(
      method,
      path,
      h,
      body === undefined ? undefined : JSON.stringify(body),
    );
    if (a.status < 200 || a.status >= 300) throw new HttpError(method, path, a);
    return {
      status: a.status,
      body: (a.text ? JSON.parse(a.text) : null) as T,
      setCookie: a.setCookie,
    };
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.#agent.destroy();
  }
}

/** A non-2xx answer (or none: status 0) to a JSON request. */
export class HttpError extends Error {
  readonly status: number;
  constructor(method: string, path: string, a: Answer) {
    super(`${method} ${path}: ${a.status || a.error} ${a.text.slice(0, 300)}`);
    this.status = a.status;
  }
}

/** A signed-in user: the headers every request of theirs carries. */
export interface SignedIn {
  userId?: string;
  cookie: string;
  headers: Record<string, string>;
}

/** Sign in over HTTP as the web app does; keeps the session cookie and the CSRF token. */
export async function signIn(client: LeanHttp, email: string, password: string): Promise<SignedIn> {
  const res = await client.json<{ csrfToken: string; user?: { id: string } }>(
    'POST',
    '/api/auth/login',
    {},
    { email, password },
  );
  const cookie = (res.setCookie ?? []).find((c) => c.startsWith('invigil_session='))?.split(';')[0];
  if (!cookie) throw new Error(`login of ${email}: no session cookie`);
  return {
    ...(res.body.user?.id ? { userId: res.body.user.id } : {}),
    cookie,
    headers: { cookie, 'x-csrf-token': res.body.csrfToken },
  };
}
