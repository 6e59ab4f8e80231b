import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { runAnalyze } from './analyze-command.js';

/** A grey frame with no face in it. */
function greyJpeg(): Buffer {
  return jpeg.encode({ data: Buffer.alloc(320 * 240 * 4, 128), width: 320, height: 240 }, 90).data;
}

describe('invigil analyze', () => {
  it('prints one line per image in input order, errors as lines, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invigil-analyze-'));
    const good = join(dir, 'grey.jpg');
    const bad = join(dir, 'broken.png');
    writeFileSync(good, greyJpeg());
    writeFileSync(bad, 'definitely not a png');
    const lines: string[] = [];
    const code = await runAnalyze(
      [good, bad, join(dir, 'missing.jpg'), good],
      (l) => lines.push(l),
      () => {},
    );
    expect(code).toBe(1);
    const out = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.map((o) => o.file)).toEqual([good, bad, join(dir, 'missing.jpg'), good]);
    expect(out[0]).toMatchObject({ faces: [], objects: [] });
    expect(out[0]!.models).toMatchObject({ face: 'blazeface.json' });
    expect(out[1]).toMatchObject({ error: { code: 'UNREADABLE_IMAGE' } });
    expect(out[2]).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });

  it('reports an enrolment image without a face and still analyses the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invigil-analyze-'));
    const grey = join(dir, 'grey.jpg');
    writeFileSync(grey, greyJpeg());
    const lines: string[] = [];
    const code = await runAnalyze(
      ['--enroll', grey, grey],
      (l) => lines.push(l),
      () => {},
    );
    expect(code).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      file: grey,
      enroll: true,
      error: { code: 'NO_FACE' },
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ file: grey, faces: [] });
  });

  it('refuses bad usage with exit code 2', async () => {
    expect(
      await runAnalyze(
        [],
        () => {},
        () => {},
      ),
    ).toBe(2);
    expect(
      await runAnalyze(
        ['--bogus', 'x.jpg'],
        () => {},
        () => {},
      ),
    ).toBe(2);
  });
});
