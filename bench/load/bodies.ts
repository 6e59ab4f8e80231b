import { createHash } from 'node:crypto';
import jpeg from 'jpeg-js';
import {
  detectionImages,
  facePhoto,
  idDocumentPhoto,
} from '../../apps/server/test/helpers/detection-images.js';

/** An upload body and its SHA-256, computed once and sent many times. */
export interface Body {
  bytes: Buffer;
  sha256: string;
}

const body = (bytes: Buffer): Body => ({
  bytes,
  sha256: createHash('sha256').update(bytes).digest('hex'),
});

/**
 * A WebM-looking segment of `size` bytes: the EBML magic the server checks, then
 * incompressible bytes (like real VP8), derived from `label` so two tracks differ.
 */
function webmSegment(size: number, label: string): Buffer {
  const out = Buffer.alloc(size);
  out.set([0x1a, 0x45, 0xdf, 0xa3], 0);
  let block = createHash('sha256').update(label).digest();
  for (let at = 4; at < size; at += block.length) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, at, 0, Math.min(block.length, size - at));
  }
  return out;
}

/** A screen capture as the browser sends it: a 640×400 JPEG with window-like blocks and "text". */
function screenJpeg(): Buffer {
  const w = 640;
  const h = 400;
  const data = Buffer.alloc(w * h * 4, 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const bar = y < 28;
      const text = y > 60 && y % 18 < 9 && x > 40 && x < 600 && (x * 7 + y * 13) % 11 < 6;
      const v = bar ? 60 : text ? 30 : 245 - ((x ^ y) & 7);
      data[i] = v;
      data[i + 1] = bar ? 90 : v;
      data[i + 2] = bar ? 160 : v;
    }
  }
  return Buffer.from(jpeg.encode({ data, width: w, height: h }, 80).data);
}

/** The few distinct bodies a run sends: the same bytes under every sequence number. */
export interface Bodies {
  webcamSegment: Body;
  screenSegment: Body;
  /** A webcam snapshot showing one face, so server analysis does real work. */
  webcamSnapshot: Body;
  screenSnapshot: Body;
  /** Check-in photos: a face (the face photo check passes) and an ID document of that person. */
  idFace: Body;
  idDocument: Body;
}

/** Build the bodies for segments of `webcamKb` and `screenKb` kilobytes. */
export function buildBodies(webcamKb: number, screenKb: number): Bodies {
  return {
    webcamSegment: body(webmSegment(Math.round(webcamKb * 1024), 'webcam')),
    screenSegment: body(webmSegment(Math.round(screenKb * 1024), 'screen')),
    webcamSnapshot: body(detectionImages().oneFace),
    screenSnapshot: body(screenJpeg()),
    idFace: body(facePhoto(0)),
    // The same person as the face photo, so the ID check matches (no id_document_mismatch).
    idDocument: body(idDocumentPhoto(0)),
  };
}
