import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_SCHEMA } from './config.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The settings a document's tables name: rows that start with a back-quoted upper-case name. */
function tableSettings(file: string): Set<string> {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  return new Set([...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1] ?? ''));
}

/**
 * Operators read the settings in README and docs/deploy.md, not in the code: a setting added
 * without its row, or a row left behind by a removed setting, misleads them.
 */
describe.each(['README.md', 'docs/deploy.md'])('the settings tables of %s', (file) => {
  const documented = tableSettings(file);
  const read = Object.keys(ENV_SCHEMA);

  it('list every setting the server reads', () => {
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('list no setting the server does not read', () => {
    expect([...documented].filter((name) => !read.includes(name))).toEqual([]);
  });
});
