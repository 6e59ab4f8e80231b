import type { CaptureSettings } from '@invigil/contracts';
import { requiredKbps, type BandwidthSample } from '../../capture/bandwidth';

/** The checks before an exam, in the order they are shown. */
export type CheckId = 'browser' | 'camera' | 'microphone' | 'screen' | 'displays' | 'bandwidth';

/** pass; warn (shown, does not block); fail (blocks until fixed). */
export type CheckState = 'waiting' | 'running' | 'pass' | 'warn' | 'fail';

/** The outcome of one check, with how to fix a failure. */
export interface CheckResult {
  state: CheckState;
  summary: string;
  fix?: string;
}

/** Which checks a policy needs. */
export function checksFor(policy: CaptureSettings): CheckId[] {
  const ids: CheckId[] = ['browser'];
  if (policy.webcam) ids.push('camera');
  if (policy.microphone) ids.push('microphone');
  if (policy.screen) ids.push('screen', 'displays');
  ids.push('bandwidth');
  return ids;
}

/** What the browser offers that recording needs. */
export interface BrowserFeatures {
  secureContext: boolean;
  mediaRecorder: boolean;
  getUserMedia: boolean;
  getDisplayMedia: boolean;
  indexedDB: boolean;
  subtleCrypto: boolean;
}

/** Reads the browser's features. */
export function detectFeatures(): BrowserFeatures {
  const devices = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  return {
    secureContext: typeof window !== 'undefined' && window.isSecureContext,
    mediaRecorder: typeof MediaRecorder !== 'undefined',
    getUserMedia: typeof devices?.getUserMedia === 'function',
    getDisplayMedia: typeof devices?.getDisplayMedia === 'function',
    indexedDB: typeof indexedDB !== 'undefined',
    subtleCrypto: typeof crypto !== 'undefined' && typeof crypto.subtle?.digest === 'function',
  };
}

/** Whether this browser can record the exam. */
export function browserResult(f: BrowserFeatures, policy: CaptureSettings): CheckResult {
  const missing: string[] = [];
  if (!f.secureContext) missing.push('a secure (https) connection');
  if (!f.mediaRecorder) missing.push('recording (MediaRecorder)');
  if ((policy.webcam || policy.microphone) && !f.getUserMedia) missing.push('camera access');
  if (policy.screen && !f.getDisplayMedia) missing.push('screen sharing');
  if (!f.indexedDB) missing.push('local storage (IndexedDB)');
  if (!f.subtleCrypto) missing.push('Web Crypto');
  if (missing.length === 0) return { state: 'pass', summary: 'This browser supports recording.' };
  return {
    state: 'fail',
    summary: `This browser lacks ${missing.join(', ')}.`,
    fix: f.secureContext
      ? 'Use a current desktop version of Chrome, Edge or Firefox (not a phone or tablet, and not a private window, which may block local storage).'
      : 'Open the exam through its https:// address. If you did, ask your institution to check the server’s TLS set-up.',
  };
}

/** Whether the shared surface is an entire screen. */
export function screenResult(surface: string | undefined): CheckResult {
  if (surface === 'monitor') return { state: 'pass', summary: 'Your entire screen is shared.' };
  if (surface === undefined) {
    return {
      state: 'warn',
      summary: 'Screen is shared; this browser does not say whether it is the entire screen.',
      fix: 'Make sure you chose “Entire screen”, not a window or a tab.',
    };
  }
  const what = surface === 'window' ? 'a single window' : 'a browser tab';
  return {
    state: 'fail',
    summary: `You shared ${what}, not your entire screen.`,
    fix: 'Press Retry and choose “Entire screen” (or “Your entire screen”) in the sharing dialog.',
  };
}

/** Whether only one display is connected (`screen.isExtended` where the browser has it). */
export function displaysResult(isExtended: boolean | undefined): CheckResult {
  if (isExtended === undefined) {
    return {
      state: 'warn',
      summary: 'The number of displays cannot be checked in this browser.',
      fix: 'Disconnect any second monitor, TV or projector before you start.',
    };
  }
  if (isExtended) {
    return {
      state: 'fail',
      summary: 'More than one display is connected.',
      fix: 'Disconnect the extra monitors (or switch your display settings to a single screen or mirroring), then press Retry.',
    };
  }
  return { state: 'pass', summary: 'One display is connected.' };
}

/** Whether the microphone picked up sound; `peak` is the loudest level seen, 0–1. */
export function microphoneResult(peak: number, threshold = 0.02): CheckResult {
  if (peak >= threshold) return { state: 'pass', summary: 'Your microphone picks up sound.' };
  return {
    state: 'fail',
    summary: 'No sound reached the microphone.',
    fix: 'Check that the microphone is not muted (a key or switch on the headset or laptop) and is the one your browser uses (the camera icon in the address bar), say a few words, then press Retry.',
  };
}

/** Formats kbit/s for people: "850 kbit/s", "12.4 Mbit/s". */
export function formatKbps(kbps: number): string {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbit/s` : `${Math.round(kbps)} kbit/s`;
}

/** Whether the measured upload speed is enough for the recording (a slow line only warns). */
export function bandwidthResult(sample: BandwidthSample, policy: CaptureSettings): CheckResult {
  const needed = requiredKbps(policy);
  if (sample.kbps === null) {
    return {
      state: 'warn',
      summary: `Upload speed could not be measured. ${sample.problem ?? ''}`.trim(),
      fix: `The recording needs about ${formatKbps(needed)}. If your connection is slow, recordings are kept on this computer and uploaded later.`,
    };
  }
  const measured = `Measured ${formatKbps(sample.kbps)} by sending ${Math.round(sample.bytes / 1024)} KB to the server`;
  if (sample.kbps >= needed) {
    return { state: 'pass', summary: `${measured}; the recording needs ${formatKbps(needed)}.` };
  }
  return {
    state: 'warn',
    summary: `${measured}; the recording needs ${formatKbps(needed)}.`,
    fix: 'Move closer to the Wi-Fi router or use a cable, and stop downloads, streaming or backups on this network. You can still take the exam: what cannot be sent at once is kept on this computer and uploaded as soon as possible, so do not close the browser before the confirmation says everything is uploaded.',
  };
}

/** True when no required check failed and none is still running. */
export function allPassed(results: Partial<Record<CheckId, CheckResult>>, ids: CheckId[]): boolean {
  return ids.every((id) => {
    const state = results[id]?.state;
    return state === 'pass' || state === 'warn';
  });
}
