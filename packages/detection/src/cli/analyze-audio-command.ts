import { readFile } from 'node:fs/promises';
import { DEFAULT_SPEECH_THRESHOLD } from '../voice/segmenter.js';
import { SILERO_MODEL_NAME } from '../voice/silero.js';
import { detectSpeech, type SpeechSegment } from '../voice/segments.js';
import { decodeWav } from '../voice/wav.js';
import { loadSileroNode, voiceDetectorFor } from '../node/voice-node.js';

/** One line of `invigil analyze-audio` output. */
export type AnalyzeAudioLine =
  | { file: string; speech: SpeechSegment[]; model: string }
  | { file: string; error: { code: string; message: string } };

function errorLine(file: string, e: unknown): AnalyzeAudioLine {
  const err = e as NodeJS.ErrnoException;
  const code =
    err.name === 'UnreadableAudioError' || err.name === 'RangeError'
      ? 'UNREADABLE_AUDIO'
      : err.code === 'ENOENT'
        ? 'FILE_NOT_FOUND'
        : err.code === 'EISDIR'
          ? 'NOT_A_FILE'
          : 'ANALYSIS_FAILED';
  return { file, error: { code, message: err.message } };
}

/**
 * `invigil analyze-audio [--threshold P] FILE.wav…`: the product's voice detector (Silero
 * VAD with the exam rule's default threshold) on each file, one JSON line per file in input
 * order. A file that cannot be read gets an error line and the others still run. Returns
 * the exit code: 0 when every file was analysed, 1 otherwise, 2 for bad usage.
 */
export async function runAnalyzeAudio(
  argv: string[],
  print: (line: string) => void,
  warn: (line: string) => void,
): Promise<number> {
  const files: string[] = [];
  let threshold = DEFAULT_SPEECH_THRESHOLD;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      usage(warn);
      return 0;
    }
    if (arg === '--threshold' || arg.startsWith('--threshold=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      threshold = Number(value);
      if (!value || !(threshold > 0 && threshold < 1)) {
        return usage(warn, '--threshold needs a speech probability between 0 and 1');
      }
    } else if (arg.startsWith('--')) return usage(warn, `unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) return usage(warn, 'no audio file given');
  const model = await loadSileroNode();
  let failed = false;
  for (const file of files) {
    try {
      const audio = decodeWav(new Uint8Array(await readFile(file)));
      const detector = voiceDetectorFor(model, audio.sampleRate, { threshold });
      const speech = await detectSpeech(detector, audio.samples, audio.sampleRate);
      print(JSON.stringify({ file, speech, model: SILERO_MODEL_NAME } satisfies AnalyzeAudioLine));
    } catch (e) {
      failed = true;
      print(JSON.stringify(errorLine(file, e)));
    }
  }
  return failed ? 1 : 0;
}

function usage(warn: (line: string) => void, problem?: string): number {
  if (problem) warn(`invigil analyze-audio: ${problem}`);
  warn('usage: invigil analyze-audio [--threshold 0.5] FILE.wav…   (one JSON line per file)');
  return 2;
}
