import type { ProctoringPolicy } from '@invigil/contracts';
import type { CsrfSource } from './upload-queue';

/** The result of the upload-speed probe. */
export interface BandwidthSample {
  /** Measured upload speed (kbit/s), or null when it could not be measured. */
  kbps: number | null;
  bytes: number;
  ms: number;
  /** Why it could not be measured. */
  problem?: string;
}

/** The upload speed the recording needs: webcam + microphone + screen bitrates, with 50 % headroom. */
export function requiredKbps(policy: ProctoringPolicy, audioKbps = 32): number {
  const kbps =
    (policy.webcam ? policy.webcamBitrateKbps : 0) +
    (policy.microphone ? audioKbps : 0) +
    (policy.screen ? policy.screenBitrateKbps : 0);
  return Math.ceil(kbps * 1.5);
}

/**
 * Measures the upload speed to this server by sending `sizeBytes` of filler and timing the
 * answer. There is no dedicated endpoint: the filler goes to the event endpoint in a body the
 * server must read in full and then refuses (400, nothing is stored), so the time covers the
 * whole body reaching the server plus one round trip. A single sample of a few hundred KB
 * is rough; the exam bar keeps measuring on the real uploads.
 */
export async function measureUpload(
  sessionId: string,
  csrf: CsrfSource,
  options: { sizeBytes?: number; fetch?: typeof fetch; now?: () => number } = {},
): Promise<BandwidthSample> {
  const sizeBytes = options.sizeBytes ?? 256 * 1024;
  const fetchFn = options.fetch ?? ((...a) => fetch(...a));
  const now = options.now ?? (() => performance.now());
  // Not a valid batch (unknown key, no events): the server parses it all, then refuses it.
  const filler = Array.from({ length: sizeBytes }, (_, i) =>
    String.fromCharCode(97 + ((i * 7919) % 26)),
  ).join('');
  const body = JSON.stringify({ bandwidthProbe: filler });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const token = await csrf.get();
  if (token) headers['x-csrf-token'] = token;
  const started = now();
  let status: number;
  try {
    const response = await fetchFn(`/api/sessions/${encodeURIComponent(sessionId)}/events`, {
      method: 'POST',
      headers,
      body,
      credentials: 'same-origin',
    });
    status = response.status;
    await response.text().catch(() => '');
  } catch {
    return { kbps: null, bytes: 0, ms: 0, problem: 'The server could not be reached.' };
  }
  const ms = Math.max(1, now() - started);
  // 400: the body was read and refused, as intended. Anything else answered before reading it.
  if (status !== 400 && !(status >= 200 && status < 300)) {
    return {
      kbps: null,
      bytes: 0,
      ms,
      problem: `The server answered the speed test with HTTP ${status}, so it could not be measured.`,
    };
  }
  return { kbps: Math.round((body.length * 8) / ms), bytes: body.length, ms };
}
