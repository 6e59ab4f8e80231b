import { describe, expect, it } from 'vitest';
import { parseDomains } from './domains';

describe('parseDomains', () => {
  it('splits lines, commas and semicolons, trims, lower-cases and de-duplicates', () => {
    expect(parseDomains('Example.edu\n@uni.org, example.edu;  \n')).toEqual([
      'example.edu',
      'uni.org',
    ]);
  });

  it('keeps a mistyped entry whole so the server can point at it', () => {
    expect(parseDomains('bad domain')).toEqual(['bad domain']);
  });

  it('gives an empty list for blank input', () => {
    expect(parseDomains('  \n ')).toEqual([]);
  });
});
