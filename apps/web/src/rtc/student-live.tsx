import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RtcLink } from '@invigil/contracts';
import { rtcApi } from '../api/rtc';
import type { CaptureSession } from '../capture/capture-session';
import type { LiveChannel } from '../live/use-live';
import { cachedIceServers } from './ice-cache';
import { RemoteAudio, RemoteVideo } from './remote-media';
import { NO_LINKS, StudentResponder, type StudentLiveState } from './student-responder';
import './rtc.css';

/** The call's connection as the student sees it: [css state, words]. */
function callState(peer: StudentLiveState['peers'][string] | undefined): [string, string] {
  if (peer?.state === 'live') return ['live', 'Connected. Speak normally; your microphone is on.'];
  if (peer?.state === 'reconnecting') return ['reconnecting', 'Connection lost: reconnecting…'];
  return ['connecting', 'Connecting…'];
}

/** The page's responder: one per session, listening on the page's one live channel. */
function useResponder(sessionId: string, channel: LiveChannel, capture: CaptureSession) {
  const channelRef = useRef(channel);
  useEffect(() => {
    channelRef.current = channel;
  }, [channel]);
  const [responder, setResponder] = useState<StudentResponder | null>(null);
  useEffect(() => {
    const next = new StudentResponder({
      send: (message) => channelRef.current.send(message),
      tracks: () => capture.liveTracks(),
      iceServers: cachedIceServers(() => rtcApi.iceServers(sessionId)),
      links: () => rtcApi.links(sessionId),
    });
    setResponder(next);
    const unlisten = channelRef.current.listen((message) => next.handle(message));
    const unwatch = capture.onSources(() => next.refreshTracks());
    void next.load();
    return () => {
      unlisten();
      unwatch();
      next.dispose();
    };
  }, [sessionId, capture]);
  const state = useSyncExternalStore(
    (notify) => responder?.subscribe(notify) ?? (() => undefined),
    () => responder?.getState() ?? NO_LINKS,
  );
  return { responder, state };
}

/** One call: ringing (accept, or decline where allowed), then the proctor's voice and camera. */
function CallCard({
  link,
  state,
  accepted,
  mayDecline,
  onAccept,
  onDecline,
}: {
  link: RtcLink;
  state: StudentLiveState;
  accepted: boolean;
  mayDecline: boolean;
  onAccept: () => void;
  onDecline: () => void;
}) {
  const ringing = link.state === 'ringing' && !accepted;
  const media = state.media[link.id];
  const peer = state.peers[link.id];
  const name = link.proctor.name;
  const [phase, words] = callState(peer);
  return (
    <section
      className={`rtc-call${ringing ? ' rtc-call-ringing' : ''}`}
      aria-labelledby={`rtc-call-${link.id}`}
      data-rtc-call={ringing ? 'ringing' : (peer?.state ?? 'connecting')}
    >
      <h2 id={`rtc-call-${link.id}`} className="rtc-call-title">
        {ringing ? `${name} (proctor) is calling you` : `In a call with ${name} (proctor)`}
      </h2>
      {ringing ? (
        <p className="sr-only" role="alert">
          {name}, a proctor, is calling you. The Accept call button is in the box at the bottom of
          the page.
        </p>
      ) : null}
      {ringing ? (
        <p className="small">
          {mayDecline
            ? 'Accept to talk with the proctor. Your exam stays open and its timer keeps running.'
            : 'The proctor needs to talk with you: accept the call. Your exam stays open and its timer keeps running.'}
        </p>
      ) : (
        <>
          <p
            className={`rtc-state rtc-state-${phase} small`}
            role="status"
            aria-live="polite"
            aria-atomic="true"
            data-testid="rtc-call-state"
          >
            <span className="rtc-dot" aria-hidden="true" />
            {words}
          </p>
          {link.proctorCamera ? (
            <RemoteVideo
              track={media?.video}
              label="Proctor camera"
              testId="rtc-proctor-video"
              className="rtc-proctor-video"
            />
          ) : null}
          <RemoteAudio
            track={media?.audio}
            label="Proctor voice"
            testId="rtc-proctor-audio"
            muted={false}
          />
        </>
      )}
      <div className="rtc-actions">
        {ringing ? (
          <button type="button" className="button primary small" onClick={onAccept}>
            Accept call
          </button>
        ) : null}
        {mayDecline ? (
          <button type="button" className="button secondary small" onClick={onDecline}>
            {ringing ? 'Decline' : 'End call'}
          </button>
        ) : null}
      </div>
    </section>
  );
}

/**
 * The student's side of live views and calls, on the exam page: a "A proctor is watching"
 * notice while any link is open (announced), and a call card for a call. It sits in a dock
 * at the bottom of the page (sticky, at the end of the page's flow: it never hides the last
 * question) and stays usable while the exam is paused. Media comes from the capture
 * already running; nothing here asks for the camera again.
 */
export function StudentLive({
  sessionId,
  channel,
  capture,
  mayDecline,
  resyncs = 0,
}: {
  sessionId: string;
  /** The exam page's one live channel (`useStudentInterventions().channel`). */
  channel: LiveChannel;
  capture: CaptureSession;
  /** policy.studentMayDeclineCalls */
  mayDecline: boolean;
  /** Counts the feed's resyncs: the open links are fetched again (replay could not cover them). */
  resyncs?: number;
}) {
  const { responder, state } = useResponder(sessionId, channel, capture);
  useEffect(() => {
    if (resyncs > 0) void responder?.load();
  }, [resyncs, responder]);
  const [accepted, setAccepted] = useState<ReadonlySet<string>>(new Set());
  const watchers = state.links;
  const calls = watchers.filter((l) => l.kind === 'call');
  const names = [...new Set(watchers.map((l) => l.proctor.name))].join(', ');
  const [wasWatched, setWasWatched] = useState(false);
  if (watchers.length > 0 && !wasWatched) setWasWatched(true);
  const announcement =
    watchers.length > 0
      ? `A proctor is watching: ${names}.`
      : wasWatched
        ? 'The proctor has stopped watching.'
        : '';

  return (
    <>
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      {watchers.length > 0 || state.notice ? (
        <aside className="rtc-dock" aria-label="Live contact with the proctor">
          {watchers.length > 0 ? (
            <p className="rtc-watching" data-testid="rtc-watching">
              <span className="rtc-dot" aria-hidden="true" />
              <strong>A proctor is watching</strong>
              <span className="small">
                {' '}
                · {names} sees your camera and screen and hears your microphone, live.
              </span>
            </p>
          ) : null}
          {calls.map((link) => (
            <CallCard
              key={link.id}
              link={link}
              state={state}
              accepted={accepted.has(link.id)}
              mayDecline={mayDecline}
              onAccept={() => {
                if (responder?.accept(link.id)) setAccepted(new Set([...accepted, link.id]));
              }}
              onDecline={() => responder?.decline(link.id)}
            />
          ))}
          {state.problem ? (
            <p className="notice notice-error small" role="alert">
              {state.problem}
            </p>
          ) : null}
          {state.notice ? (
            <div className="notice rtc-ended-notice small" role="status" data-testid="rtc-notice">
              <p>{state.notice}</p>
              <button
                type="button"
                className="link-button small"
                onClick={() => responder?.dismissNotice()}
              >
                Dismiss<span className="sr-only"> this message</span>
              </button>
            </div>
          ) : null}
        </aside>
      ) : null}
    </>
  );
}
