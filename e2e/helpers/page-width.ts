import type { Page } from 'playwright-core';

/**
 * Whether the page is wider than the viewport (it scrolls sideways): undefined if it fits,
 * else the widths and the outermost elements that stick out, to say what to fix. Opens every
 * disclosure first, so that what they hide is measured too (e.g. filters closed on a phone).
 */
export async function horizontalOverflow(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    document.querySelectorAll('details').forEach((d) => (d.open = true));
    const inner = window.innerWidth;
    const scrollWidth = document.documentElement.scrollWidth;
    if (scrollWidth <= inner) return undefined;
    // Inline, not a named helper: a transpiler may wrap named functions in a helper of its
    // own that does not exist in the page.
    const outermost = Array.from(document.querySelectorAll('body *'))
      .filter((el) => el.getBoundingClientRect().right > inner + 0.5)
      .filter((el) => (el.parentElement?.getBoundingClientRect().right ?? 0) <= inner + 0.5)
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
    return `${scrollWidth} > ${inner} (${outermost.join(', ')})`;
  });
}
