import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { dataExports } from '../src/db/schema-exports.js';
import { partKey } from '../src/services/privacy/export-parts.js';
import { ExportRuns } from '../src/services/privacy/export-runs.js';
import { eraseSubjectExports } from '../src/services/privacy/erase-exports.js';
import { completeCheckIn } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import type { HttpClient } from './helpers/http-client.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { getRaw, putSegment, putSnapshot, recordingFixture } from './helpers/recording.js';
import { registerAndCheckIn } from './helpers/sessions.js';
import { engines, startTestServer, TEST_PASSWORD, type TestServer } from './helpers/test-server.js';

type Student = HttpClient & { userId: string; email: string };

/** Every entry of a zip, by path, with its bytes. */
async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  return entries;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(engines())('data export on %s', (engine) => {
  let server: TestServer;
  let f: Awaited<ReturnType<typeof recordingFixture>>;
  let other: Student;
  let otherSessionId: string;
  const mine = { segment: webmBytes('subject webcam'), snapshot: jpegBytes('subject snapshot') };
  const theirs = { segment: webmBytes('other webcam'), snapshot: jpegBytes('other snapshot') };
  let exportId: string;
  let zipBytes: Buffer;

  beforeAll(async () => {
    server = await startTestServer(engine);
    f = await recordingFixture(server);
    const now = () => server.clock.now().getTime();
    // The subject: checked in, recorded, chatted, submitted; a proctor's note about them.
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: now() });
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);
    const s = f.sessionId;
    const at = now();
    expect(
      (await putSegment(f.student, s, 'webcam', 0, mine.segment, { startMs: at })).status,
    ).toBe(201);
    expect(
      (await putSnapshot(f.student, s, 'webcam', 0, mine.snapshot, { takenMs: at })).status,
    ).toBe(201);
    const sent = await f.student.post(`/api/sessions/${s}/events`, {
      events: [{ seq: 1, type: 'page.hidden', at, data: {} }],
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const chat = await f.student.post(`/api/sessions/${s}/chat`, {
      body: 'Subject asks a question',
    });
    expect(chat.status, JSON.stringify(chat.body)).toBeLessThan(300);
    expect((await f.move(f.student, 'submitted')).status).toBe(200);
    const note = await f.proctor.post(`/api/sessions/${s}/notes`, { body: 'Looked away twice' });
    expect(note.status, JSON.stringify(note.body)).toBeLessThan(300);

    // Another student of the same exam, with data of their own.
    other = await server.signedIn('student', 'Other Person');
    otherSessionId = (await registerAndCheckIn(other, f.examId)).sessionId;
    await completeCheckIn(other, otherSessionId, { takenMs: now() });
    const o = otherSessionId;
    expect(
      (await putSegment(other, o, 'webcam', 0, theirs.segment, { startMs: now() })).status,
    ).toBe(201);
    expect(
      (await putSnapshot(other, o, 'webcam', 0, theirs.snapshot, { takenMs: now() })).status,
    ).toBe(201);
    await other.post(`/api/sessions/${o}/chat`, { body: 'Other student secret' });
  });
  afterAll(() => server?.close());

  const waitReady = (client: HttpClient, id: string) =>
    eventually(async () => {
      const res = await client.get(`/api/exports/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ready');
      return res.body;
    });

  it('a student requests an export; asking again while it runs returns the same one', async () => {
    const first = await f.student.post('/api/me/exports');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    exportId = first.body.id;
    expect(first.body).toMatchObject({ userId: f.student.userId, requestedBy: f.student.userId });
    const again = await f.student.post('/api/me/exports');
    if (again.status === 200) expect(again.body.id).toBe(exportId);
    else expect(again.body.code).toBe('EXPORT_RATE_LIMITED'); // it was already written
    const ready = await waitReady(f.student, exportId);
    expect(ready.progressDone).toBe(ready.progressTotal);
    expect(ready.progressTotal).toBeGreaterThan(10);
    expect(ready.expiresAt).not.toBeNull();
    const listed = await f.student.get('/api/me/exports');
    expect(listed.body.map((e: { id: string }) => e.id)).toContain(exportId);
  });

  it('only the subject and admins see or download it; others are told it does not exist', async () => {
    for (const c of [other, f.proctor, f.instructor]) {
      expect((await c.get(`/api/exports/${exportId}`)).body.code).toBe('NOT_FOUND');
      expect((await getRaw(c, `/api/exports/${exportId}/download`)).status).toBe(404);
    }
    expect((await f.admin.get(`/api/exports/${exportId}`)).status).toBe(200);
    expect((await other.get('/api/me/exports')).body).toEqual([]);
  });

  it('downloads as a zip attachment that browsers will not render', async () => {
    const res = await getRaw(f.student, `/api/exports/${exportId}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="invigil-data-[\d-]+\.zip"$/,
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    const status = (await f.student.get(`/api/exports/${exportId}`)).body;
    expect(res.bytes.length).toBe(status.sizeBytes);
    expect(sha(res.bytes)).toBe(status.sha256);
    zipBytes = res.bytes;
  });

  it('holds the subject’s profile, registrations, attempt record and media', async () => {
    const files = await unzip(zipBytes);
    const dir = `sessions/${f.sessionId}`;
    for (const name of [
      'README.txt',
      'profile.json',
      'registrations.json',
      `${dir}/session.json`,
      `${dir}/events.ndjson`,
      `${dir}/flags.json`,
      `${dir}/notes.json`,
      `${dir}/verdict.json`,
      `${dir}/answers.json`,
      `${dir}/chat.json`,
    ]) {
      expect([...files.keys()], name).toContain(name);
    }
    const json = (name: string) => JSON.parse(files.get(name)!.toString());
    expect(json('profile.json')).toMatchObject({ id: f.student.userId, email: f.student.email });
    expect(files.get('profile.json')!.toString()).not.toContain('passwordHash');
    expect(json('registrations.json')).toHaveLength(1);
    expect(json(`${dir}/session.json`)).toMatchObject({
      id: f.sessionId,
      state: 'submitted',
      deleted: [],
    });
    expect(json(`${dir}/notes.json`)).toEqual([
      expect.objectContaining({ body: 'Looked away twice', by: 'staff' }),
    ]);
    expect(json(`${dir}/chat.json`)).toEqual([
      expect.objectContaining({ body: 'Subject asks a question' }),
    ]);
    const events = files
      .get(`${dir}/events.ndjson`)!
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.type)).toContain('page.hidden');
    // The media exactly as uploaded, identity photos included.
    expect(files.get(`${dir}/media/webcam/00000.webm`)).toEqual(mine.segment);
    expect(files.get(`${dir}/media/snapshots/webcam/00000.jpg`)).toEqual(mine.snapshot);
    expect([...files.keys()]).toContain(`${dir}/media/identity/id_face-00000.jpg`);
    expect(files.get('README.txt')!.toString()).toContain('Not included');
  });

  it('holds nothing of the other student', async () => {
    const files = await unzip(zipBytes);
    expect([...files.keys()].filter((n) => n.includes(otherSessionId))).toEqual([]);
    const all = Buffer.concat([...files.values()]);
    for (const marker of [
      other.userId,
      other.email,
      otherSessionId,
      'Other Person',
      'Other student secret',
    ]) {
      expect(all.includes(Buffer.from(marker)), marker).toBe(false);
    }
    expect(all.includes(theirs.segment), 'their segment').toBe(false);
    expect(all.includes(theirs.snapshot), 'their snapshot').toBe(false);
  });

  it('one export an hour (429 EXPORT_RATE_LIMITED), then again', async () => {
    const soon = await f.student.post('/api/me/exports');
    expect(soon.status).toBe(429);
    expect(soon.body.code).toBe('EXPORT_RATE_LIMITED');
    expect(Number(soon.headers.get('retry-after'))).toBeGreaterThan(0);
    server.clock.advance(61 * 60_000);
    const later = await f.student.post('/api/me/exports');
    expect(later.status).toBe(202);
    await waitReady(f.student, later.body.id);
  });

  it('an admin exports on a student’s behalf (not for staff), both audited', async () => {
    expect((await f.admin.post(`/api/users/${f.proctor.userId}/exports`)).status).toBe(404);
    expect((await f.proctor.post(`/api/users/${other.userId}/exports`)).status).toBe(403);
    const res = await f.admin.post(`/api/users/${other.userId}/exports`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ userId: other.userId, requestedBy: f.admin.userId });
    await waitReady(f.admin, res.body.id);
    const download = await getRaw(f.admin, `/api/exports/${res.body.id}/download`);
    expect(download.status).toBe(200);
    const files = await unzip(download.bytes);
    expect(files.get(`sessions/${otherSessionId}/media/webcam/00000.webm`)).toEqual(theirs.segment);
    expect([...files.keys()].filter((n) => n.includes(f.sessionId))).toEqual([]);
    // The subject sees what was requested for them.
    expect((await other.get('/api/me/exports')).body[0].id).toBe(res.body.id);

    const audit = async (action: string) =>
      (await f.admin.get(`/api/audit?action=${action}&entityType=data_export`)).body as {
        actorId: string;
        entityId: string;
        data: Record<string, unknown>;
      }[];
    const requested = await audit('export.request');
    expect(requested).toContainEqual(
      expect.objectContaining({
        actorId: f.admin.userId,
        entityId: res.body.id,
        data: expect.objectContaining({ subjectId: other.userId, requestedBy: f.admin.userId }),
      }),
    );
    const downloads = await audit('export.download');
    expect(downloads.map((e) => e.actorId)).toEqual(
      expect.arrayContaining([f.student.userId, f.admin.userId]),
    );
  });

  it('expired exports lose their file (the sweep); an erasure deletes them at once', async () => {
    const db = server.instance.database.db;
    const blobs = server.instance.blobs;
    const row = async (id: string) =>
      (await db.select().from(dataExports).where(eq(dataExports.id, id)))[0]!;
    const before = await row(exportId);
    expect(await blobs.exists(partKey(before.blobPrefix!, 1))).toBe(true);
    server.clock.advance(8 * 24 * 3_600_000);
    await new ExportRuns(db, server.clock, blobs).sweep(60_000);
    await f.student.login(f.student.email, TEST_PASSWORD); // the sign-in ran out too
    expect((await row(exportId)).status).toBe('expired');
    expect(await blobs.exists(partKey(before.blobPrefix!, 1))).toBe(false);
    const gone = await getRaw(f.student, `/api/exports/${exportId}/download`);
    expect(gone.status).toBe(409);
    expect(gone.json.code).toBe('EXPORT_NOT_READY');

    const fresh = await f.student.post('/api/me/exports');
    expect(fresh.status).toBe(202);
    await waitReady(f.student, fresh.body.id);
    const ready = await row(fresh.body.id);
    expect(await eraseSubjectExports(db, blobs, f.student.userId)).toBe(1);
    expect(await blobs.exists(partKey(ready.blobPrefix!, 1))).toBe(false);
    expect((await f.student.get(`/api/exports/${fresh.body.id}`)).body.status).toBe('expired');
  });
});
