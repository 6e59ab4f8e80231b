import { describe, expect, it } from 'vitest';
import { isPrintShortcut, restrictionItems } from './exam-restrictions';

describe('exam-page restrictions', () => {
  it('says nothing when the exam restricts nothing', () => {
    expect(restrictionItems({})).toEqual([]);
    expect(restrictionItems({ requireFullscreen: false, blockClipboard: false })).toEqual([]);
  });

  it('names each restriction in the consent notice', () => {
    const items = restrictionItems({ requireFullscreen: true, blockClipboard: true });
    expect(items).toHaveLength(2);
    expect(items[0]).toMatch(/full screen/);
    expect(items[0]).toMatch(/recorded/);
    expect(items[1]).toMatch(/Copy, cut and paste, the right-click menu and printing/);
  });

  it.each([
    [{ key: 'p', ctrlKey: true, metaKey: false, altKey: false }, true],
    [{ key: 'P', ctrlKey: false, metaKey: true, altKey: false }, true],
    [{ key: 'p', ctrlKey: false, metaKey: false, altKey: false }, false],
    [{ key: 'p', ctrlKey: true, metaKey: false, altKey: true }, false],
    [{ key: 'c', ctrlKey: true, metaKey: false, altKey: false }, false],
  ])('%o is a print shortcut: %s', (e, expected) => {
    expect(isPrintShortcut(e)).toBe(expected);
  });
});
