import { useCallback, useEffect, useRef, useState } from 'react';
import type { CaptureSettings } from '@invigil/contracts';
import { measureUpload } from '../../capture/bandwidth';
import { meCsrfSource } from '../../capture/api';
import type { CaptureSession } from '../../capture/capture-session';
import { describeMediaError, displaySurfaceOf, openCamera, openScreen } from '../../capture/media';
import { StepHeading } from './step-heading';
import { LevelMeter, useAudioLevel } from './level-meter';
import { StreamPreview } from './stream-preview';
import { FaceIndicator } from './face-indicator';
import {
  allPassed,
  bandwidthResult,
  browserResult,
  checksFor,
  detectFeatures,
  displaysResult,
  microphoneResult,
  screenResult,
  type CheckId,
  type CheckResult,
} from './system-check';

const CHECK_LABEL: Record<CheckId, string> = {
  browser: 'Browser',
  camera: 'Camera',
  microphone: 'Microphone',
  screen: 'Screen sharing',
  displays: 'Single display',
  bandwidth: 'Upload speed',
};

const STATE_LABEL: Record<CheckResult['state'], string> = {
  waiting: 'Not checked yet',
  running: 'Checking…',
  pass: 'OK',
  warn: 'Warning',
  fail: 'Problem',
};

/** How long the microphone has to pick up sound. */
const MIC_WINDOW_MS = 10_000;

type Results = Partial<Record<CheckId, CheckResult>>;

/**
 * The system check: browser support, camera (with preview), microphone (with a live level
 * meter), entire-screen sharing, a single display, and upload speed. Each problem says what
 * is wrong and how to fix it, with Retry. The streams opened here are handed to the recorder.
 */
