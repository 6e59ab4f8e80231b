/** An upload's media type as the server keeps it: only allow-listed values, never the raw header. */
export interface UploadType {
  /** The bare type, exactly one of the allow-listed strings. */
  mediaType: string;
  /** Normalised codec list from CODEC_TOKENS (e.g. `vp8,opus`), or null. */
  codecs: string | null;
}

/**
 * Codecs a segment may name (what MediaRecorder reports in Chromium, Firefox and Safari):
 * each entry of a `codecs` list must match one of these, at most two entries. Anything
 * else is dropped, not refused — the bytes are checked by their signature anyway.
 */
const CODEC_TOKENS: readonly RegExp[] = [
  /^vp8(\.0)?$/,
  /^vp9(\.0)?$/,
  /^vp09(\.\d{2}){3}$/,
  /^av1$/,
  /^av01\.\d\.\d{2}[mh]\.\d{2}$/,
  /^opus$/,
  /^vorbis$/,
  /^pcm$/,
  /^h264$/,
  /^avc[13](\.[0-9a-f]{6})?$/,
  /^mp4a(\.40\.\d{1,2})?$/,
];
const MAX_CODECS = 2;

function allowedCodecs(value: string): string | null {
  const list = value.replace(/^"|"$/g, '').replace(/\s+/g, '').toLowerCase().split(',');
  if (list.length === 0 || list.length > MAX_CODECS) return null;
  return list.every((c) => CODEC_TOKENS.some((re) => re.test(c))) ? list.join(',') : null;
}

/**
 * Parse an upload's Content-Type strictly: the bare type must be one of `allowed`
 * (case-insensitive) and is returned as the allow-list's own string; every parameter is
 * dropped, except `codecs` when `withCodecs` and its value is allow-listed. So
 * `image/jpeg;x=,text/html` is kept as plain `image/jpeg`, and nothing a client writes in
 * the header is ever stored or echoed back. Undefined when the bare type is not allowed.
 */
export function parseUploadType(
  header: string | undefined,
  allowed: readonly string[],
  withCodecs: boolean,
): UploadType | undefined {
  const [bare = '', ...params] = (header ?? '').split(';');
  const mediaType = allowed.find((t) => t === bare.trim().toLowerCase());
  if (!mediaType) return undefined;
  let codecs: string | null = null;
  if (withCodecs) {
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'codecs') continue;
      codecs = allowedCodecs(param.slice(eq + 1).trim());
      break;
    }
  }
  return { mediaType, codecs };
}
