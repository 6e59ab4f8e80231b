import { AppError } from '../../errors.js';
import type { ByteRange } from '../../ports/blob-store.port.js';

/**
 * The single byte range a `Range` header asks for within `size` bytes, or undefined to send
 * the whole body. Supports `bytes=a-b`, `bytes=a-` and `bytes=-n`; other units, several
 * ranges and malformed values are ignored (RFC 9110 §14.2 lets a server ignore Range).
 * A well-formed range that starts past the end is 416 with `Content-Range: bytes *\/size`.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  let range: ByteRange;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable(size);
    range = { start: Math.max(0, size - suffix), end: size - 1 };
  } else {
    const start = Number(first);
    const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
    if (start >= size) throw unsatisfiable(size);
    range = { start, end };
  }
  return range;
}

function unsatisfiable(size: number): AppError {
  return new AppError(
    416,
    'VALIDATION_FAILED',
    `The requested range is outside the ${size} bytes stored`,
    { size },
    { 'content-range': `bytes */${size}` },
  );
}
