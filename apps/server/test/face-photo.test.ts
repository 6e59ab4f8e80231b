import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxBlur } from '@invigil/detection';
import { WorkerPoolDetector } from '../src/adapters/worker-pool.detector.js';
import { detectionImages, facePhoto, idDocumentPhoto } from './helpers/detection-images.js';
import { buildExam } from './helpers/factories.js';
import type { HttpClient } from './helpers/http-client.js';
import { jpegBytes } from './helpers/media-bytes.js';
import { blobFiles, putSnapshot, recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

// One detector worker for the whole file (both engines): the models cost ~1 s and ~300 MB.
const detector = new WorkerPoolDetector({ size: 1 });
afterAll(() => detector.close());

/** Decode a JPEG, change its RGB pixels, encode it again. */
function edit(bytes: Buffer, change: (rgb: Uint8Array, w: number, h: number) => Uint8Array) {
  const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  const rgb = new Uint8Array(d.width * d.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) rgb.set(d.data.subarray(j, j + 3), i);
  const out = change(rgb, d.width, d.height);
  const rgba = new Uint8Array(d.width * d.height * 4).fill(255);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) rgba.set(out.subarray(i, i + 3), j);
  return Buffer.from(jpeg.encode({ width: d.width, height: d.height, data: rgba }, 90).data);
}

const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** Uniform noise of ±`amplitude`, the same on every run (a fixed-seed generator). */
function grain(amplitude: number): () => number {
  let seed = 7;
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed / 2 ** 32) * 2 * amplitude - amplitude;
  };
}

/** The test photos: a good face photo and one of each kind of refusal. */
const photos = () => {
  const good = facePhoto(3);
  return {
    good,
    noFace: idDocumentPhoto(null),
    twoFaces: detectionImages().twoFaces,
    // A fifth of the light: the detector (which normalises lighting) still finds the face.
    dark: edit(good, (rgb) => rgb.map((v) => Math.round(v * 0.2))),
    // Box blur radius 4: the face is still found, its detail is gone.
    blurred: edit(good, (data, width, height) => boxBlur({ width, height, data }, 4).data),
    // Washed out: the face reads about 210, bright enough for the photo, past the gate's 190.
    washedOut: edit(good, (rgb) => rgb.map((v) => byte(v * 1.5 + 60))),
    // Dim and grainy: noise about half the face's brightness (the gate allows 40 %).
    grainy: edit(good, (rgb) => {
      const noise = grain(70);
      return rgb.map((v) => byte(v * 0.6 + noise()));
    }),
  };
};

