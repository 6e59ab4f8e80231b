import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../eval-audio/wav-write.js';
import { runAnalyzeAudio } from './analyze-audio-command.js';

const dir = mkdtempSync(join(tmpdir(), 'invigil-analyze-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAnalyzeAudio(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, lines: out.map((l) => JSON.parse(l) as Record<string, unknown>), err };
}

describe('invigil analyze-audio', () => {
  it('prints one line per file, an error line for a bad one, and exits 1', async () => {
    const quiet = join(dir, 'quiet.wav');
    // Two seconds of faint hiss at 48 kHz: no speech, and the resampler is exercised.
    const hiss = Float32Array.from({ length: 96_000 }, (_, i) => 0.001 * Math.sin(i * 12.9898));
    writeFileSync(quiet, encodeWav(hiss, 48_000));
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, 'not audio');
    const { code, lines } = await run([quiet, bad, join(dir, 'missing.wav')]);
    expect(code).toBe(1);
    expect(lines[0]).toEqual({ file: quiet, speech: [], model: expect.stringContaining('Silero') });
    expect(lines[1]).toMatchObject({ file: bad, error: { code: 'UNREADABLE_AUDIO' } });
    expect(lines[2]).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });

  it('refuses bad usage with exit code 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--threshold', '2', 'a.wav'])).code).toBe(2);
    expect((await run(['--loud', 'a.wav'])).code).toBe(2);
  });
});
