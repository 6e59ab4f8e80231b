import { imageSizeAllowed, readImageHeader, type ImageHeader } from '@invigil/contracts';

/** What the bytes of an upload turned out to be, judged against its declared type. */
export type ContentVerdict =
  | { ok: true; image?: ImageHeader }
  /** The bytes are not what was declared (or not a readable image header). */
  | { ok: false; code: 'CONTENT_MISMATCH' }
  /** A readable image whose header declares more pixels than may be decoded. */
  | { ok: false; code: 'IMAGE_TOO_LARGE'; image: ImageHeader };

const EBML = [0x1a, 0x45, 0xdf, 0xa3];

/** WebM (video or audio) starts with the EBML magic; MP4 with an `ftyp` box at offset 4. */
function segmentSignatureMatches(bytes: Uint8Array, mediaType: string): boolean {
  if (mediaType === 'video/webm' || mediaType === 'audio/webm') {
    return EBML.every((v, i) => bytes[i] === v);
  }
  if (mediaType === 'video/mp4') {
    return [0x66, 0x74, 0x79, 0x70].every((v, i) => bytes[4 + i] === v);
  }
  return false;
}

/**
 * Check a segment's bytes against its declared (allow-listed, bare) type by signature. Only
 * the first bytes are read: a segment is played by the browser's media stack, which does
 * not execute it; the signature keeps an HTML or script body from being stored as video.
 */
export function inspectSegment(bytes: Uint8Array, mediaType: string): ContentVerdict {
  return segmentSignatureMatches(bytes, mediaType)
    ? { ok: true }
    : { ok: false, code: 'CONTENT_MISMATCH' };
}

/**
 * Check a snapshot: its signature must be the declared image type and its header must be
 * readable (so its size is known before anything decodes it) and within the size caps.
 */
export function inspectSnapshot(bytes: Uint8Array, mediaType: string): ContentVerdict {
  const image = readImageHeader(bytes);
  if (!image || image.type !== mediaType) return { ok: false, code: 'CONTENT_MISMATCH' };
  if (!imageSizeAllowed(image)) return { ok: false, code: 'IMAGE_TOO_LARGE', image };
  return { ok: true, image };
}
