import { describe, expect, it } from 'vitest';
import type { IceServersResponse, LiveMessage, RtcLink } from '@invigil/contracts';
import { ApiError } from '../api/client';
import type { LiveClientOptions } from '../live/live-client';
import { FakeTrack, outbox, peerFactory, settle } from './fake-rtc';
import { LiveViewController, type LiveViewDeps } from './live-view-controller';

const SESSION = '22222222-2222-4222-8222-222222222222';
const EXAM = '11111111-1111-4111-8111-111111111111';
const LINK = '33333333-3333-4333-8333-333333333333';

const link = (overrides: Partial<RtcLink> = {}): RtcLink => ({
  id: LINK,
  sessionId: SESSION,
  examId: EXAM,
  kind: 'view',
  proctor: { id: '44444444-4444-4444-8444-444444444444', name: 'Pat Proctor' },
  proctorCamera: false,
  state: 'connecting',
  startedAt: '2030-01-01T00:00:00.000Z',
  connectedAt: null,
  endedAt: null,
  endReason: null,
  detail: null,
  ...overrides,
});
const NO_ICE: IceServersResponse = { iceServers: [], expiresAt: null };
const envelope = { id: 5, examId: EXAM, sessionId: SESSION, at: '2030-01-01T00:00:00.000Z' };

function setup(opened: RtcLink | Error = link(), ice: IceServersResponse = NO_ICE) {
  const factory = peerFactory();
  const timers: number[] = [];
  const box = outbox();
  const ended: string[] = [];
  let client: LiveClientOptions | null = null;
  let stopped = false;
  let current = opened instanceof Error ? null : opened;
  const mic = new FakeTrack('audio', 'proctor-mic');
  const deps: LiveViewDeps = {
    api: {
      open: async () => {
        if (opened instanceof Error) throw opened;
        return opened;
      },
      end: async (id) => {
        ended.push(id);
        return link({ state: 'ended' });
      },
      links: async () => (current ? [current] : []),
      iceServers: async () => ice,
    },
    createClient: (options) => {
      client = options;
      return { start: () => undefined, stop: () => (stopped = true), send: box.send };
    },
    getUserMedia: async () =>
      ({
        getAudioTracks: () => [mic],
        getVideoTracks: () => [],
        getTracks: () => [mic],
      }) as unknown as MediaStream,
    env: {
      createPeer: factory.createPeer,
      // Timers are only recorded (their length), never fired.
      setTimeout: (_callback, ms) => timers.push(ms),
      clearTimeout: () => undefined,
    },
    relay: false,
  };
  const controller = new LiveViewController({ sessionId: SESSION, examId: EXAM }, deps);
  const deliver = (message: LiveMessage) => client?.onMessage(message);
  const ready = async () => {
    client?.onStatus?.('live');
    await settle(40);
  };
  return {
    controller,
    factory,
    box,
    ended,
    mic,
    deliver,
    ready,
    setCurrent: (l: RtcLink | null) => (current = l),
    clientOptions: () => client,
    stopped: () => stopped,
    timers,
  };
}

describe('LiveViewController', () => {
  it('opens the link, its own exam socket, and offers once the socket is ready', async () => {
    const t = setup();
    await t.controller.open({ kind: 'view' });
    expect(t.clientOptions()?.scope).toEqual({ examId: EXAM });
    expect(t.clientOptions()?.since).toBeNull();
    expect(t.factory.peers).toHaveLength(0);
    await t.ready();
    expect(t.factory.peers).toHaveLength(1);
    expect(t.box.signals('offer')).toHaveLength(1);
    expect(t.controller.getState().phase).toBe('connecting');
    await t.controller.dispose();
    expect(t.ended).toEqual([LINK]);
    expect(t.stopped()).toBe(true);
  });

  it('waits while a call rings, starts when the student accepted, releases the microphone at the end', async () => {
    const t = setup(link({ kind: 'call', state: 'ringing' }));
    await t.controller.open({ kind: 'call', camera: false });
    await t.ready();
    expect(t.controller.getState().phase).toBe('ringing');
    expect(t.factory.peers).toHaveLength(0);
    t.deliver({
      ...envelope,
      topic: 'rtc.link',
      data: link({ kind: 'call', state: 'connecting' }),
    });
    await settle(40);
    expect(t.factory.peers).toHaveLength(1);
    expect(t.factory.peers[0]?.transceivers[2]?.direction).toBe('sendrecv');
    t.deliver({
      ...envelope,
      topic: 'rtc.link',
      data: link({ kind: 'call', state: 'ended', endReason: 'student_hung_up' }),
    });
    const state = t.controller.getState();
    expect(state.phase).toBe('ended');
    expect(state.message).toBe('The student ended the call.');
    expect(t.mic.stops).toBe(1);
    expect(t.factory.peers[0]?.closed).toBe(true);
  });

  it('claims a ringing call as soon as its socket is live, so closing the tab ends it', async () => {
    const t = setup(link({ kind: 'call', state: 'ringing' }));
    await t.controller.open({ kind: 'call', camera: false });
    expect(t.box.sent).toEqual([]);
    await t.ready();
    expect(t.controller.getState().phase).toBe('ringing');
    expect(t.box.sent).toEqual([{ type: 'rtc.state', linkId: LINK, state: 'connecting' }]);
  });

  it('re-claims and re-checks the link on every reconnect, and notices one that ended', async () => {
    const t = setup();
    await t.controller.open({ kind: 'view' });
    await t.ready();
    expect(t.box.states()).toContain('connecting');
    const claimsBefore = t.box.sent.filter((m) => m.type === 'rtc.state').length;
    // A brief drop: the new socket claims the link again and renegotiates.
    t.clientOptions()?.onStatus?.('offline');
    await t.ready();
    expect(t.box.sent.filter((m) => m.type === 'rtc.state').length).toBeGreaterThan(claimsBefore);
    expect(t.controller.getState().phase).not.toBe('ended');
    // A longer one: the link ended meanwhile (the server gave up on us); the page says so.
    t.setCurrent(null);
    t.clientOptions()?.onStatus?.('offline');
    await t.ready();
    expect(t.controller.getState().phase).toBe('ended');
    expect(t.factory.peers[0]?.closed).toBe(true);
    expect(t.stopped()).toBe(true);
  });

  it('gives up when the server would: its connect timeout, else 30 s', async () => {
    const t = setup(link(), { ...NO_ICE, connectTimeoutSeconds: 12 });
    await t.controller.open({ kind: 'view' });
    await t.ready();
    expect(t.timers).toContain(12_000);
    expect(t.timers).not.toContain(30_000);
    const fallback = setup();
    await fallback.controller.open({ kind: 'view' });
    await fallback.ready();
    expect(fallback.timers).toContain(30_000);
  });

  it('says clearly why the server refused', async () => {
    const t = setup(
      new ApiError({ status: 409, code: 'RTC_VIEWERS_FULL', message: 'At most 2 viewers' }),
    );
    await t.controller.open({ kind: 'view' });
    const state = t.controller.getState();
    expect(state.phase).toBe('refused');
    expect(state.message).toMatch(/Too many proctors are watching/);
    expect(t.clientOptions()).toBeNull();
  });

  it('a link closed while its request was under way is ended at once', async () => {
    const t = setup();
    const opening = t.controller.open({ kind: 'view' });
    await t.controller.dispose();
    await opening;
    await settle();
    expect(t.ended).toEqual([LINK]);
    expect(t.clientOptions()).toBeNull();
  });
});
