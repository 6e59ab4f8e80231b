import { describe, expect, it } from 'vitest';
import type { LiveMessage, SessionEvent } from '@invigil/contracts';
import { facePhoto } from './helpers/detection-images.js';
import { eventually } from './helpers/eventually.js';
import { failoverSkipReason, useFailoverDeployment } from './helpers/failover-fixture.js';
import { parseScrape } from './helpers/prometheus-text.js';
import { sha256 } from './helpers/recording.js';

const skip = failoverSkipReason();

/**
 * Work that crosses processes in a deployment of two instances behind a load balancer and a
 * worker (see useFailoverDeployment): a flag raised through one instance reaches the proctors'
 * dashboards on both (through Redis), and the worker, the only process with that role,
 * analyses the snapshot the browser reported.
 */
describe.skipIf(skip !== null)('failover across server processes', () => {
  const deploy = useFailoverDeployment();
  const { attempt, proctorFeed } = deploy;

  it('tells proctors on every instance of a flag raised through one, and the worker analyses the reported snapshot', async () => {
    const feeds = [await proctorFeed(), await proctorFeed()];
    // Consecutive connections go to the two instances in turn: one dashboard on each.
    expect(feeds.map((f) => f.backend).sort()).toEqual(['A', 'B']);

    const { student, sessionId } = await attempt();
    const now = Date.now();
    const photo = facePhoto(0);
    const put = await student.request(
      'PUT',
      `/api/sessions/${sessionId}/snapshots/webcam/0`,
      photo,
      {
        'content-type': 'image/jpeg',
        'x-sha256': sha256(photo),
        'x-taken-ms': String(now),
      },
    );
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    // The browser reports no face for 8 s, near that snapshot: a flag, and a reason to check.
    const batch = await student.post(`/api/sessions/${sessionId}/events`, {
      events: [
        {
          seq: 1,
          type: 'detect.state',
          at: now - 8_000,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'browser' },
        },
      ],
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    const raisedVia = student.lastBackend;

    const isAlert = (m: LiveMessage) =>
      m.topic === 'flag.created' &&
      m.data.flag.sessionId === sessionId &&
      m.data.flag.type === 'no_face';
    const alerts = await Promise.all(feeds.map((f) => f.socket.waitFor(isAlert)));
    // One flag, one stored message, told on both instances: the one that did not take the
    // batch heard of it through Redis.
    expect(alerts[0]!.id).toBe(alerts[1]!.id);
    console.log(`[failover] flag raised via ${raisedVia}; alert seen on A and B`);

    // The worker (the only process with the worker role) analysed the reported snapshot.
    const events = async () =>
      (await deploy.proctor.get(`/api/sessions/${sessionId}/events`)).body as SessionEvent[];
    const analysis = await eventually(
      async () => {
        const found = (await events()).find(
          (e) => e.source === 'server' && e.type === 'detect.analysis',
        );
        if (!found) throw new Error('no server analysis yet');
        return found;
      },
      60_000,
      250,
    );
    expect(analysis.data).toMatchObject({ snapshotSeq: 0, faces: 1 });
    expect(analysis.data.model).toMatch(/human/);
    const scrape = parseScrape(
      await (await fetch(`http://127.0.0.1:${deploy.workerMetricsPort}/metrics`)).text(),
    );
    expect(
      scrape.value('invigil_analysis_duration_seconds_count', {
        reason: 'client_report',
        outcome: 'analysed',
      }),
    ).toBe(1);
  }, 90_000);
});
