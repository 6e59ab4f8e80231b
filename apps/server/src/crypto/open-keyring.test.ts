import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatMasterKey, generateMasterKey } from './master-keys.js';
import { openKeyring } from './open-keyring.js';

describe('openKeyring', () => {
  const dirs: string[] = [];
  const dir = async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'invigil-keys-'));
    dirs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const logs = () => {
    const warned: string[] = [];
    return { warned, log: { info: () => undefined, warn: (m: string) => void warned.push(m) } };
  };

  it('generates a key file readable by its owner only, once, and says so', async () => {
    const file = path.join(await dir(), 'sub', 'master.key');
    const first = logs();
    const ring = await openKeyring({ kind: 'generated', path: file }, first.log);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.warned.join()).toMatch(/Generated a master key/);
    expect(first.warned.join()).not.toContain(ring.current.key.toString('base64'));
    // Several processes starting at once agree on one key.
    const [a, b] = await Promise.all([
      openKeyring({ kind: 'generated', path: file }, logs().log),
      openKeyring({ kind: 'generated', path: file }, logs().log),
    ]);
    expect(a.current.key).toEqual(ring.current.key);
    expect(b.current.key).toEqual(ring.current.key);
    expect(await readFile(file, 'utf8')).toContain('back it up');
  });

  it('reads a configured file and warns when every user may read it', async () => {
    const file = path.join(await dir(), 'keys');
    const old = generateMasterKey('old');
    const next = generateMasterKey('next');
    await writeFile(file, `# keys\n${formatMasterKey(old)}\n\n${formatMasterKey(next)}\n`);
    await chmod(file, 0o644);
    const { warned, log } = logs();
    const ring = await openKeyring({ kind: 'file', path: file }, log);
    expect(ring.ids()).toEqual(['old', 'next']);
    expect(ring.current.id).toBe('next');
    expect(warned.join()).toMatch(/can be read by every user/);
    await writeFile(file, 'not a key');
    await expect(openKeyring({ kind: 'file', path: file }, log)).rejects.toThrow(file);
  });

  it('takes the keys of MASTER_KEY as they are', async () => {
    const key = generateMasterKey('k9');
    const ring = await openKeyring({ kind: 'value', value: formatMasterKey(key) }, logs().log);
    expect(ring.current).toEqual(key);
  });
});
