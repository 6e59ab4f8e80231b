import { contentTypeExtension } from '@invigil/contracts';

/**
 * The fixed headers of every stored-blob response (200, 206 and 304). A student chose the
 * bytes, a staff member's browser opens them, so nothing here comes from the upload:
 * - `Content-Type` is the allow-listed type the stored type maps to (anything else, such as a
 *   row written before types were parsed strictly, is served as `application/octet-stream`);
 * - `nosniff` stops the browser from guessing HTML or script from the bytes;
 * - `Content-Security-Policy: default-src 'none'; sandbox` makes the response an opaque,
 *   script-less document even if opened directly in a tab;
 * - `Cross-Origin-Resource-Policy: same-origin` keeps other sites from embedding it;
 * - `Content-Disposition: inline` with a fixed name: `<img>` and `<video>` ignore it, and a
 *   reviewer opening a photo in its own tab sees it rather than a download — safe because
 *   of the three headers above.
 */
export function blobHeaders(
  storedType: string,
  allowed: readonly string[],
  basename: 'segment' | 'snapshot',
): Record<string, string> {
  const bare = (storedType.split(';')[0] ?? '').trim().toLowerCase();
  const type = allowed.find((t) => t === bare) ?? 'application/octet-stream';
  return {
    'content-type': type,
    'content-disposition': `inline; filename="${basename}.${contentTypeExtension(type)}"`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cross-origin-resource-policy': 'same-origin',
  };
}
