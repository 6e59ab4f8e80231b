import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { crop } from '@invigil/detection';
import { decodeImage } from '@invigil/detection/node';
import { writeImageY4m } from './y4m.js';

/**
 * A picture that ships in the detection library's npm package (MIT), resolved through the
 * package so that a moved file fails the test instead of skipping it.
 */
const SOURCE = path.join(
  path.dirname(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human'))),
  'assets',
  'screenshot-facedetect.jpg',
);
/** One person looking at the camera in that picture: x, y, width, height. */
const FACE_RECT: [number, number, number, number] = [152, 300, 178, 220];

/** Write a fake-camera video (y4m) of one face looking at the camera, webcam style. */
export function writeSampleFaceY4m(file: string): void {
  writeImageY4m(file, crop(decodeImage(readFileSync(SOURCE)), FACE_RECT));
}
