import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { buildExam } from '../../apps/server/test/helpers/factories.js';
import type { Bodies, Body } from './bodies.js';
import { HttpError, type LeanHttp, type SignedIn, signIn } from './http.js';

const PASSWORD = 'correct horse battery staple';

/** What the bench acknowledged for one session, checked against the server at the end. */
export interface Acked {
  /** `track|seq` (segments) or `kind|seq` (snapshots) → SHA-256 acknowledged. */
  segments: Map<string, string>;
  snapshots: Map<string, string>;
  /** Client event sequence numbers acknowledged (accepted or duplicate). */
  events: Set<number>;
}

/** One simulated student with an attempt in progress. */
export interface Student {
  index: number;
  sessionId: string;
  /** Cookie and CSRF token (none for the reference server). */
  headers: Record<string, string>;
  socket?: WebSocket;
  /** Next sequence numbers. */
  next: { webcam: number; screen: number; webcamSnap: number; screenSnap: number; event: number };
  acked: Acked;
}

/** A flag as a proctor's socket received it. */
export interface FlagArrival {
  flagId: string;
  sessionId: string;
  type: string;
  proctor: number;
  createdAt: number;
  arrivedAt: number;
}

/** The exam, the proctors' sockets and the admin, made before the students arrive. */
export interface Staging {
  examId: string;
  admin: SignedIn;
  proctorSockets: WebSocket[];
  arrivals: FlagArrival[];
}

function newStudent(index: number, sessionId: string, headers: Record<string, string>): Student {
  return {
    index,
    sessionId,
    headers,
    next: { webcam: 0, screen: 0, webcamSnap: 0, screenSnap: 0, event: 0 },
    acked: { segments: new Map(), snapshots: new Map(), events: new Set() },
  };
}

