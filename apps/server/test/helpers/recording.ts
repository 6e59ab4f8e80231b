import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { CreateExamBody } from '@invigil/contracts';
import { buildExam } from './factories.js';
import type { HttpClient, TestResponse } from './http-client.js';
import type { TestServer } from './test-server.js';

/** Hex SHA-256 of some bytes. */
export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A client timestamp base for test segments. */
export const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);

/** Options of a raw upload; anything not given is filled with valid values. */
export interface RawUpload {
  contentType?: string | null;
  sha?: string | null;
  headers?: Record<string, string | null>;
}

/** Send raw bytes as the browser does: session cookie, CSRF token, x-sha256 and times. */
export async function putRaw(
  client: HttpClient,
  path: string,
  bytes: Buffer,
  defaults: Record<string, string>,
  opts: RawUpload = {},
): Promise<TestResponse> {
  const h: Record<string, string> = { ...defaults };
  if (opts.contentType !== null) h['content-type'] = opts.contentType ?? defaults['content-type']!;
  else delete h['content-type'];
  if (opts.sha !== null) h['x-sha256'] = opts.sha ?? sha256(bytes);
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === null) delete h[k];
    else h[k] = v;
  }
  if (client.cookie) h.cookie = client.cookie;
  if (client.csrfToken) h['x-csrf-token'] = client.csrfToken;
  if (client.bearer) h.authorization = `Bearer ${client.bearer}`;
  const res = await fetch(`${client.baseUrl}${path}`, {
    method: 'PUT',
    headers: h,
    body: new Uint8Array(bytes),
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text;
  return { status: res.status, body: json ? JSON.parse(text) : text, headers: res.headers };
}

/** Upload segment `seq` of `track` covering [startMs, startMs + 6 s) unless told otherwise. */
export function putSegment(
  client: HttpClient,
  sessionId: string,
  track: string,
  seq: number,
  bytes: Buffer,
  opts: RawUpload & { startMs?: number; endMs?: number } = {},
): Promise<TestResponse> {
  const startMs = opts.startMs ?? T0 + seq * 6000;
  return putRaw(
    client,
    `/api/sessions/${sessionId}/media/${track}/${seq}`,
    bytes,
    {
      'content-type': 'video/webm',
      'x-start-ms': String(startMs),
      'x-end-ms': String(opts.endMs ?? startMs + 6000),
    },
    opts,
  );
}

/** Upload snapshot `seq` of `kind` taken at `takenMs`. */
export function putSnapshot(
  client: HttpClient,
  sessionId: string,
  kind: string,
  seq: number,
  bytes: Buffer,
  opts: RawUpload & { takenMs?: number } = {},
): Promise<TestResponse> {
  return putRaw(
    client,
    `/api/sessions/${sessionId}/snapshots/${kind}/${seq}`,
    bytes,
    {
      'content-type': 'image/jpeg',
      'x-taken-ms': String(opts.takenMs ?? T0 + seq * 10_000),
    },
    opts,
  );
}

/** GET raw bytes with the client's credentials. */
export async function getRaw(
  client: HttpClient,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; bytes: Buffer; headers: Headers; json?: any }> {
  const h: Record<string, string> = { ...headers };
  if (client.cookie) h.cookie = client.cookie;
  if (client.bearer) h.authorization = `Bearer ${client.bearer}`;
  const res = await fetch(`${client.baseUrl}${path}`, { headers: h });
  const bytes = Buffer.from(await res.arrayBuffer());
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return {
    status: res.status,
    bytes,
    headers: res.headers,
    json: isJson && bytes.length ? JSON.parse(bytes.toString()) : undefined,
  };
}

/** Every file stored for a session in the server's blob directory (relative paths). */
export async function blobFiles(server: TestServer, sessionId: string): Promise<string[]> {
  const dir = path.join(server.instance.config.blobDir, 'sessions', sessionId);
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

/**
 * A published exam (`exam`, default buildExam) with an assigned proctor and instructor, and
 * one registered student.
 */
export async function recordingFixture(
  server: TestServer,
  examBody: CreateExamBody = buildExam({}, server.clock.now().getTime()),
) {
  const admin = await server.signedIn('admin');
  const proctor = await server.signedIn('proctor');
  const instructor = await server.signedIn('instructor');
  const student = await server.signedIn('student');
  const exam = await admin.post('/api/exams', examBody);
  if (exam.status !== 201) throw new Error(`exam: ${exam.status} ${JSON.stringify(exam.body)}`);
  const examId = exam.body.id as string;
  await admin.put(`/api/exams/${examId}/staff/${proctor.userId}`, { role: 'proctor' });
  await admin.put(`/api/exams/${examId}/staff/${instructor.userId}`, { role: 'instructor' });
  const reg = await student.post(`/api/exams/${examId}/registrations`);
  const sessionId = reg.body.sessionId as string;
  const move = (c: HttpClient, to: string) =>
    c.post(`/api/sessions/${sessionId}/transitions`, { to });
  return { admin, proctor, instructor, student, examId, sessionId, move };
}

/** A fixture whose session is checking in (recording allowed). */
export async function checkedIn(server: TestServer) {
  const f = await recordingFixture(server);
  const res = await f.move(f.student, 'checking_in');
  if (res.status !== 200)
    throw new Error(`check-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return f;
}
