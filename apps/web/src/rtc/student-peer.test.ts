import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RtcLink, RtcSignal } from '@invigil/contracts';
import type { LiveTracks } from '../capture/capture-session';
import { FakeTrack, outbox, peerFactory, settle } from './fake-rtc';
import { StudentPeer } from './student-peer';
import { StudentResponder } from './student-responder';

const LINK = '33333333-3333-4333-8333-333333333333';
const VIEW_TRACKS = { '0': 'webcam', '1': 'screen', '2': 'microphone' } as const;
const offer = (sdp: string, extra: Partial<Extract<RtcSignal, { kind: 'offer' }>> = {}) => ({
  linkId: LINK,
  from: 'proctor' as const,
  signal: { kind: 'offer' as const, sdp, tracks: { ...VIEW_TRACKS }, ...extra },
});
const candidate = (c: string) => ({
  linkId: LINK,
  from: 'proctor' as const,
  signal: { kind: 'candidate' as const, candidate: { candidate: c, sdpMid: '0' } },
});

/** The tracks the capture already records. */
function captured(): LiveTracks & { all: FakeTrack[] } {
  const webcam = new FakeTrack('video', 'webcam');
  const screen = new FakeTrack('video', 'screen');
  const microphone = new FakeTrack('audio', 'mic');
  return {
    webcam: webcam as unknown as MediaStreamTrack,
    screen: screen as unknown as MediaStreamTrack,
    microphone: microphone as unknown as MediaStreamTrack,
    all: [webcam, screen, microphone],
  };
}

