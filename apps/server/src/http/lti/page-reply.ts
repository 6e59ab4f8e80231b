import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** A fresh CSP nonce for one page. */
export const newNonce = (): string => randomBytes(16).toString('base64');

/**
 * Answer an LTI page. Its own Content-Security-Policy replaces the server's: nothing loads
 * but the page's nonced style and script, forms post only to this server (and to
 * `formTargets`, the platform's deep-linking return), and any site may frame it, because
 * learning platforms show tools in an iframe (the pages hold nothing a framing site could
 * misuse without the launch's one-time values).
 */
export function sendPage(
  reply: FastifyReply,
  status: number,
  html: string,
  nonce: string,
  formTargets: readonly string[] = [],
): FastifyReply {
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "img-src 'self'",
    `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`,
    'frame-ancestors *',
    "base-uri 'none'",
  ].join('; ');
  reply.removeHeader('x-frame-options');
  return reply
    .status(status)
    .header('content-security-policy', csp)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(html);
}

/**
 * Form posts (application/x-www-form-urlencoded) for the plugin this is called in: platforms
 * post launches as forms. Repeated fields keep their last value.
 */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
}
