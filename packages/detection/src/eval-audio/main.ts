import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeReportSection } from '../eval/report-section.js';
import { ensureAudioSet } from './generate.js';
import { voiceQuality, voiceSection } from './report.js';
import { runAudioEval } from './run-audio-eval.js';
import { meetsTargets, type AudioScore } from './score.js';
import { missingTools } from './sounds.js';

/** The repository's root: the folder holding packages/detection, found from this file. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'packages', 'detection', 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Where generated sets are cached (never committed). */
export const audioSetDir = (root: string, set: string) =>
  join(root, 'node_modules', '.cache', 'invigil-eval-audio', set);

const line = (name: string, s: AudioScore) =>
  `${name}: recall ${(s.recall * 100).toFixed(1)} % (${s.heard}/${s.sentences}), ` +
  `false alarms ${s.falseAlarmsPer10Min.toFixed(1)} per 10 min (${s.falseAlarms} in ${s.nonSpeechMinutes.toFixed(1)} min)`;

/**
 * `npm run eval:audio [-- --set full|ci] [--dir DIR]`: generates the audio set if missing,
 * runs Silero and the energy detector on it, and (for the full set) writes
 * packages/detection/quality/voice.json and the `voice` section of docs/detection-quality.md.
 * Exit code 1 when Silero misses a target.
 */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      set: { type: 'string', default: 'full' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (values.set !== 'full' && values.set !== 'ci')) {
    console.error('usage: npm run eval:audio -- [--set full|ci] [--dir DIR]');
    return values.help ? 0 : 2;
  }
  const missing = await missingTools();
  if (missing.length) {
    console.error(`eval:audio needs ${missing.join(' and ')} (apt-get install espeak-ng sox)`);
    return 2;
  }
  const root = repoRoot();
  const set = values.set;
  const dir = resolve(values.dir ?? audioSetDir(root, set));
  const manifest = await ensureAudioSet(dir, set, (l) => console.log(l));
  const result = await runAudioEval(dir, manifest);
  console.log(line('silero', result.silero));
  console.log(line('energy', result.energy));
  console.log(`silero cost: ${result.sileroMsPerSecond.toFixed(1)} ms per second of audio`);
  if (set === 'full') {
    const today = new Date().toISOString().slice(0, 10);
    const quality = join(root, 'packages', 'detection', 'quality');
    await mkdir(quality, { recursive: true });
    await writeFile(
      join(quality, 'voice.json'),
      `${JSON.stringify(voiceQuality(manifest, result, today), null, 2)}\n`,
    );
    // Formatted as the repository's Prettier would, so the report stays check-clean.
    const prettier = await import('prettier');
    const doc = join(root, 'docs', 'detection-quality.md');
    const options = { ...(await prettier.resolveConfig(doc)), parser: 'markdown' };
    const body = await prettier.format(voiceSection(manifest, result, today), options);
    await writeReportSection(doc, 'voice', body);
    console.log(
      'wrote packages/detection/quality/voice.json and docs/detection-quality.md (voice)',
    );
  }
  return meetsTargets(result.silero) ? 0 : 1;
}
