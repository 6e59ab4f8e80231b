import { describe, expect, it } from 'vitest';
import { replaceSection, sectionMarkers } from './report-section.js';

describe('replaceSection', () => {
  const { begin, end } = sectionMarkers('phones');

  it('appends a section the report does not have yet', () => {
    const out = replaceSection('# Report\n\nText.\n', 'phones', '| a |\n');
    expect(out).toBe(`# Report\n\nText.\n\n${begin}\n\n| a |\n\n${end}\n`);
  });

  it('replaces only its own section, keeping the text around it', () => {
    const doc = `Before\n\n${begin}\n\nold\n\n${end}\n\nAfter\n`;
    expect(replaceSection(doc, 'phones', 'new')).toBe(
      `Before\n\n${begin}\n\nnew\n\n${end}\n\nAfter\n`,
    );
  });

  it('refuses names that could break the markers', () => {
    expect(() => sectionMarkers('a -->')).toThrow(/Invalid/);
  });
});
