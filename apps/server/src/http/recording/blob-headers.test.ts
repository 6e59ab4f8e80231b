import { describe, expect, it } from 'vitest';
import { MEDIA_CONTENT_TYPES, SNAPSHOT_CONTENT_TYPES } from '@invigil/contracts';
import { blobHeaders } from './blob-headers.js';

const FIXED = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'cross-origin-resource-policy': 'same-origin',
};

describe('blobHeaders', () => {
  it('serves the allow-listed type with a fixed inline file name', () => {
    expect(blobHeaders('image/jpeg', SNAPSHOT_CONTENT_TYPES, 'snapshot')).toEqual({
      ...FIXED,
      'content-type': 'image/jpeg',
      'content-disposition': 'inline; filename="snapshot.jpg"',
    });
    expect(blobHeaders('video/webm', MEDIA_CONTENT_TYPES, 'segment')).toMatchObject({
      'content-type': 'video/webm',
      'content-disposition': 'inline; filename="segment.webm"',
    });
  });

  it('never echoes a stored string: parameters go, anything off the list is octet-stream', () => {
    expect(blobHeaders('IMAGE/PNG;x=,text/html', SNAPSHOT_CONTENT_TYPES, 'snapshot')).toMatchObject(
      { 'content-type': 'image/png', 'content-disposition': 'inline; filename="snapshot.png"' },
    );
    expect(blobHeaders('video/webm;codecs=vp8,opus', MEDIA_CONTENT_TYPES, 'segment')).toMatchObject(
      { 'content-type': 'video/webm' },
    );
    for (const stored of ['text/html', 'image/svg+xml', 'video/webm', '']) {
      expect(blobHeaders(stored, SNAPSHOT_CONTENT_TYPES, 'snapshot'), stored).toEqual({
        ...FIXED,
        'content-type': 'application/octet-stream',
        'content-disposition': 'inline; filename="snapshot.bin"',
      });
    }
  });
});
