import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureAudioSet } from './generate.js';
import { runAudioEval } from './run-audio-eval.js';
import { TARGETS } from './score.js';
import { missingTools } from './sounds.js';

const missing = await missingTools();
if (missing.length && process.env['CI'] !== 'true') {
  console.warn(
    `audio eval skipped: ${missing.join(' and ')} not installed (apt-get install espeak-ng sox)`,
  );
}

// The small generated set: a handful of sentences and two minutes of room sounds. Under CI
// the tools must be there (a missing tool fails rather than silently skipping the check).
describe.skipIf(missing.length > 0 && process.env['CI'] !== 'true')(
  'audio evaluation (CI set)',
  () => {
    it('Silero meets the speech recall and false alarm targets', async () => {
      expect(missing, 'espeak-ng and sox must be installed').toEqual([]);
      const dir = join(tmpdir(), `invigil-eval-audio-ci-${process.pid}`);
      const { silero } = await ensureAudioSet(dir, 'ci')
        .then((manifest) => runAudioEval(dir, manifest))
        .finally(() => rm(dir, { recursive: true, force: true }));
      expect(silero.sentences).toBeGreaterThanOrEqual(8);
      expect(silero.recall).toBeGreaterThanOrEqual(TARGETS.recall);
      expect(silero.falseAlarmsPer10Min).toBeLessThanOrEqual(TARGETS.falseAlarmsPer10Min);
    });
  },
);
