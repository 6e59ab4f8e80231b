import { describe, expect, it } from 'vitest';
import { MEDIA_CONTENT_TYPES, SNAPSHOT_CONTENT_TYPES } from '@invigil/contracts';
import { parseUploadType } from './content-type.js';

const media = (h: string | undefined) => parseUploadType(h, MEDIA_CONTENT_TYPES, true);
const image = (h: string | undefined) => parseUploadType(h, SNAPSHOT_CONTENT_TYPES, false);

describe('parseUploadType', () => {
  it('keeps the allow-listed bare type, lower case, and nothing else', () => {
    expect(image('image/jpeg')).toEqual({ mediaType: 'image/jpeg', codecs: null });
    expect(image('IMAGE/PNG')).toEqual({ mediaType: 'image/png', codecs: null });
    expect(image(' image/png ; charset=utf-8')).toEqual({ mediaType: 'image/png', codecs: null });
    expect(image('image/jpeg;x=,text/html')).toEqual({ mediaType: 'image/jpeg', codecs: null });
    expect(image('image/jpeg; codecs=vp8')).toEqual({ mediaType: 'image/jpeg', codecs: null });
  });

  it('refuses types off the allow-list', () => {
    for (const h of [
      undefined,
      '',
      'text/html',
      'image/svg+xml',
      // The browser sends JPEG; the server's analysis decodes JPEG and PNG only.
      'image/webp',
      'image/jpegx',
      'text/html;image/jpeg',
      'image/jpeg , text/html',
      'video/webm',
    ]) {
      expect(image(h), String(h)).toBeUndefined();
    }
    expect(media('image/jpeg')).toBeUndefined();
    expect(media('video/x-matroska;codecs=avc1')).toBeUndefined();
  });

  it('keeps allow-listed codecs of segments, normalised', () => {
    expect(media('video/webm;codecs=vp8,opus')).toEqual({
      mediaType: 'video/webm',
      codecs: 'vp8,opus',
    });
    expect(media('Video/WebM; Codecs="VP9, Opus"')).toEqual({
      mediaType: 'video/webm',
      codecs: 'vp9,opus',
    });
    expect(media('audio/webm;codecs=opus')).toEqual({ mediaType: 'audio/webm', codecs: 'opus' });
    expect(media('video/mp4;codecs=avc1.42E01E,mp4a.40.2')).toEqual({
      mediaType: 'video/mp4',
      codecs: 'avc1.42e01e,mp4a.40.2',
    });
    expect(media('video/webm')).toEqual({ mediaType: 'video/webm', codecs: null });
  });

  it('drops codecs that are not allow-listed, keeping the type', () => {
    for (const h of [
      'video/webm;codecs=vp8,opus,vorbis',
      'video/webm;codecs="<script>"',
      'video/webm;codecs=vp8,text/html',
      'video/webm;codecs=',
      'video/webm;codecs=vp8;opus',
    ]) {
      const parsed = media(h);
      expect(parsed?.mediaType, h).toBe('video/webm');
      if (h.endsWith('vp8;opus')) expect(parsed?.codecs).toBe('vp8');
      else expect(parsed?.codecs, h).toBeNull();
    }
  });
});