export function SystemCheckStep({
  sessionId,
  policy,
  capture,
  onPassed,
  practice = false,
}: {
  sessionId: string;
  policy: CaptureSettings;
  capture: CaptureSession;
  onPassed: () => void;
  /** A practice run: the results are shown, never reported (nothing is recorded or kept). */
  practice?: boolean;
}) {
  const preview = useRef<HTMLVideoElement | null>(null);
  const ids = checksFor(policy);
  const [results, setResults] = useState<Results>(() => ({
    browser: browserResult(detectFeatures(), policy),
    bandwidth: { state: 'running', summary: 'Measuring your upload speed…' },
  }));
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const [screen, setScreen] = useState<MediaStream | null>(null);
  /** The microphone listens for sound after the camera starts; null when not listening. */
  const [mic, setMic] = useState<{ attempt: number; timedOut: boolean } | null>(null);
  const handedOver = useRef(false);
  const streams = useRef<{ camera: MediaStream | null; screen: MediaStream | null }>({
    camera: null,
    screen: null,
  });
  const { level, peak, reset } = useAudioLevel(policy.microphone ? camera : null);
  const needCamera = policy.webcam || policy.microphone;

  const set = useCallback(
    (id: CheckId, result: CheckResult) => {
      setResults((prev) => ({ ...prev, [id]: result }));
      if (result.state === 'fail') {
        if (!practice) {
          capture.events.record('system_check.failed', { check: id, summary: result.summary });
        }
      }
    },
    [capture, practice],
  );

  const runBrowser = () => set('browser', browserResult(detectFeatures(), policy));
  const measure = useCallback(
    () =>
      measureUpload(sessionId, meCsrfSource()).then((sample) =>
        set('bandwidth', bandwidthResult(sample, policy)),
      ),
    [policy, sessionId, set],
  );
  const runBandwidth = () => {
    set('bandwidth', { state: 'running', summary: 'Measuring your upload speed…' });
    void measure();
  };
  // Upload speed needs no permission: measure at once.
  useEffect(() => {
    void measure();
  }, [measure]);

  // Release the devices if the student leaves before passing.
  useEffect(
    () => () => {
      if (handedOver.current) return;
      for (const stream of [streams.current.camera, streams.current.screen]) {
        for (const track of stream?.getTracks() ?? []) track.stop();
      }
    },
    [],
  );

  // The microphone passes as soon as it hears something; it fails after a quiet window.
  const micAttempt = mic?.attempt;
  useEffect(() => {
    if (micAttempt === undefined) return;
    const timer = window.setTimeout(() => {
      setMic((m) => (m && m.attempt === micAttempt ? { ...m, timedOut: true } : m));
    }, MIC_WINDOW_MS);
    return () => window.clearTimeout(timer);
  }, [micAttempt]);
  const heard = microphoneResult(peak);
  const micResult: CheckResult | undefined =
    !mic || results.microphone?.state === 'fail'
      ? results.microphone
      : heard.state === 'pass'
        ? heard
        : mic.timedOut
          ? heard
          : { state: 'running', summary: 'Say a few words: the meter should move.' };
  const effective: Results = policy.microphone ? { ...results, microphone: micResult } : results;
  const micFailed = mic?.timedOut === true && heard.state === 'fail';
  useEffect(() => {
    if (micFailed && !practice) {
      capture.events.record('system_check.failed', {
        check: 'microphone',
        summary: microphoneResult(0).summary,
      });
    }
  }, [micFailed, capture, practice]);

  const startCamera = async () => {
    for (const track of streams.current.camera?.getTracks() ?? []) track.stop();
    streams.current.camera = null;
    setCamera(null);
    if (policy.webcam) set('camera', { state: 'running', summary: 'Starting the camera…' });
    if (policy.microphone)
      set('microphone', { state: 'running', summary: 'Starting the microphone…' });
    try {
      const stream = await openCamera(policy);
      streams.current.camera = stream;
      setCamera(stream);
      if (policy.webcam) {
        const video = stream.getVideoTracks()[0];
        const settings = video?.getSettings();
        set(
          'camera',
          video
            ? {
                state: 'pass',
                summary: `Camera on${settings?.width ? ` (${settings.width}×${settings.height})` : ''}. Check that your face is clearly visible in the preview.`,
              }
            : {
                state: 'fail',
                summary: 'No camera picture.',
                fix: 'Connect a webcam, then press Retry.',
              },
        );
      }
      if (policy.microphone) {
        reset();
        setResults((prev) => ({ ...prev, microphone: undefined }));
        setMic((m) => ({ attempt: (m?.attempt ?? 0) + 1, timedOut: false }));
      }
      for (const track of stream.getTracks()) {
        track.addEventListener('ended', () => {
          const id: CheckId = track.kind === 'audio' ? 'microphone' : 'camera';
          set(id, {
            state: 'fail',
            summary: `The ${track.kind === 'audio' ? 'microphone' : 'camera'} was disconnected.`,
            fix: 'Reconnect it, then press Retry.',
          });
        });
      }
    } catch (error) {
      const problem = describeMediaError(error, 'camera');
      if (policy.webcam) set('camera', { state: 'fail', summary: problem.what, fix: problem.fix });
      if (policy.microphone)
        set('microphone', { state: 'fail', summary: problem.what, fix: problem.fix });
    }
  };

  const runDisplays = useCallback(() => {
    const isExtended = (window.screen as Screen & { isExtended?: boolean }).isExtended;
    set('displays', displaysResult(typeof isExtended === 'boolean' ? isExtended : undefined));
  }, [set]);

  const startScreen = async () => {
    for (const track of streams.current.screen?.getTracks() ?? []) track.stop();
    streams.current.screen = null;
    setScreen(null);
    set('screen', { state: 'running', summary: 'Waiting for you to choose what to share…' });
    try {
      const stream = await openScreen(policy);
      const verdict = screenResult(displaySurfaceOf(stream));
      if (verdict.state === 'fail') {
        for (const track of stream.getTracks()) track.stop();
        set('screen', verdict);
        return;
      }
      streams.current.screen = stream;
      setScreen(stream);
      set('screen', verdict);
      stream.getVideoTracks()[0]?.addEventListener('ended', () => {
        set('screen', {
          state: 'fail',
          summary: 'Screen sharing stopped.',
          fix: 'Press Retry and share your entire screen again.',
        });
      });
      runDisplays();
    } catch (error) {
      const problem = describeMediaError(error, 'screen');
      set('screen', { state: 'fail', summary: problem.what, fix: problem.fix });
    }
  };

  const retry = (id: CheckId) => {
    switch (id) {
      case 'browser':
        return runBrowser();
      case 'camera':
      case 'microphone':
        return void startCamera();
      case 'screen':
        return void startScreen();
      case 'displays':
        return runDisplays();
      case 'bandwidth':
        return void runBandwidth();
    }
  };

  const passed = allPassed(effective, ids);
  const proceed = () => {
    handedOver.current = true;
    capture.setSources({
      camera: needCamera ? camera : null,
      screen: policy.screen ? screen : null,
    });
    if (!practice) {
      capture.events.record('system_check.passed', {
        ...Object.fromEntries(ids.map((id) => [id, effective[id]?.state ?? 'waiting'])),
        uploadKbps: results.bandwidth?.summary ?? null,
      });
      void capture.events.flush();
    }
    onPassed();
  };

  const cameraStarted =
    results.camera?.state !== undefined || effective.microphone?.state !== undefined;
  const screenStarted = results.screen?.state !== undefined;

  return (
    <section className="card" aria-labelledby="check-heading">
      <StepHeading id="check-heading">System check</StepHeading>
      <p>
        We check that your computer can take this exam. Nothing is recorded
        {practice ? ' in this practice run.' : ' yet.'}
      </p>

      <div className="check-devices">
        {needCamera ? (
          <div className="check-device">
            <h3>Camera and microphone</h3>
            {camera && policy.webcam ? (
              <>
                <StreamPreview ref={preview} stream={camera} label="Your camera preview" mirrored />
                <FaceIndicator video={preview} />
              </>
            ) : (
              <div className="preview preview-empty" aria-hidden="true" />
            )}
            {camera && policy.microphone ? <LevelMeter level={level} /> : null}
            {!cameraStarted ? (
              <button type="button" className="button primary" onClick={() => void startCamera()}>
                Turn on camera and microphone
              </button>
            ) : null}
          </div>
        ) : null}
        {policy.screen ? (
          <div className="check-device">
            <h3>Screen</h3>
            {screen ? (
              <StreamPreview stream={screen} label="Your shared screen" />
            ) : (
              <div className="preview preview-empty" aria-hidden="true" />
            )}
            {!screenStarted ? (
              <>
                <p className="hint">
                  In the dialog, choose <strong>Entire screen</strong>, not a window or a tab.
                </p>
                <button
                  type="button"
                  className="button primary"
                  disabled={needCamera && !camera}
                  onClick={() => void startScreen()}
                >
                  Share your entire screen
                </button>
              </>
            ) : null}
          </div>
        ) : null}
      </div>

      <ul className="check-list" aria-label="Check results">
        {ids.map((id) => {
          const result = effective[id] ?? { state: 'waiting' as const, summary: waitingText(id) };
          return (
            <li key={id} className={`check check-${result.state}`}>
              <span className="check-icon" aria-hidden="true">
                {iconFor(result.state)}
              </span>
              <div className="check-body">
                <p className="check-title">
                  <strong>{CHECK_LABEL[id]}</strong>
                  <span className="check-state"> — {STATE_LABEL[result.state]}</span>
                </p>
                <p className="check-summary">{result.summary}</p>
                {result.fix ? <p className="check-fix">{result.fix}</p> : null}
                {result.state === 'fail' || (result.state === 'warn' && id === 'bandwidth') ? (
                  <button
                    type="button"
                    className="button secondary small"
                    aria-label={`Retry: ${CHECK_LABEL[id]}`}
                    onClick={() => retry(id)}
                  >
                    Retry
                  </button>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <p className="sr-only" role="status" aria-live="polite">
        {passed ? 'All checks passed. You can continue.' : ''}
      </p>
      <div className="form-actions">
        <button type="button" className="button primary" disabled={!passed} onClick={proceed}>
          Continue
        </button>
        {!passed ? (
          <span className="muted small">Continue becomes available when every check is OK.</span>
        ) : null}
      </div>
    </section>
  );
}

function waitingText(id: CheckId): string {
  switch (id) {
    case 'camera':
    case 'microphone':
      return 'Press “Turn on camera and microphone”.';
    case 'screen':
    case 'displays':
      return 'Press “Share your entire screen”.';
    default:
      return 'Waiting…';
  }
}

function iconFor(state: CheckResult['state']): string {
  switch (state) {
    case 'pass':
      return '✓';
    case 'warn':
      return '!';
    case 'fail':
      return '✕';
    case 'running':
      return '…';
    default:
      return '○';
  }
}
