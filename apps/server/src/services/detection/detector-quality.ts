import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DetectorName, DetectorQuality } from '@invigil/contracts';
import { findUp } from '../../paths.js';

/** Where the eval commands write the detectors' measured quality (one JSON file each). */
export const DETECTOR_QUALITY_DIR = 'packages/detection/quality';

/**
 * The folder of quality files: found above this file both in the sources and in the built
 * server (apps/server/dist), like the web app's build; null when the checkout has none.
 */
export function detectorQualityDir(): string | null {
  try {
    return findUp(DETECTOR_QUALITY_DIR);
  } catch {
    return null;
  }
}

/**
 * Read and validate every `<detector>.json` in `dir`, in the detectors' order. A missing
 * folder means nothing measured (an empty list); a file that is not valid is left out and
 * reported through `warn`, so that one bad file never keeps the server from starting.
 */
export async function loadDetectorQualities(
  dir: string | null = detectorQualityDir(),
  warn: (message: string) => void = () => {},
): Promise<DetectorQuality[]> {
  if (!dir) return [];
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const found: DetectorQuality[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      const parsed = DetectorQuality.safeParse(
        JSON.parse(await readFile(path.join(dir, name), 'utf8')),
      );
      if (!parsed.success) warn(`${name}: not a valid detector quality file`);
      else if (`${parsed.data.detector}.json` !== name) warn(`${name}: names another detector`);
      else found.push(parsed.data);
    } catch {
      warn(`${name}: not readable JSON`);
    }
  }
  const order = DetectorName.options;
  return found.sort((a, b) => order.indexOf(a.detector) - order.indexOf(b.detector));
}
