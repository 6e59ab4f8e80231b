import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag, SessionEvent, UntrustedReason } from '@invigil/contracts';
import { lateEventConditions } from '@invigil/detection/rules';
import { sessionEvents } from '../src/db/schema.js';
import { loadRuleEvents, UNTRUSTED_EVENTS_LOADED } from '../src/services/detection/flag-inputs.js';
import { inProgress } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import type { HttpClient } from './helpers/http-client.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { putSegment, putSnapshot } from './helpers/recording.js';
import { requestEngines, startTestServer, type TestServer } from './helpers/test-server.js';

const MIN = 60_000;

/**
 * A tampered browser controls every time it sends. These requests play its tricks — a
 * back-dated "condition ended", a clock set forward or back — and check that the server keeps
 * what it already judged, says what it noticed as a flag with evidence, and never deletes one.
 */
describe.each(requestEngines())('tampered client times on %s', (engine) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine, { flagSweepMs: 200 });
  });
  afterAll(async () => server?.close());

  const now = () => server.clock.now().getTime();

  /** A running attempt and what its student's browser (or a script) can send. */
  async function attempt() {
    const f = await inProgress(server);
    // Check-in used client event 0.
    let seq = 1;
    const send = async (...events: { type: string; at: number; data?: object }[]) => {
      const res = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
        events: events.map((e) => ({ seq: seq++, data: {}, ...e })),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.accepted as number[];
    };
    const flags = async (as: HttpClient = f.proctor) => {
      const res = await as.get(`/api/sessions/${f.sessionId}/flags`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as Flag[];
    };
    const events = async (as: HttpClient = f.proctor) => {
      const res = await as.get(`/api/sessions/${f.sessionId}/events`);
      expect(res.status).toBe(200);
      return (res.body as SessionEvent[]).filter((e) => e.source === 'client');
    };
    return { ...f, send, flags, events };
  }

  const state = (detector: string, active: boolean) => ({
    detector,
    active,
    confidence: 0.9,
    model: 'test-model',
  });
  const ofType = (list: Flag[], type: string) => list.filter((f) => f.type === type);

  it('a "condition ended" dated 10 minutes back never shortens the flag and raises late_event', async () => {
    const a = await attempt();
    const startAt = now() - 8000;
    await a.send(
      { type: 'detect.state', at: startAt, data: state('no_face', true) },
      // An item dated now in the same request: the server's clock offset estimate stays 0
      // (a stale-looking receipt bucket alone could read as a clock behind), so the late
      // end's receipt maps to the same time on the student's clock.
      { type: 'network.online', at: now() },
    );
    const [open] = ofType(await a.flags(), 'no_face');
    expect(open).toMatchObject({ endMs: null, reviewStatus: 'open' });

    // Eleven minutes on, the browser claims the face came back a minute after it went.
    server.clock.advance(11 * MIN);
    const endAt = startAt + MIN;
    const sentAt = now();
    const [endSeq] = await a.send({
      type: 'detect.state',
      at: endAt,
      data: state('no_face', false),
    });
    const after = await a.flags();
    // Not used to shorten it: the flag ends no earlier than the end arrived (what the server
    // saw), not a minute after it began — nor at the end of the exam.
    expect(ofType(after, 'no_face')).toEqual([
      expect.objectContaining({ id: open?.id, startMs: startAt, endMs: expect.any(Number) }),
    ]);
    const [cut] = ofType(after, 'no_face');
    expect(cut?.endMs).toBeGreaterThanOrEqual(sentAt);
    expect(cut?.endMs).toBeLessThanOrEqual(now());
    const [late] = ofType(after, 'late_event');
    expect(late).toMatchObject({ source: 'rules', severity: 'low', reviewStatus: 'open' });
    expect(late?.evidence.events).toEqual([
      {
        seq: endSeq,
        type: 'detect.state',
        clientMs: endAt,
        receivedMs: expect.any(Number),
        reason: 'late',
      },
    ]);
    expect(late?.evidence.events?.[0]?.receivedMs).toBeGreaterThanOrEqual(sentAt);
    expect(late?.message).toMatch(/1 dated up to 10 min \d+ s before they arrived/);

    // Kept as evidence: staff see why it was not used, the student sees only what was sent.
    const stored = (await a.events()).find((e) => e.seq === endSeq);
    expect(stored).toMatchObject({ type: 'detect.state', untrustedReason: 'late' });
    const own = (await a.events(a.student)).find((e) => e.seq === endSeq);
    expect(own?.type).toBe('detect.state');
    expect(own).not.toHaveProperty('untrustedReason');

    // An honest end shortly after changes nothing: the same flag keeps its review status.
    await a.send({ type: 'detect.state', at: now(), data: state('no_face', false) });
    const [closed] = ofType(await a.flags(), 'no_face');
    expect(closed).toMatchObject({ id: open?.id, reviewStatus: 'open' });
    expect(closed?.endMs).toBeGreaterThanOrEqual(sentAt);
    expect(closed?.message).toMatch(/^No face in view for 11 min( \d+ s)?$/);
  });

  it('a back-dated page.visible after a tab_switch flag never shortens it', async () => {
    const a = await attempt();
    const hiddenAt = now() - 5000;
    // With an item dated now, as above: the clock offset estimate stays 0.
    await a.send({ type: 'page.hidden', at: hiddenAt }, { type: 'network.online', at: now() });
    const [open] = ofType(await a.flags(), 'tab_switch');
    expect(open?.endMs).toBeNull();
    server.clock.advance(11 * MIN);
    const sentAt = now();
    await a.send({ type: 'page.visible', at: hiddenAt + 30_000 });
    const after = await a.flags();
    expect(ofType(after, 'tab_switch')).toEqual([
      expect.objectContaining({ id: open?.id, startMs: hiddenAt }),
    ]);
    expect(ofType(after, 'tab_switch')[0]?.endMs).toBeGreaterThanOrEqual(sentAt);
    expect(ofType(after, 'late_event')[0]?.evidence.events?.[0]).toMatchObject({
      type: 'page.visible',
      reason: 'late',
    });
  });

  it('an end dated before an event already accepted is out of order and not used', async () => {
    const a = await attempt();
    await a.send({ type: 'detect.state', at: now() - 20_000, data: state('no_face', true) });
    await a.send({ type: 'detect.state', at: now() - 1000, data: state('no_face', true) });
    const [endSeq] = await a.send({
      type: 'detect.state',
      at: now() - 15_000,
      data: state('no_face', false),
    });
    const after = await a.flags();
    expect(ofType(after, 'no_face').map((f) => f.endMs)).toEqual([null]);
    const [late] = ofType(after, 'late_event');
    expect(late?.evidence.events).toEqual([
      expect.objectContaining({ seq: endSeq, reason: 'out_of_order' }),
    ]);
    expect(late?.confidence).toBe(1);
  });

  it('an end dated before the flag was raised never closes it before the server saw it open', async () => {
    const a = await attempt();
    const startAt = now() - 60_000;
    await a.send({ type: 'detect.state', at: startAt, data: state('no_face', true) });
    const [open] = ofType(await a.flags(), 'no_face');
    const raisedMs = Date.parse(open?.createdAt ?? '');
    // In time and in order, so trusted; but dated 55 s before the server raised the flag.
    await a.send({ type: 'detect.state', at: startAt + 5000, data: state('no_face', false) });
    const [closed] = ofType(await a.flags(), 'no_face');
    expect(closed?.id).toBe(open?.id);
    expect(closed?.startMs).toBe(startAt);
    expect(closed?.endMs).toBeGreaterThanOrEqual(raisedMs);
    expect(ofType(await a.flags(), 'late_event')).toEqual([]);
  });

  it('re-judging never deletes a flag: a start moved earlier leaves the old flag in place', async () => {
    const a = await attempt();
    const first = now() - 20_000;
    await a.send({ type: 'detect.state', at: first, data: state('no_face', true) });
    const [original] = await a.flags();
    expect(original).toMatchObject({ type: 'no_face', startMs: first });
    // An earlier start arrives (out of order): the condition now starts earlier, under a new key.
    await a.send({ type: 'detect.state', at: first - 10_000, data: state('no_face', true) });
    const noFace = ofType(await a.flags(), 'no_face');
    expect(noFace.map((f) => f.startMs).sort()).toEqual([first - 10_000, first]);
    expect(noFace.find((f) => f.id === original?.id)).toMatchObject({
      startMs: first,
      endMs: null,
      reviewStatus: 'open',
    });
  });

  it('a clock set 10 minutes forward raises clock_skew with the offset', async () => {
    const a = await attempt();
    const skew = 10 * MIN;
    for (let i = 0; i < 3; i += 1) {
      const t = now() + skew;
      const seg = await putSegment(a.student, a.sessionId, 'webcam', i, webmBytes(`fwd ${i}`), {
        startMs: t - 6000,
        endMs: t,
      });
      expect(seg.status, JSON.stringify(seg.body)).toBe(201);
      const shot = await putSnapshot(a.student, a.sessionId, 'webcam', i, jpegBytes(`fwd ${i}`), {
        takenMs: t,
      });
      expect(shot.status, JSON.stringify(shot.body)).toBe(201);
    }
    await a.send(
      { type: 'window.blur', at: now() + skew },
      { type: 'window.focus', at: now() + skew },
    );
    const [skewed] = await eventually(async () => {
      const found = ofType(await a.flags(), 'clock_skew');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(skewed).toMatchObject({ source: 'rules', severity: 'medium' });
    expect(skewed?.evidence.details).toMatchObject({ direction: 'ahead' });
    expect(Math.abs(Number(skewed?.evidence.details?.offsetMs) - skew)).toBeLessThan(10_000);
    expect(new Set(skewed?.evidence.samples?.map((s) => s.kind))).toEqual(
      new Set(['event', 'segment', 'snapshot']),
    );
    expect(skewed?.message).toMatch(/about 10 min ahead/);
    // The events were dated after they arrived, as steadily as everything else: clock_skew
    // says so; judged on the student's clock they are on time, and no late_event follows.
    expect(ofType(await a.flags(), 'late_event')).toEqual([]);
    const sent = (await a.events()).filter((e) => e.type.startsWith('window.'));
    expect(sent.map((e) => e.untrustedReason)).toEqual([null, null]);
  });

  it('a clock set 10 minutes back raises clock_skew once a window shows it', async () => {
    const a = await attempt();
    const skew = -10 * MIN;
    // Seven minutes of items: the honest check-in photos fall out of the five-minute window.
    for (let i = 0; i < 21; i += 1) {
      server.clock.advance(20_000);
      const t = now() + skew;
      expect(
        (
          await putSegment(a.student, a.sessionId, 'webcam', i, webmBytes(`back ${i}`), {
            startMs: t - 6000,
            endMs: t,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await putSnapshot(a.student, a.sessionId, 'webcam', i, jpegBytes(`back ${i}`), {
            takenMs: t,
          })
        ).status,
      ).toBe(201);
      await a.send({ type: 'window.focus', at: t });
    }
    const [skewed] = ofType(await a.flags(), 'clock_skew');
    expect(skewed?.evidence.details).toMatchObject({ direction: 'behind' });
    expect(Math.abs(Number(skewed?.evidence.details?.offsetMs) - skew)).toBeLessThan(10_000);
    expect(skewed?.message).toMatch(/about 10 min behind/);
    expect(skewed?.evidence.samples?.length).toBeGreaterThan(0);
  });

  it('a flood of late events is counted, not loaded one by one: late_event still counts them all', async () => {
    const a = await attempt();
    // Each batch also carries an event dated right: the clock is fine, these were back-dated.
    const late = (n: number) => [
      { type: 'window.focus', at: now() },
      ...Array.from({ length: n }, () => ({ type: 'clipboard.copy', at: now() - 10 * MIN })),
    ];
    await a.send(...late(400));
    server.clock.advance(10 * MIN);
    // A back-dated "condition ended" among them: a rule input, always read on its own.
    const [endSeq] = await a.send({
      type: 'detect.state',
      at: now() - 10 * MIN,
      data: state('no_face', false),
    });
    await a.send(...late(400));
    await a.send(...late(400));

    const db = server.instance.database.db;
    const { events, untrustedTallies } = await loadRuleEvents(db, a.sessionId);
    // The newest one by one, of the two older runs only the 20 first and 20 last; the rest
    // counted. The back-dated end is read whatever the number.
    const untrusted = events.filter((e) => e.untrusted);
    expect(untrusted).toHaveLength(UNTRUSTED_EVENTS_LOADED + 2 * 40 + 1);
    expect(untrusted.find((e) => e.type === 'detect.state')?.seq).toBe(endSeq);
    const counted = (t: (typeof untrustedTallies)[number]) => t.late + t.future + t.outOfOrder;
    expect(untrustedTallies.map(counted)).toEqual([400 - 40, 800 - UNTRUSTED_EVENTS_LOADED - 40]);
    // late_event comes out exactly as from every event read one by one.
    const every = await db
      .select()
      .from(sessionEvents)
      .where(
        and(eq(sessionEvents.sessionId, a.sessionId), isNotNull(sessionEvents.untrustedReason)),
      );
    const asRead = every.map((e) => ({
      source: 'client' as const,
      type: e.type,
      atMs: Number(e.clientMs),
      data: e.data as Record<string, unknown>,
      seq: e.seq,
      receivedMs: e.serverAt.getTime(),
      untrusted: e.untrustedReason as UntrustedReason,
    }));
    expect(lateEventConditions(events, [], untrustedTallies)).toEqual(lateEventConditions(asRead));

    const lateFlags = ofType(await a.flags(), 'late_event').sort((x, y) => x.startMs - y.startMs);
    expect(lateFlags.map((f) => f.evidence.details?.count)).toEqual([400, 801]);
    expect(lateFlags[1]?.evidence.events).toHaveLength(40);
    expect(lateFlags[1]?.message).toMatch(/801 events: 801 dated up to 10 min/);
  });

  it('an honest browser with a 30 s backlog after a cut gets no clock_skew and no late_event', async () => {
    const a = await attempt();
    let seg = 0;
    /** The next 6 s webcam segment, ending at `t` (browser clock). */
    const segment = async (t: number) => {
      const i = seg++;
      expect(
        (
          await putSegment(a.student, a.sessionId, 'webcam', i, webmBytes(`ok ${i}`), {
            startMs: t - 6000,
            endMs: t,
          })
        ).status,
      ).toBe(201);
    };
    const fresh = async () => {
      const t = now();
      await segment(t);
      await a.send({ type: 'window.focus', at: t });
    };
    for (let i = 0; i < 10; i += 1) {
      server.clock.advance(20_000);
      await fresh();
    }
    // 30 s offline: what was recorded meanwhile arrives together, then life goes on.
    const cut = now();
    server.clock.advance(30_000);
    for (let k = 0; k < 5; k += 1) await segment(cut + k * 6000);
    await a.send({ type: 'network.offline', at: cut }, { type: 'network.online', at: now() });
    for (let i = 0; i < 10; i += 1) {
      server.clock.advance(20_000);
      await fresh();
    }
    // A rule input re-judges at once (an end without a start is no condition).
    await a.send({ type: 'page.visible', at: now() });
    const types = (await a.flags()).map((f) => f.type);
    expect(types).not.toContain('clock_skew');
    expect(types).not.toContain('late_event');
    expect((await a.events()).every((e) => e.untrustedReason === null)).toBe(true);
  });

  it('an accommodation granted afterwards withdraws the flags it makes moot: audited, kept', async () => {
    const a = await attempt();
    await a.send(
      { type: 'detect.state', at: now() - 8000, data: state('no_face', true) },
      { type: 'page.hidden', at: now() - 6000 },
    );
    const before = await a.flags();
    const noFace = ofType(before, 'no_face')[0];
    const tab = ofType(before, 'tab_switch')[0];
    expect(noFace?.reviewStatus).toBe('open');
    expect(tab?.reviewStatus).toBe('open');
    const reg = await a.student.get(`/api/sessions/${a.sessionId}`);
    const registrationId = reg.body.registrationId as string;
    expect(registrationId).toBeTruthy();

    const granted = await a.admin.put(`/api/registrations/${registrationId}/accommodations`, {
      detectors: { no_face: { enabled: false } },
    });
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);

    const after = await a.flags();
    expect(after.map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort());
    expect(after.find((f) => f.id === noFace?.id)).toMatchObject({
      reviewStatus: 'dismissed',
      startMs: noFace?.startMs,
    });
    expect(after.find((f) => f.id === tab?.id)?.reviewStatus).toBe('open');
    const risk = (await a.proctor.get(`/api/sessions/${a.sessionId}/risk`)).body;
    expect(risk.contributions.map((c: { flagId: string }) => c.flagId)).not.toContain(noFace?.id);

    const review = (await a.proctor.get(`/api/sessions/${a.sessionId}/review`)).body;
    const decided = review.flags.find((f: { id: string }) => f.id === noFace?.id);
    expect(decided).toMatchObject({
      decision: 'dismissed',
      detail: { decidedBy: { id: a.admin.userId } },
    });
    expect(decided.comment).toMatch(/registration\.accommodations.*no_face/);
    const audit = (await a.admin.get(`/api/audit?examId=${a.examId}&limit=1000`)).body as any[];
    const withdrawn = audit.filter((e) => e.action === 'flag.withdraw');
    expect(withdrawn).toEqual([
      expect.objectContaining({
        entityId: noFace?.id,
        data: expect.objectContaining({
          type: 'no_face',
          change: {
            action: 'registration.accommodations',
            entityType: 'registration',
            entityId: registrationId,
          },
        }),
      }),
    ]);
    expect(audit.some((e) => e.action === 'registration.accommodations')).toBe(true);
  });
});
