import { describe, expect, it } from 'vitest';
import type { LiveMessage, RtcLink } from '@invigil/contracts';
import type { LiveTracks } from '../capture/capture-session';
import { FakeTrack, outbox, peerFactory, settle } from './fake-rtc';
import { StudentResponder } from './student-responder';

const LINK = '33333333-3333-4333-8333-333333333333';
const OTHER = '55555555-5555-4555-8555-555555555555';

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
const linkMessage = (data: RtcLink): LiveMessage => ({
  id: 1,
  examId: data.examId,
  sessionId: data.sessionId,
  at: '2030-01-01T00:00:00.000Z',
  topic: 'rtc.link',
  data,
});

/** A responder whose GET /rtc answers only when the test says so. */
function setup() {
  let answer: (links: RtcLink[]) => void = () => undefined;
  const tracks: LiveTracks = {
    webcam: new FakeTrack('video', 'webcam') as unknown as MediaStreamTrack,
    screen: new FakeTrack('video', 'screen') as unknown as MediaStreamTrack,
    microphone: new FakeTrack('audio', 'mic') as unknown as MediaStreamTrack,
  };
  const r = new StudentResponder({
    send: outbox().send,
    tracks: () => tracks,
    iceServers: async () => ({ iceServers: [], expiresAt: null }),
    links: () =>
      new Promise<RtcLink[]>((resolve) => {
        answer = resolve;
      }),
    env: { createPeer: peerFactory().createPeer },
    relay: false,
  });
  return { r, answer: (links: RtcLink[]) => answer(links) };
}

describe('StudentResponder', () => {
  it('never brings back a link that ended, whatever arrives later', async () => {
    const { r, answer } = setup();
    const loading = r.load();
    r.handle(linkMessage(link()));
    r.handle(linkMessage(link({ state: 'ended', endReason: 'hung_up' })));
    expect(r.getState().links).toEqual([]);
    // The GET sent before the end answers late, still listing it as open.
    answer([link()]);
    await loading;
    await settle();
    expect(r.getState().links).toEqual([]);
    // Replayed history repeating an older state does not either.
    r.handle(linkMessage(link({ state: 'live' })));
    expect(r.getState().links).toEqual([]);
    // Another link is followed as usual.
    r.handle(linkMessage(link({ id: OTHER })));
    expect(r.getState().links.map((l) => l.id)).toEqual([OTHER]);
    r.dispose();
  });

  it('tells the student politely why a view failed, until dismissed or a new link opens', () => {
    const { r } = setup();
    r.handle(linkMessage(link()));
    r.handle(
      linkMessage(
        link({ state: 'ended', endReason: 'failed', detail: 'The network blocked the video.' }),
      ),
    );
    const notice = r.getState().notice;
    expect(notice).toMatch(/Paula Proctor’s live view ended because of a connection problem/);
    expect(notice).toMatch(/The network blocked the video\./);
    expect(notice).toMatch(/Your exam is not affected/);
    r.dismissNotice();
    expect(r.getState().notice).toBeNull();

    r.handle(linkMessage(link({ id: OTHER, state: 'ended', endReason: 'timeout' })));
    expect(r.getState().notice).toMatch(/could not be made in time/);
    r.handle(linkMessage(link({ id: '66666666-6666-4666-8666-666666666666' })));
    expect(r.getState().notice).toBeNull();
    r.dispose();
  });

  it('says a call was missed when it rang out, and says nothing when a proctor hung up', () => {
    const { r } = setup();
    r.handle(linkMessage(link({ kind: 'call', state: 'ringing' })));
    r.handle(linkMessage(link({ kind: 'call', state: 'ended', endReason: 'timeout' })));
    expect(r.getState().notice).toMatch(/You missed a call from Paula Proctor/);
    r.dismissNotice();
    r.handle(linkMessage(link({ id: OTHER })));
    r.handle(linkMessage(link({ id: OTHER, state: 'ended', endReason: 'hung_up' })));
    expect(r.getState().notice).toBeNull();
    r.dispose();
  });
});
