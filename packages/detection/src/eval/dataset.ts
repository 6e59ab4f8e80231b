import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/** One labelled frame (labels.json). */
export const LabelledFrame = z.object({
  file: z.string(),
  faces: z.enum(['0', '1', '2+']),
  identity: z.string().nullable().optional(),
  headTurned: z.boolean().nullable(),
  phone: z.boolean(),
  book: z.boolean(),
  lighting: z.string().optional(),
  /** Where the picture comes from; frames derived from one picture share it. */
  source: z
    .object({ repo: z.string().nullable().optional(), path: z.string().nullable().optional() })
    .optional(),
});
export type LabelledFrame = z.infer<typeof LabelledFrame>;

/** One identity-verification pair (pairs.json): `a` enrolled, `b` the probe. */
export const VerificationPair = z.object({ a: z.string(), b: z.string(), same: z.boolean() });
export type VerificationPair = z.infer<typeof VerificationPair>;

/** A labelled folder: frames and (optional) verification pairs. */
export interface Dataset {
  dir: string;
  frames: LabelledFrame[];
  pairs: VerificationPair[];
}

/** Read labels.json and pairs.json from a folder; a clear error when they are missing or wrong. */
export async function loadDataset(dir: string): Promise<Dataset> {
  const read = async (name: string, optional: boolean): Promise<unknown> => {
    try {
      return JSON.parse(await readFile(join(dir, name), 'utf8'));
    } catch (e) {
      if (optional && (e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`Cannot read ${join(dir, name)}: ${(e as Error).message}`);
    }
  };
  const frames = z.array(LabelledFrame).parse(await read('labels.json', false));
  const pairs = z.array(VerificationPair).parse(await read('pairs.json', true));
  return { dir, frames, pairs };
}
