import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DetectorQuality } from '@invigil/contracts';
import {
  detectorQualityDir,
  loadDetectorQualities,
} from '../src/services/detection/detector-quality.js';

const quality = (detector: string) => ({
  detector,
  model: 'test model 1.0',
  measuredAt: '2026-12-05',
  dataset: 'a test set',
  metrics: [{ label: 'accuracy', value: '99 %', target: '≥ 97 %', met: true }],
  cost: null,
});

describe('detector quality files', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('reads valid files in detector order and leaves out invalid ones', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'invigil-quality-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'phone.json'), JSON.stringify(quality('phone')));
    await writeFile(path.join(dir, 'no_face.json'), JSON.stringify(quality('no_face')));
    await writeFile(path.join(dir, 'book.json'), JSON.stringify({ detector: 'book' }));
    await writeFile(path.join(dir, 'voice.json'), '{ not json');
    await writeFile(path.join(dir, 'head_turned.json'), JSON.stringify(quality('no_face')));
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    const warnings: string[] = [];
    const list = await loadDetectorQualities(dir, (m) => warnings.push(m));
    expect(list.map((q) => q.detector)).toEqual(['no_face', 'phone']);
    expect(warnings.sort()).toEqual([
      'book.json: not a valid detector quality file',
      'head_turned.json: names another detector',
      'voice.json: not readable JSON',
    ]);
  });

  it('treats a missing folder as nothing measured', async () => {
    expect(await loadDetectorQualities(path.join(tmpdir(), 'invigil-no-such-dir'))).toEqual([]);
    expect(await loadDetectorQualities(null)).toEqual([]);
  });

  it('finds the committed files, and every one of them is valid', async () => {
    const dir = detectorQualityDir();
    expect(dir).not.toBeNull();
    const files = (await readdir(dir!)).filter((f) => f.endsWith('.json'));
    const list = await loadDetectorQualities(dir);
    expect(list).toHaveLength(files.length);
    for (const q of list) expect(DetectorQuality.safeParse(q).success).toBe(true);
  });
});
