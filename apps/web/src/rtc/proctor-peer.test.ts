import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RtcSignal } from '@invigil/contracts';
import { FakeTrack, outbox, peerFactory, settle } from './fake-rtc';
import type { PeerStatus } from './peer-support';
import { ProctorPeer, type ProctorPeerOptions } from './proctor-peer';

const LINK = '33333333-3333-4333-8333-333333333333';

function setup(overrides: Partial<ProctorPeerOptions> = {}) {
  const factory = peerFactory();
  const box = outbox();
  const statuses: PeerStatus[] = [];
  const tracks: string[] = [];
  const peer = new ProctorPeer({
    linkId: LINK,
    kind: 'view',
    config: { iceServers: [] },
    send: box.send,
    onStatus: (s) => statuses.push(s),
    onTrack: (role) => tracks.push(role),
    env: { createPeer: factory.createPeer },
    ...overrides,
  });
  const answer = (sdp = 'answer-1') =>
    peer.receive({ linkId: LINK, from: 'student', signal: { kind: 'answer', sdp } });
  const candidate = (candidate: string) =>
    peer.receive({
      linkId: LINK,
      from: 'student',
      signal: { kind: 'candidate', candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } },
    });
  return { peer, factory, box, statuses, tracks, answer, candidate };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ProctorPeer', () => {
  it('offers receive-only webcam, screen and microphone for a view, naming each mid', async () => {
    const { peer, factory, box, tracks } = setup();
    await peer.start();
    const pc = factory.peers[0]!;
    expect(pc.transceivers.map((t) => [t.kind, t.direction])).toEqual([
      ['video', 'recvonly'],
      ['video', 'recvonly'],
      ['audio', 'recvonly'],
    ]);
    const [offer] = box.signals('offer') as Extract<RtcSignal, { kind: 'offer' }>[];
    expect(offer?.tracks).toEqual({ '0': 'webcam', '1': 'screen', '2': 'microphone' });
    expect(offer?.restart).toBeUndefined();
    expect(tracks).toEqual(['webcam', 'screen', 'microphone']);
    expect(box.states()).toEqual(['connecting']);
    peer.close();
  });

  it('sends a call with the proctor microphone both ways and the camera send-only', async () => {
    const audio = new FakeTrack('audio', 'mic') as unknown as MediaStreamTrack;
    const video = new FakeTrack('video', 'cam') as unknown as MediaStreamTrack;
    const { peer, factory, box } = setup({ kind: 'call', local: { audio, video } });
    await peer.start();
    const pc = factory.peers[0]!;
    expect(pc.transceivers.map((t) => [t.kind, t.direction, t.sender.track])).toEqual([
      ['video', 'recvonly', null],
      ['video', 'recvonly', null],
      ['audio', 'sendrecv', audio],
      ['video', 'sendonly', video],
    ]);
    const [offer] = box.signals('offer') as Extract<RtcSignal, { kind: 'offer' }>[];
    expect(offer?.tracks['3']).toBe('proctorVideo');
    peer.close();
  });

  it('queues remote candidates until the answer is set, and trickles its own after the offer', async () => {
    const { peer, factory, box, answer, candidate } = setup();
    await peer.start();
    const pc = factory.peers[0]!;
    pc.gather('candidate:local-1');
    expect(box.signals('candidate')).toHaveLength(1);
    await candidate('candidate:remote-1');
    await candidate('candidate:remote-2');
    expect(pc.added).toEqual([]);
    await answer();
    expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: 'answer-1' });
    expect(pc.added.map((c) => c.candidate)).toEqual(['candidate:remote-1', 'candidate:remote-2']);
    await candidate('candidate:remote-3');
    expect(pc.added).toHaveLength(3);
    // Another link's signals and its own echoes are not ours.
    await peer.receive({ linkId: LINK, from: 'proctor', signal: { kind: 'answer', sdp: 'x' } });
    expect(pc.remoteDescription?.sdp).toBe('answer-1');
    peer.close();
  });

  it('goes live on connected, and restarts ICE with a new offer when it fails', async () => {
    const { peer, factory, box, statuses, answer } = setup();
    await peer.start();
    await answer();
    const pc = factory.peers[0]!;
    pc.ice('connected');
    expect(statuses.at(-1)).toEqual({ state: 'live', reason: null });
    pc.ice('failed');
    await settle();
    expect(statuses.at(-1)?.state).toBe('reconnecting');
    expect(pc.offerOptions.at(-1)).toEqual({ iceRestart: true });
    const offers = box.signals('offer') as Extract<RtcSignal, { kind: 'offer' }>[];
    expect(offers).toHaveLength(2);
    expect(offers[1]?.restart).toBe(true);
    expect(box.states()).toEqual(['connecting', 'live', 'reconnecting']);
    await answer('answer-2');
    pc.ice('connected');
    expect(box.states().at(-1)).toBe('live');
    peer.close();
  });

  it('waits a moment on disconnected before restarting (it often recovers alone)', async () => {
    vi.useFakeTimers();
    const { peer, factory, answer } = setup({ restartGraceMs: 2000 });
    await peer.start();
    await answer();
    const pc = factory.peers[0]!;
    pc.ice('connected');
    pc.ice('disconnected');
    await vi.advanceTimersByTimeAsync(1000);
    pc.ice('connected');
    await vi.advanceTimersByTimeAsync(5000);
    expect(pc.offerOptions).toHaveLength(1);
    pc.ice('disconnected');
    await vi.advanceTimersByTimeAsync(2500);
    expect(pc.offerOptions.at(-1)).toEqual({ iceRestart: true });
    peer.close();
  });

  it('fails with a clear message when not live within the connect timeout', async () => {
    vi.useFakeTimers();
    const { peer, factory, box, statuses } = setup({ connectTimeoutMs: 30_000 });
    await peer.start();
    await vi.advanceTimersByTimeAsync(29_000);
    expect(statuses.at(-1)?.state).toBe('connecting');
    await vi.advanceTimersByTimeAsync(2000);
    const last = statuses.at(-1);
    expect(last?.state).toBe('failed');
    expect(last?.reason).toMatch(/within 30 seconds/);
    const report = box.sent.at(-1);
    expect(report).toMatchObject({ type: 'rtc.state', linkId: LINK, state: 'failed' });
    expect(factory.peers[0]?.closed).toBe(true);
  });

  it('sends the offer again while no answer comes, and starts afresh when the answer does not fit', async () => {
    vi.useFakeTimers();
    const { peer, factory, box, answer } = setup({ resendMs: 5000 });
    await peer.start();
    factory.peers[0]!.gather('candidate:local-1');
    await vi.advanceTimersByTimeAsync(5100);
    expect(box.signals('offer')).toHaveLength(2);
    // The candidates go again with the repeated offer (a reloaded page has none of them).
    expect(box.signals('candidate')).toHaveLength(2);
    factory.peers[0]!.rejectRemote = true;
    await answer('answer-from-a-reloaded-page');
    await vi.advanceTimersByTimeAsync(0);
    expect(factory.peers).toHaveLength(2);
    expect(factory.peers[0]?.closed).toBe(true);
    const offers = box.signals('offer') as Extract<RtcSignal, { kind: 'offer' }>[];
    expect(offers.at(-1)?.restart).toBeUndefined();
    peer.close();
  });
});