const getUserMedia = vi.fn();
beforeEach(() => {
  getUserMedia.mockReset();
  vi.stubGlobal('navigator', { mediaDevices: { getUserMedia, getDisplayMedia: getUserMedia } });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

function setup(kind: 'view' | 'call' = 'view') {
  const factory = peerFactory();
  const box = outbox();
  const tracks = captured();
  const remote: string[] = [];
  const peer = new StudentPeer({
    linkId: LINK,
    kind,
    config: { iceServers: [] },
    tracks: () => tracks,
    send: box.send,
    onStatus: () => undefined,
    onRemoteTrack: (role) => remote.push(role),
    env: { createPeer: factory.createPeer },
  });
  return { peer, factory, box, tracks, remote };
}

describe('StudentPeer', () => {
  it('answers with the tracks already captured, and never asks for the camera again', async () => {
    const { peer, factory, box, tracks } = setup();
    await peer.receive(offer('fake:1.1:video,video,audio'));
    const pc = factory.peers[0]!;
    expect(pc.transceivers.map((t) => [t.direction, t.sender.track])).toEqual([
      ['sendonly', tracks.webcam],
      ['sendonly', tracks.screen],
      ['sendonly', tracks.microphone],
    ]);
    expect(box.signals('answer')).toEqual([
      { kind: 'answer', sdp: 'answer:' + pc.id + ':fake:1.1:video,video,audio' },
    ]);
    expect(box.states()).toEqual(['connecting']);
    pc.ice('connected');
    expect(box.states()).toEqual(['connecting', 'live']);
    peer.close();
    expect(pc.closed).toBe(true);
    // The recorder keeps them: closing a link stops nothing.
    expect(tracks.all.map((t) => t.stops)).toEqual([0, 0, 0]);
    expect(getUserMedia).not.toHaveBeenCalled();
  });

  it('keeps candidates that arrive before the offer until it is applied', async () => {
    const { peer, factory } = setup();
    await peer.receive(candidate('candidate:early'));
    expect(factory.peers).toHaveLength(0);
    await peer.receive(offer('fake:1.1:video,video,audio'));
    await peer.receive(candidate('candidate:late'));
    expect(factory.peers[0]?.added.map((c) => c.candidate)).toEqual([
      'candidate:early',
      'candidate:late',
    ]);
    peer.close();
  });

  it('answers a repeated offer with the same answer, a restart on the same connection, a new offer afresh', async () => {
    const { peer, factory, box } = setup();
    await peer.receive(offer('fake:1.1:video,video,audio'));
    await peer.receive(offer('fake:1.1:video,video,audio'));
    expect(factory.peers).toHaveLength(1);
    const answers = box.signals('answer');
    expect(answers).toHaveLength(2);
    expect(answers[0]).toEqual(answers[1]);
    await peer.receive(offer('fake:1.2:video,video,audio', { restart: true }));
    expect(factory.peers).toHaveLength(1);
    await peer.receive(offer('fake:2.1:video,video,audio'));
    expect(factory.peers).toHaveLength(2);
    expect(factory.peers[0]?.closed).toBe(true);
    peer.close();
  });

  it('in a call, sends the microphone both ways and plays the proctor voice and camera', async () => {
    const { peer, factory, remote, tracks } = setup('call');
    await peer.receive({
      ...offer('fake:1.1:video,video,audio,video'),
      signal: {
        kind: 'offer',
        sdp: 'fake:1.1:video,video,audio,video',
        tracks: { ...VIEW_TRACKS, '3': 'proctorVideo' },
      },
    });
    const pc = factory.peers[0]!;
    expect(pc.transceivers.map((t) => t.direction)).toEqual([
      'sendonly',
      'sendonly',
      'sendrecv',
      'recvonly',
    ]);
    expect(pc.transceivers[2]?.sender.track).toBe(tracks.microphone);
    expect(remote.sort()).toEqual(['proctorAudio', 'proctorVideo']);
    peer.close();
  });

  it('sends the new screen after the student shared it again', async () => {
    const { peer, factory, tracks } = setup();
    await peer.receive(offer('fake:1.1:video,video,audio'));
    const again = new FakeTrack('video', 'screen-2') as unknown as MediaStreamTrack;
    tracks.screen = again;
    await peer.refreshTracks();
    expect(factory.peers[0]?.transceivers[1]?.sender.track).toBe(again);
    peer.close();
  });
});

const link = (overrides: Partial<RtcLink> = {}): RtcLink => ({
  id: LINK,
  sessionId: '22222222-2222-4222-8222-222222222222',
  examId: '11111111-1111-4111-8111-111111111111',
  kind: 'view',
  proctor: { id: '44444444-4444-4444-8444-444444444444', name: 'Paula Proctor' },
  proctorCamera: false,
  state: 'connecting',
  startedAt: '2030-01-01T00:00:00.000Z',
  connectedAt: null,
  endedAt: null,
  endReason: null,
  detail: null,
  ...overrides,
});
const envelope = {
  id: 1,
  examId: '11111111-1111-4111-8111-111111111111',
  sessionId: null,
  at: '2030-01-01T00:00:00.000Z',
};

describe('StudentResponder', () => {
  function responder(open: RtcLink[] = []) {
    const factory = peerFactory();
    const box = outbox();
    const tracks = captured();
    const r = new StudentResponder({
      send: box.send,
      tracks: () => tracks,
      iceServers: async () => ({ iceServers: [], expiresAt: null }),
      links: async () => open,
      env: { createPeer: factory.createPeer },
      relay: false,
    });
    return { r, factory, box, tracks };
  }

  it('learns an open view on load and answers its next offer', async () => {
    const { r, factory, box } = responder([link()]);
    await r.load();
    expect(r.getState().links.map((l) => l.id)).toEqual([LINK]);
    r.handle({
      ...envelope,
      id: 0,
      topic: 'rtc.signal',
      data: offer('fake:1.1:video,video,audio'),
    });
    await settle();
    expect(factory.peers).toHaveLength(1);
    expect(box.signals('answer')).toHaveLength(1);
    // Ended: the connection closes and the notice goes.
    r.handle({
      ...envelope,
      topic: 'rtc.link',
      data: link({ state: 'ended', endReason: 'hung_up' }),
    });
    expect(factory.peers[0]?.closed).toBe(true);
    expect(r.getState().links).toEqual([]);
    r.dispose();
  });

  it('holds a ringing call’s offer until the student accepts', async () => {
    const { r, factory, box } = responder();
    r.handle({ ...envelope, topic: 'rtc.link', data: link({ kind: 'call', state: 'ringing' }) });
    r.handle({
      ...envelope,
      id: 0,
      topic: 'rtc.signal',
      data: offer('fake:1.1:video,video,audio'),
    });
    await settle();
    expect(factory.peers).toHaveLength(0);
    expect(r.accept(LINK)).toBe(true);
    await settle();
    expect(box.sent[0]).toEqual({ type: 'rtc.accept', linkId: LINK });
    expect(factory.peers).toHaveLength(1);
    expect(box.signals('answer')).toHaveLength(1);
    r.dispose();
  });
});
