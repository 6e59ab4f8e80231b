/** Decoded audio: mono samples in [-1, 1] and their rate. */
export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
}

/** A file that is not a WAV file this reader understands. */
export class UnreadableAudioError extends Error {
  override name = 'UnreadableAudioError';
}

/**
 * Reads a RIFF/WAVE file: PCM 8/16/24/32-bit or 32/64-bit float, any number of channels
 * (mixed down to mono). Enough for recordings and test files without an audio library.
 */
export function decodeWav(bytes: Uint8Array): MonoAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new UnreadableAudioError('not a WAV file (no RIFF/WAVE header)');
  }
  let format: { code: number; channels: number; rate: number; bits: number } | null = null;
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16) {
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (code === 0xfffe && size >= 26) code = view.getUint16(body + 24, true);
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new UnreadableAudioError('WAV data before its format');
      const end = Math.min(bytes.length, body + size);
      return { samples: pcm(view, body, end, format), sampleRate: format.rate };
    }
    at = body + size + (size % 2);
  }
  throw new UnreadableAudioError('WAV file without audio data');
}

function pcm(
  view: DataView,
  from: number,
  to: number,
  f: { code: number; channels: number; bits: number },
): Float32Array {
  const width = f.bits / 8;
  const read = sampleReader(view, f.code, f.bits);
  if (!read || f.channels < 1) {
    throw new UnreadableAudioError(`unsupported WAV encoding (format ${f.code}, ${f.bits} bit)`);
  }
  const frames = Math.floor((to - from) / (width * f.channels));
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < f.channels; c++) sum += read(from + (i * f.channels + c) * width);
    out[i] = sum / f.channels;
  }
  return out;
}

function sampleReader(view: DataView, code: number, bits: number): ((at: number) => number) | null {
  if (code === 3 && bits === 32) return (at) => view.getFloat32(at, true);
  if (code === 3 && bits === 64) return (at) => view.getFloat64(at, true);
  if (code !== 1) return null;
  if (bits === 8) return (at) => (view.getUint8(at) - 128) / 128;
  if (bits === 16) return (at) => view.getInt16(at, true) / 32768;
  if (bits === 24) {
    return (at) =>
      ((view.getInt8(at + 2) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at)) / 8388608;
  }
  if (bits === 32) return (at) => view.getInt32(at, true) / 2147483648;
  return null;
}
