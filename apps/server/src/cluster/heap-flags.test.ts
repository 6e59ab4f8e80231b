import { describe, expect, it } from 'vitest';
import { INITIAL_OLD_SPACE_MB, workerExecArgv } from './heap-flags.js';

describe('workerExecArgv', () => {
  it('adds the starting heap to the flags the primary was started with', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual([
      '--enable-source-maps',
      `--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`,
    ]);
  });

  it("keeps the operator's own choice", () => {
    expect(workerExecArgv(['--initial-old-space-size=64'])).toEqual([
      '--initial-old-space-size=64',
    ]);
  });
});
