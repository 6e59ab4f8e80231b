import { readFile } from 'node:fs/promises';
import { NodeDetector, type NodeAnalysis } from '../node/node-detector.js';

/** One line of `invigil analyze` output. */
export type AnalyzeLine =
  | {
      file: string;
      faces: NodeAnalysis['faces'];
      objects: Array<{ label: string; score: number }>;
      identity?: { similarity: number; match: boolean };
      timings: Record<string, number>;
      models: NodeAnalysis['models'];
    }
  | { file: string; error: { code: string; message: string }; enroll?: true };

function errorLine(file: string, e: unknown, enroll = false): AnalyzeLine {
  const err = e as NodeJS.ErrnoException;
  const code =
    err.name === 'UnreadableImageError'
      ? 'UNREADABLE_IMAGE'
      : err.code === 'NO_FACE'
        ? 'NO_FACE'
        : err.code === 'ENOENT'
          ? 'FILE_NOT_FOUND'
          : err.code === 'EISDIR'
            ? 'NOT_A_FILE'
            : 'ANALYSIS_FAILED';
  return { file, error: { code, message: err.message }, ...(enroll && { enroll: true as const }) };
}

/**
 * `invigil analyze [--enroll FACE] IMAGE…`: load the models once, then print one JSON
 * object per image, in input order, with the product's own decisions and thresholds. A
 * file that cannot be read or decoded gets an error line; the others still run. Returns
 * the exit code: 0 when every file was analysed, 1 otherwise, 2 for bad usage.
 */
export async function runAnalyze(
  argv: string[],
  print: (line: string) => void,
  warn: (line: string) => void,
): Promise<number> {
  const files: string[] = [];
  let enroll: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--enroll') {
      enroll = argv[++i];
      if (!enroll) return usage(warn, '--enroll needs a file');
    } else if (arg.startsWith('--enroll=')) enroll = arg.slice('--enroll='.length);
    else if (arg === '--help' || arg === '-h') {
      usage(warn);
      return 0;
    } else if (arg.startsWith('--')) return usage(warn, `unknown option ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) return usage(warn, 'no image given');
  const detector = await NodeDetector.create();
  let failed = false;
  let enrolled: number[] | undefined;
  if (enroll) {
    try {
      const analysis = await detector.analyze(await readFile(enroll), {
        parts: { objects: false },
      });
      if (!analysis.embedding)
        throw Object.assign(new Error('No face found in the enrolment image'), { code: 'NO_FACE' });
      enrolled = analysis.embedding;
    } catch (e) {
      failed = true;
      print(JSON.stringify(errorLine(enroll, e, true)));
    }
  }
  for (const file of files) {
    try {
      const a = await detector.analyze(await readFile(file), enrolled ? { enrolled } : {});
      const line: AnalyzeLine = {
        file,
        faces: a.faces,
        objects: a.objects.map((o) => ({ label: o.label, score: o.score })),
        ...(a.identity && { identity: a.identity }),
        timings: a.timings,
        models: a.models,
      };
      print(JSON.stringify(line));
    } catch (e) {
      failed = true;
      print(JSON.stringify(errorLine(file, e)));
    }
  }
  return failed ? 1 : 0;
}

function usage(warn: (line: string) => void, problem?: string): number {
  if (problem) warn(`invigil analyze: ${problem}`);
  warn(
    'usage: invigil analyze [--enroll FACE.jpg] IMAGE…   (JPEG or PNG; one JSON line per image)',
  );
  return 2;
}
