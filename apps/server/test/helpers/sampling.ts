import {
  bucketStartMs,
  sampleBucket,
  samplePointMs,
} from '../../src/services/detection/analysis-sampling.js';
import { loadSampling } from '../../src/services/detection/analysis-scheduler.js';
import { loadSamplingKey } from '../../src/services/detection/sampling-key.js';
import type { TestServer } from './test-server.js';

/**
 * Move the server's clock to the secret sample point of a sampling bucket of `sessionId`
 * (reading the key from the database, as the server does), with at least `roomMs` left
 * before that bucket ends: the next webcam snapshot uploaded is then that bucket's routine
 * sample, and others uploaded right after it are not. Returns how far the clock moved, so
 * the test can move it back once the analysis is done.
 */
export async function toSamplePoint(
  server: TestServer,
  sessionId: string,
  roomMs = 5000,
): Promise<number> {
  const db = server.instance.database.db;
  const sampling = await loadSampling(db, sessionId);
  if (!sampling) throw new Error(`No session ${sessionId}`);
  const { intervalMs, origin } = sampling;
  if (intervalMs === 0) throw new Error('The exam samples nothing (serverAnalysisSeconds: 0)');
  const key = await loadSamplingKey(db);
  const now = server.clock.now().getTime();
  let bucket = sampleBucket(now, origin, intervalMs);
  for (;;) {
    const start = bucketStartMs(bucket, origin, intervalMs);
    const point = samplePointMs(key, sessionId, bucket, origin, intervalMs);
    if (point >= now && start + intervalMs - point >= roomMs) {
      server.clock.advance(point - now);
      return point - now;
    }
    bucket = sampleBucket(start + intervalMs, origin, intervalMs);
  }
}
