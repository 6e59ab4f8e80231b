import type { AnalyzeOptions, NodeAnalysis } from '@invigil/detection/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPoolDetector } from '../src/adapters/worker-pool.detector.js';
import type { Detector, DetectorLane } from '../src/ports/detector.port.js';
import { facePhoto, idDocumentPhoto } from './helpers/detection-images.js';
import { buildExam } from './helpers/factories.js';
import { eventually } from './helpers/eventually.js';
import type { HttpClient } from './helpers/http-client.js';
import { putSnapshot, recordingFixture } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

/**
 * A Detector whose background lane is stuck (every background call waits until the test
 * opens it for good, as a queue of routine analyses on a busy machine would), while interactive calls
 * go to a real worker pool. What the server asks for in each lane is recorded.
 */
class StuckBackgroundDetector implements Detector {
  readonly lanes: DetectorLane[] = [];
  private held = true;
  private readonly waiting: (() => void)[] = [];
  private readonly real = new WorkerPoolDetector({ size: 1 });

  async analyze(
    bytes: Uint8Array,
    options?: AnalyzeOptions,
    lane: DetectorLane = 'background',
  ): Promise<NodeAnalysis> {
    this.lanes.push(lane);
    if (lane === 'background' && this.held)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.real.analyze(bytes, options, lane);
  }

  get stuck(): number {
    return this.waiting.length;
  }

  open(): void {
    this.held = false;
    for (const release of this.waiting.splice(0)) release();
  }

  async close(): Promise<void> {
    this.open();
    await this.real.close();
  }
}

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
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// One engine is enough: the lane is chosen by the service, whatever the database.
describe.each(requestEngines().slice(0, 1))(
  'face photo checks while analysis is behind, on %s',
  (engine) => {
    let server: TestServer;
    const detector = new StuckBackgroundDetector();

    beforeAll(async () => {
      server = await startTestServer(
        engine,
        { detection: { enabled: true, workers: 1, pollMs: 200 } },
        { detector },
      );
    });
    afterAll(async () => {
      await server?.close();
      await detector.close();
    });

    it('answers the check-in and practice face photo checks while background analysis waits', async () => {
      const now = server.clock.now().getTime();
      const f = await recordingFixture(server, buildExam({ policy: { practiceRun: true } }, now));

      // Practice, before check-in.
      let started = performance.now();
      const practice = await checkPhoto(f.student, f.sessionId, facePhoto(3));
      console.log(`practice check: ${Math.round(performance.now() - started)} ms`);
      expect(practice.status, JSON.stringify(practice.body)).toBe(200);

      expect((await f.move(f.student, 'checking_in')).status).toBe(200);
      // The ID document's analysis (an enrolment job) is background work: it gets stuck.
      const doc = await putSnapshot(f.student, f.sessionId, 'id_document', 0, idDocumentPhoto(3));
      expect(doc.status, JSON.stringify(doc.body)).toBe(201);
      await eventually(() => expect(detector.stuck).toBeGreaterThan(0));

      started = performance.now();
      const checked = await checkPhoto(f.student, f.sessionId, facePhoto(3));
      console.log(`check-in check: ${Math.round(performance.now() - started)} ms`);
      expect(checked.status, JSON.stringify(checked.body)).toBe(200);
      expect(checked.body).toMatchObject({ ok: true, checked: true, faces: 1 });

      // Different bytes: the upload is judged again (not remembered from the check above).
      const upload = await putSnapshot(f.student, f.sessionId, 'id_face', 1, facePhoto(4));
      expect(upload.status, JSON.stringify(upload.body)).toBe(201);
      expect(detector.stuck).toBeGreaterThan(0);
      expect(detector.lanes.filter((l) => l === 'interactive')).toHaveLength(3);

      // Once analysis catches up, the identity photos' own analysis (background) runs.
      detector.open();
      await eventually(async () => {
        const events = await f.proctor.get(`/api/sessions/${f.sessionId}/events`);
        const types = (events.body as { type: string }[]).map((e) => e.type);
        expect(types).toContain('detect.enrolment');
      }, 60_000);
      expect(detector.lanes.filter((l) => l === 'background').length).toBeGreaterThan(0);
    });
  },
);
