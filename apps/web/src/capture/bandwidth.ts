import type { CaptureSettings } from '@invigil/contracts';
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
export function requiredKbps(policy: CaptureSettings, audioKbps = 32): number {
  const kbps =
    (policy.webcam ? policy.webcamBitrateKbps : 0) +
    (policy.microphone ? audioKbps : 0) +
    (policy.screen ? policy.screenBitrateKbps : 0);
  return Math.ceil(kbps * 1.5);
}

/**
 * Measures the upload speed to this server by sending `sizeBytes` of filler to the
 * upload-speed probe, which reads the whole body and discards it. The time covers the body
 * reaching the server plus one round trip. A single sample of a few hundred KB is rough;
 * the exam bar keeps measuring on the real uploads.
 */
export async function measureUpload(
  _sessionId: string,
  csrf: CsrfSource,
  options: { sizeBytes?: number; fetch?: typeof fetch; now?: () => number } = {},
): Promise<BandwidthSample> {
  const sizeBytes = options.sizeBytes ?? 256 * 1024;
  const fetchFn = options.fetch ?? ((...a) => fetch(...a));
  const now = options.now ?? (() => performance.now());
  // Random bytes, so that no compression on the way makes the line look faster than it is.
  const body = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 65_536) crypto.getRandomValues(body.subarray(i, i + 65_536));
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    accept: 'application/json',
  };
  const token = await csrf.get();
  if (token) headers['x-csrf-token'] = token;
  const started = now();
  let status: number;
  try {
    const response = await fetchFn('/api/bandwidth-probe', {
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
  if (status < 200 || status >= 300) {
    return {
      kbps: null,
      bytes: 0,
      ms,
      problem: `The server answered the speed test with HTTP ${status}, so it could not be measured.`,
    };
  }
  return { kbps: Math.round((sizeBytes * 8) / ms), bytes: sizeBytes, ms };
}
