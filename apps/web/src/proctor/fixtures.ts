import {
  DEFAULT_POLICY,
  type Alert,
  type ChatMessage,
  type ExamSession,
  type Flag,
  type HelpRequest,
  type LiveExamSnapshot,
  type LiveMessage,
  type LiveSessionTile,
  type RtcLink,
} from '@invigil/contracts';

/**
 * Builders of live dashboard data for unit tests (`buildX(overrides)`). Ids are readable
 * strings, not UUIDs: the models never validate them.
 */

const T0 = Date.parse('2030-01-01T10:00:00Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

/** The epoch ms the builders' times are relative to. */
export const FIXTURE_T0 = T0;

/** An exam session, in progress with an hour left at FIXTURE_T0. */
export function buildSession(overrides: Partial<ExamSession> = {}): ExamSession {
  return {
    id: 's1',
    registrationId: 'r1',
    examId: 'e1',
    studentId: 'u1',
    state: 'in_progress',
    consentedAt: at(-600_000),
    startedAt: at(-600_000),
    deadlineAt: at(3_600_000),
    endedAt: null,
    updatedAt: at(-600_000),
    attempt: 1,
    supersededAt: null,
    ...overrides,
  };
}

/** A grid tile for a session (id `s1` unless overridden), healthy, no risk. */
export function buildTile(
  overrides: Partial<Omit<LiveSessionTile, 'session'>> & { session?: Partial<ExamSession> } = {},
): LiveSessionTile {
  const session = buildSession(overrides.session);
  return {
    student: { id: session.studentId, name: 'Sam Student', email: 'sam@example.test' },
    risk: 0,
    openFlags: 0,
    latest: { webcam: null, screen: null },
    unreadChat: 0,
    ...overrides,
    session,
    health: overrides.health ?? {
      sessionId: session.id,
      connected: true,
      lastUploadAt: at(-5_000),
      lastVideoAt: at(-5_000),
      videoAt: { webcam: at(-5_000), screen: at(-5_000) },
      lastSeenAt: at(-1_000),
      presence: 'online',
    },
  };
}

/** A flag of session `s1`, open, medium severity. */
export function buildFlag(overrides: Partial<Flag> = {}): Flag {
  return {
    id: 'f1',
    sessionId: 's1',
    type: 'no_face',
    source: 'client',
    startMs: T0 - 60_000,
    endMs: null,
    startOffsetMs: 540_000,
    endOffsetMs: null,
    severity: 'medium',
    confidence: 0.9,
    detector: 'face',
    model: 'test',
    evidence: { snapshotIds: [], recording: null },
    message: 'No face for 5 s',
    reviewStatus: 'open',
    createdAt: at(-55_000),
    updatedAt: at(-55_000),
    ...overrides,
  };
}

/** An unhandled alert for a flag. */
export function buildAlert(flag: Partial<Flag> = {}, overrides: Partial<Alert> = {}): Alert {
  const built = buildFlag(flag);
  return {
    flag: built,
    student: { id: 'u1', name: 'Sam Student' },
    handling: {
      flagId: built.id,
      sessionId: built.sessionId,
      acknowledgedBy: null,
      acknowledgedAt: null,
      assignedTo: null,
      assignedAt: null,
    },
    ...overrides,
  };
}

/** A snapshot of exam `e1` with the given tiles and alerts; counts follow the tiles. */
export function buildSnapshot(
  sessions: LiveSessionTile[] = [buildTile()],
  alerts: Alert[] = [],
  cursor = 10,
): LiveExamSnapshot {
  const counts = {
    registered: 0,
    checking_in: 0,
    in_progress: 0,
    paused: 0,
    submitted: 0,
    terminated: 0,
    under_review: 0,
    reviewed: 0,
  };
  for (const tile of sessions) counts[tile.session.state] += 1;
  return {
    exam: {
      id: 'e1',
      title: 'Statistics final',
      description: '',
      status: 'published',
      opensAt: at(-3_600_000),
      closesAt: at(7_200_000),
      durationMinutes: 60,
      capacity: 200,
      registrationDeadline: at(-3_600_000),
      policy: DEFAULT_POLICY,
      externalUrl: null,
      retention: null,
      legalHold: null,
      registeredCount: sessions.length,
      createdAt: at(-86_400_000),
      updatedAt: at(-86_400_000),
    },
    counts,
    sessions,
    alerts,
    helpRequests: [],
    rtcLinks: [],
    cursor,
  };
}

/** A chat message from the student of session `s1`, seq 1, at FIXTURE_T0. */
export function buildChatMessage(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: 'm1',
    seq: 1,
    examId: 'e1',
    sessionId: 's1',
    kind: 'message',
    from: 'student',
    author: { id: 'u1', name: 'Sam Student' },
    body: 'My camera froze',
    createdAt: at(0),
    ...overrides,
  };
}

/** An open raised hand of session `s1`, nobody has taken it. */
export function buildHand(overrides: Partial<HelpRequest> = {}): HelpRequest {
  return {
    id: 'h1',
    sessionId: 's1',
    examId: 'e1',
    student: { id: 'u1', name: 'Sam Student' },
    message: 'my camera froze',
    raisedAt: at(0),
    takenBy: null,
    takenAt: null,
    closedAt: null,
    closedBy: null,
    closeReason: null,
    ...overrides,
  };
}

/** A live view of session `s1` by proctor `p1`, connecting. */
export function buildLink(overrides: Partial<RtcLink> = {}): RtcLink {
  return {
    id: 'l1',
    sessionId: 's1',
    examId: 'e1',
    kind: 'view',
    proctor: { id: 'p1', name: 'Pat Proctor' },
    proctorCamera: false,
    state: 'connecting',
    startedAt: at(0),
    connectedAt: null,
    endedAt: null,
    endReason: null,
    detail: null,
    ...overrides,
  };
}

type Topic = LiveMessage['topic'];

/** A live message of exam `e1`. */
export function buildMessage<T extends Topic>(
  topic: T,
  id: number,
  data: Extract<LiveMessage, { topic: T }>['data'],
  sessionId: string | null = 's1',
): Extract<LiveMessage, { topic: T }> {
  return { id, topic, data, examId: 'e1', sessionId, at: at(0) } as Extract<
    LiveMessage,
    { topic: T }
  >;
}
