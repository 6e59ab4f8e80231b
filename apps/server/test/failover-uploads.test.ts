import { randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { RecordingManifest } from '@invigil/contracts';
import { cipherSize, DEFAULT_CHUNK_BYTES } from '../src/crypto/chunked-cipher.js';
import { BUCKET, failoverSkipReason, useFailoverDeployment } from './helpers/failover-fixture.js';
import { webmBytes } from './helpers/media-bytes.js';
import { getRaw, sha256 } from './helpers/recording.js';
import type { FreshConnectionClient } from './helpers/round-robin-proxy.js';

const skip = failoverSkipReason();

/** One webcam segment as the browser records it: its slot, client times and bytes. */
interface Segment {
  seq: number;
  startMs: number;
  endMs: number;
  bytes: Buffer;
}

/** How one item went up: every attempt's answer (or network failure) and instance. */
interface Delivered {
  seq: number;
  attempts: { status: number | 'network'; backend?: string | undefined }[];
  duplicate: boolean;
}

/**
 * What the browser's upload queue does with one item: send it until acknowledged (201
 * stored, 200 already stored), with the same seq and bytes every time; a network failure or
 * a 5xx backs off and tries again; any other answer fails the test.
 */
async function uploadUntilAcked(
  client: FreshConnectionClient,
  sessionId: string,
  s: Segment,
): Promise<Delivered> {
  const attempts: Delivered['attempts'] = [];
  const headers = {
    'content-type': 'video/webm',
    'x-sha256': sha256(s.bytes),
    'x-start-ms': String(s.startMs),
    'x-end-ms': String(s.endMs),
  };
  for (let n = 0; n < 20; n++) {
    try {
      const url = `/api/sessions/${sessionId}/media/webcam/${s.seq}`;
      const res = await client.request('PUT', url, s.bytes, headers);
      attempts.push({ status: res.status, backend: client.lastBackend });
      if (res.status === 200 || res.status === 201) {
        return { seq: s.seq, attempts, duplicate: res.body.duplicate as boolean };
      }
      if (res.status < 500)
        throw new Error(`seq ${s.seq}: ${res.status} ${JSON.stringify(res.body)}`);
    } catch (err) {
      if (!(err instanceof Error && 'code' in err)) throw err;
      attempts.push({ status: 'network' });
    }
    await new Promise((r) => setTimeout(r, Math.min(1_000, 100 * 2 ** n)));
  }
  throw new Error(`seq ${s.seq} never acknowledged: ${JSON.stringify(attempts)}`);
}

/**
 * Uploads through a crash, in a deployment of two instances behind a load balancer (see
 * useFailoverDeployment): instance A is killed (SIGKILL) with one upload half received and
 * another stored but unanswered; the browsers' upload queues send them again to B, and every
 * segment is stored exactly once, encrypted, and plays back as sent.
 */
describe.skipIf(skip !== null)('failover across server processes', () => {
  const deploy = useFailoverDeployment();
  const { attempt } = deploy;

  /**
   * A student's browser during the exam: segments recorded one after another from the start
   * (each ending when it is handed to the queue), sent in order by the upload queue.
   */
  async function browser() {
    const { student, sessionId, to, startedAtMs } = await attempt();
    const segments: Segment[] = [];
    const record = (): Segment => {
      const startMs = segments.at(-1)?.endMs ?? startedAtMs;
      const seq = segments.length;
      const bytes = Buffer.concat([webmBytes(`${sessionId} ${seq}`), randomBytes(48 * 1024)]);
      segments.push({ seq, startMs, endMs: Math.max(Date.now(), startMs + 1), bytes });
      return segments.at(-1)!;
    };
    const send = () => uploadUntilAcked(student, sessionId, record());
    /** Send segments until one is held at the proxy; that upload, still in flight. */
    const sendUntil = async (held: Promise<unknown>): Promise<{ inFlight: Promise<Delivered> }> => {
      for (;;) {
        const inFlight = send();
        const first = await Promise.race([inFlight.then(() => 'acked'), held.then(() => 'held')]);
        if (first === 'held') return { inFlight };
        await inFlight;
      }
    };
    return { sessionId, to, segments, send, sendUntil };
  }

  /** Every segment once, as sent: in the manifest (complete, no gaps) and in the bucket. */
  async function expectStoredOnce(b: Awaited<ReturnType<typeof browser>>) {
    const sent = b.segments.map((s) => ({
      seq: s.seq,
      sha256: sha256(s.bytes),
      size: s.bytes.length,
    }));
    const res = await deploy.proctor.get(`/api/sessions/${b.sessionId}/recording`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const manifest = res.body as RecordingManifest;
    expect(
      manifest.segments.map((m) => ({ seq: m.seq, sha256: m.sha256, size: m.sizeBytes })),
    ).toEqual(sent);
    expect(manifest.gaps).toEqual([]);
    expect(manifest.complete).toBe(true);
    // One object per segment in the bucket, encrypted (header and sealed chunks, never the
    // bytes), and each plays back as exactly what was sent.
    const prefix = `sessions/${b.sessionId}/media/webcam/`;
    const listed = await deploy.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }),
    );
    const stored = await Promise.all(
      (listed.Contents ?? []).map(async (o) => {
        const seq = Number(/^(\d+)-/.exec(o.Key!.slice(prefix.length))?.[1]);
        const got = await deploy.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
        const raw = Buffer.from(await got.Body!.transformToByteArray());
        expect(raw.subarray(0, 8).toString()).toBe('INVGENC1');
        const played = await getRaw(
          deploy.proctor,
          `/api/sessions/${b.sessionId}/media/webcam/${seq}`,
        );
        expect(played.status).toBe(200);
        return { seq, sha256: sha256(played.bytes), size: raw.length };
      }),
    );
    expect(stored.sort((x, y) => x.seq - y.seq)).toEqual(
      sent.map((s) => ({ ...s, size: cipherSize(s.size, DEFAULT_CHUNK_BYTES) })),
    );
  }

  it('keeps every segment exactly once when instance A is killed in the middle of uploads', async () => {
    const browsers = [await browser(), await browser()];
    for (const b of browsers) for (let i = 0; i < 2; i++) await b.send();

    // Two uploads in flight on A when it dies: the first student's has reached A only in
    // part; the second's was stored by A, but its answer never reached the student.
    const stages = ['body', 'response'] as const;
    const inFlight = await Promise.all(
      browsers.map((b, i) =>
        b.sendUntil(
          deploy.proxy.hold({
            backend: 'A',
            stage: stages[i]!,
            match: (method, url) =>
              method === 'PUT' && url.startsWith(`/api/sessions/${b.sessionId}/media/`),
          }),
        ),
      ),
    );
    await deploy.a.kill('SIGKILL');
    const [partial, unanswered] = await Promise.all(inFlight.map((u) => u.inFlight));
    const after: Delivered[] = [];
    for (const b of browsers) for (let i = 0; i < 2; i++) after.push(await b.send());
    for (const b of browsers) expect((await b.to('submitted')).status).toBe(200);
    console.log(
      `[failover] A killed with seq ${partial!.seq} half sent (first answer: ` +
        `${partial!.attempts[0]!.status}) and seq ${unanswered!.seq} unanswered`,
    );

    // Each was sent again, same seq and bytes, and B took it: the partial one as new, the
    // unanswered one as already stored. Everything after went through B.
    expect(partial!.attempts[0]!.status).not.toBe(201);
    expect(partial!.attempts.at(-1)).toEqual({ status: 201, backend: 'B' });
    expect(partial!.duplicate).toBe(false);
    expect(unanswered!.attempts[0]).toEqual({ status: 'network' });
    expect(unanswered!.attempts.at(-1)).toEqual({ status: 200, backend: 'B' });
    expect(unanswered!.duplicate).toBe(true);
    expect(new Set(after.flatMap((d) => d.attempts.map((x) => x.backend)))).toEqual(new Set(['B']));
    for (const b of browsers) await expectStoredOnce(b);
  });
});