/** POST raw bytes to the face photo check as the signed-in student. */
async function checkPhoto(client: HttpClient, sessionId: string, bytes: Buffer) {
  const res = await fetch(`${client.baseUrl}/api/sessions/${sessionId}/face-photo-check`, {
    method: 'POST',
    headers: {
      'content-type': 'image/jpeg',
      cookie: client.cookie ?? '',
      'x-csrf-token': client.csrfToken ?? '',
    },
    body: new Uint8Array(bytes),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe.each(requestEngines())('check-in face photo on %s', (engine) => {
  let server: TestServer;
  const images = photos();

  beforeAll(async () => {
    server = await startTestServer(
      engine,
      { detection: { enabled: true, workers: 1, pollMs: 500 } },
      { detector },
    );
  });
  afterAll(async () => server?.close());

  /** A student checking in to a new exam with the given policy. */
  async function checkingIn(policy: Record<string, unknown> = {}) {
    const f = await recordingFixture(server, buildExam({ policy }, server.clock.now().getTime()));
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    return f;
  }

  const enrolment = async (f: { proctor: HttpClient; sessionId: string }) =>
    (await f.proctor.get(`/api/sessions/${f.sessionId}/events`)).body as { type: string }[];

  it.each([
    ['noFace', 'no_face', 0],
    ['twoFaces', 'several_faces', 2],
    ['dark', 'too_dark', 1],
    ['blurred', 'too_blurred', 1],
    ['washedOut', 'too_bright', 1],
    ['grainy', 'too_noisy', 1],
  ] as const)(
    'refuses a %s face photo with 422 FACE_PHOTO_REJECTED (%s) and stores nothing',
    async (name, problem, faces) => {
      const f = await checkingIn();
      const started = performance.now();
      const res = await putSnapshot(f.student, f.sessionId, 'id_face', 0, images[name]);
      console.log(`face photo check (${name}): ${Math.round(performance.now() - started)} ms`);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.code).toBe('FACE_PHOTO_REJECTED');
      expect(res.body.details).toMatchObject({ problem, faces });
      expect(res.body.message).toMatch(/retake it/);
      // Nothing stored: no row (the check-in still misses the face), no blob, no enrolment job.
      expect(await blobFiles(server, f.sessionId)).toEqual([]);
      expect((await f.student.post(`/api/sessions/${f.sessionId}/consent`)).status).toBe(200);
      const start = await f.move(f.student, 'in_progress');
      expect(start.status).toBe(409);
      expect(start.body.details.missing).toContain('identity_face');
      const events = await enrolment(f);
      expect(events.filter((e) => e.type.startsWith('detect.'))).toEqual([]);
      // The same refusal from the check that stores nothing.
      const checked = await checkPhoto(f.student, f.sessionId, images[name]);
      expect(checked.status).toBe(422);
      expect(checked.body.details.problem).toBe(problem);
    },
  );

  it('stores a good face photo and enrols it as the reference', async () => {
    const f = await checkingIn();
    const checked = await checkPhoto(f.student, f.sessionId, images.good);
    expect(checked.status, JSON.stringify(checked.body)).toBe(200);
    expect(checked.body).toMatchObject({ ok: true, checked: true, faces: 1 });
    expect(checked.body.luminance).toBeGreaterThan(45);
    expect(checked.body.sharpness).toBeGreaterThan(30);
    const res = await putSnapshot(f.student, f.sessionId, 'id_face', 0, images.good);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await blobFiles(server, f.sessionId)).toHaveLength(1);
    // The enrolment job (after the store) makes it the session's reference face.
    const deadline = Date.now() + 60_000;
    let enrolled: { type: string; data?: { enrolled?: boolean } } | undefined;
    while (!enrolled && Date.now() < deadline) {
      enrolled = ((await enrolment(f)) as any[]).find((e) => e.type === 'detect.enrolment');
      if (!enrolled) await new Promise((r) => setTimeout(r, 250));
    }
    expect(enrolled?.data?.enrolled).toBe(true);
  });

  it('checks only id_face photos, and only when the exam asks for it', async () => {
    const f = await checkingIn();
    // The document photo is compared later, never refused for its face.
    const doc = await putSnapshot(f.student, f.sessionId, 'id_document', 0, images.noFace);
    expect(doc.status, JSON.stringify(doc.body)).toBe(201);
    const off = await checkingIn({ facePhotoCheck: false });
    const res = await putSnapshot(off.student, off.sessionId, 'id_face', 0, images.noFace);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  it('refuses bytes that are not the declared image, and ended or foreign sessions', async () => {
    const f = await checkingIn();
    const garbage = await checkPhoto(f.student, f.sessionId, Buffer.from('not an image'));
    expect(garbage.status).toBe(415);
    expect(garbage.body.code).toBe('CONTENT_MISMATCH');
    const other = await server.signedIn('student');
    const foreign = await checkPhoto(other, f.sessionId, images.good);
    expect(foreign.status).toBe(404);
    const staff = await checkPhoto(f.proctor, f.sessionId, images.good);
    expect(staff.status).toBe(403);
    // A fake JPEG (valid header, no picture) is still refused by the detector, not stored.
    const fake = await putSnapshot(f.student, f.sessionId, 'id_face', 0, jpegBytes('fake'));
    expect([415, 422]).toContain(fake.status);
  });

  describe('practice run', () => {
    it('checks a photo before check-in when the exam offers it, storing nothing', async () => {
      const f = await recordingFixture(
        server,
        buildExam({ policy: { practiceRun: true } }, server.clock.now().getTime()),
      );
      const good = await checkPhoto(f.student, f.sessionId, images.good);
      expect(good.status, JSON.stringify(good.body)).toBe(200);
      const bad = await checkPhoto(f.student, f.sessionId, images.twoFaces);
      expect(bad.status).toBe(422);
      expect(bad.body.details.problem).toBe('several_faces');
      expect(await blobFiles(server, f.sessionId)).toEqual([]);
      const session = await f.student.get(`/api/sessions/${f.sessionId}`);
      expect(session.body.state).toBe('registered');
      expect(await enrolment(f)).toEqual([]);
    });

    it('is 409 PRACTICE_NOT_OFFERED before check-in when the exam does not offer it', async () => {
      const f = await recordingFixture(server);
      const res = await checkPhoto(f.student, f.sessionId, images.good);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PRACTICE_NOT_OFFERED');
    });
  });
});