/** Open `/api/live?query` with the user's cookie; resolves on the server's `ready`. */
function openLive(
  baseUrl: string,
  who: SignedIn,
  query: string,
  onText?: (text: string) => void,
): Promise<WebSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/live?${query}`, {
    headers: { cookie: who.cookie, origin: baseUrl },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`live ${query}: no ready in 60 s`)), 60_000);
    ws.on('message', (raw: Buffer) => {
      const text = raw.toString('utf8');
      if (text.includes('"topic":"ready"')) {
        clearTimeout(timer);
        resolve(ws);
      }
      onText?.(text);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function createUser(
  http: LeanHttp,
  admin: SignedIn,
  role: 'student' | 'proctor',
  email: string,
): Promise<string> {
  const res = await http.json<{ id: string }>('POST', '/api/users', admin.headers, {
    email,
    name: email.split('@')[0],
    role,
    password: PASSWORD,
  });
  return res.body.id;
}

/**
 * Sign the admin in, create a published exam for `students` with the bench's rates in its
 * policy, create and assign `proctors` proctors and open their live sockets (recording every
 * `flag.created` they receive with its arrival time).
 */
export async function stageExam(
  http: LeanHttp,
  admin: { email: string; password: string },
  o: { students: number; proctors: number; segmentSeconds: number; snapshotSeconds: number },
): Promise<Staging> {
  const signedAdmin = await signIn(http, admin.email, admin.password);
  const policy: Record<string, number> = {};
  if (Number.isInteger(o.segmentSeconds) && o.segmentSeconds >= 2 && o.segmentSeconds <= 60) {
    policy.segmentSeconds = o.segmentSeconds;
  }
  if (Number.isInteger(o.snapshotSeconds) && o.snapshotSeconds >= 2 && o.snapshotSeconds <= 300) {
    policy.snapshotIntervalSeconds = o.snapshotSeconds;
  }
  const exam = await http.json<{ id: string }>(
    'POST',
    '/api/exams',
    signedAdmin.headers,
    buildExam({
      title: `Load benchmark, ${o.students} students`,
      capacity: o.students + 10,
      durationMinutes: 12 * 60,
      policy,
    } as Parameters<typeof buildExam>[0]),
  );
  const examId = exam.body.id;
  const arrivals: FlagArrival[] = [];
  const run = randomBytes(3).toString('hex');
  const proctorSockets: WebSocket[] = [];
  for (let p = 0; p < o.proctors; p++) {
    const email = `proctor${p}-${run}@bench.invigil.test`;
    const userId = await createUser(http, signedAdmin, 'proctor', email);
    await http.json('PUT', `/api/exams/${examId}/staff/${userId}`, signedAdmin.headers, {
      role: 'proctor',
    });
    const proctor = await signIn(http, email, PASSWORD);
    proctorSockets.push(
      await openLive(http.baseUrl, proctor, `examId=${examId}`, (text) => {
        // Only flag.created matters; skip parsing the rest of the exam's traffic.
        if (!text.includes('"topic":"flag.created"')) return;
        const arrivedAt = Date.now();
        const m = JSON.parse(text) as {
          data: { flag: { id: string; sessionId: string; type: string; createdAt: string } };
        };
        const f = m.data.flag;
        arrivals.push({
          flagId: f.id,
          sessionId: f.sessionId,
          type: f.type,
          proctor: p,
          createdAt: Date.parse(f.createdAt),
          arrivedAt,
        });
      }),
    );
  }
  return { examId, admin: signedAdmin, proctorSockets, arrivals };
}

async function put(
  http: LeanHttp,
  path: string,
  who: SignedIn,
  b: Body,
  contentType: string,
  extra: Record<string, string>,
): Promise<void> {
  const a = await http.request(
    'PUT',
    path,
    { ...who.headers, 'content-type': contentType, 'x-sha256': b.sha256, ...extra },
    b.bytes,
  );
  if (a.status !== 201 && a.status !== 200) throw new HttpError('PUT', path, a);
}

const retriable = (err: unknown) =>
  !(err instanceof HttpError) || err.status === 0 || err.status === 429 || err.status >= 500;

/**
 * A setup step as the browser does it: tried again (up to 3 times in all) when the server
 * timed out or was unavailable. A 409 on a later try means an earlier one got through.
 */
async function step(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (attempt > 1 && err instanceof HttpError && err.status === 409) return;
      if (attempt >= 3 || !retriable(err)) throw err;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

/**
 * One student as the web app takes them in: an account made by the admin, a real sign-in,
 * registration, check-in (consent, a passed system check, a face photo and an ID photo), the
 * start of the attempt and its live socket.
 */
export async function admitStudent(
  http: LeanHttp,
  staging: Staging,
  bodies: Bodies,
  index: number,
  run: string,
): Promise<Student> {
  const email = `student${index}-${run}@bench.invigil.test`;
  await step(() => createUser(http, staging.admin, 'student', email));
  let who: SignedIn | undefined;
  await step(async () => (who = await signIn(http, email, PASSWORD)));
  const h = who!.headers;
  let sessionId = '';
  await step(async () => {
    const reg = await http.json<{ sessionId: string }>(
      'POST',
      `/api/exams/${staging.examId}/registrations`,
      h,
      {},
    );
    sessionId = reg.body.sessionId;
  });
  const base = `/api/sessions/${sessionId}`;
  await step(() => http.json('POST', `${base}/transitions`, h, { to: 'checking_in' }));
  await step(() => http.json('POST', `${base}/consent`, h, {}));
  const s = newStudent(index, sessionId, h);
  const now = Date.now();
  await step(() =>
    http.json('POST', `${base}/events`, h, {
      events: [{ seq: 0, type: 'system_check.passed', at: now, data: {} }],
    }),
  );
  s.acked.events.add(0);
  s.next.event = 1;
  for (const [kind, b] of [
    ['id_face', bodies.idFace],
    ['id_document', bodies.idDocument],
  ] as const) {
    await step(() =>
      put(http, `${base}/snapshots/${kind}/0`, who!, b, 'image/jpeg', {
        'x-taken-ms': String(now),
      }),
    );
    s.acked.snapshots.set(`${kind}|0`, b.sha256);
  }
  await step(() => http.json('POST', `${base}/transitions`, h, { to: 'in_progress' }));
  await step(async () => (s.socket = await openLive(http.baseUrl, who!, `sessionId=${sessionId}`)));
  return s;
}

/** Students of the reference server: no accounts, only session ids to upload under. */
export function referenceStudents(count: number): Student[] {
  return Array.from({ length: count }, (_, i) => newStudent(i, randomUUID(), {}));
}

/**
 * Admit `count` students, `concurrency` at a time, calling `onReady` as each one's attempt
 * starts (the exam room starts recording at once, as in the browser) and `onFailure` for one
 * that could not be admitted (the others go on: an overloaded server is a result).
 */
export async function admitAll(
  http: LeanHttp,
  staging: Staging,
  bodies: Bodies,
  count: number,
  concurrency: number,
  onReady: (s: Student) => void,
  onFailure: (message: string) => void,
  progress?: (done: number) => void,
): Promise<Student[]> {
  const run = randomBytes(3).toString('hex');
  const out: Student[] = [];
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < count) {
      const i = nextIndex++;
      try {
        const s = await admitStudent(http, staging, bodies, i, run);
        out.push(s);
        onReady(s);
        if (out.length % 50 === 0) progress?.(out.length);
      } catch (err) {
        onFailure((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out.sort((a, b) => a.index - b.index);
}
