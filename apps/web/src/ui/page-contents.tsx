import { useEffect, useState, type MouseEvent } from 'react';

/** One entry of a page's contents: the id of its heading or fieldset, and its name. */
export interface ContentsItem {
  id: string;
  label: string;
}

/** The items whose target is on the page now (a panel may render nothing, or appear late). */
function present(items: readonly ContentsItem[]): string[] {
  return items.filter((i) => document.getElementById(i.id) !== null).map((i) => i.id);
}

/**
 * "On this page": links to the parts of a long page, so that a part far down is one step
 * away by keyboard, screen reader or pointer. Parts that are not on the page (yet) are left
 * out, and come back when they render.
 */
export function PageContents({ items }: { items: readonly ContentsItem[] }) {
  const [shown, setShown] = useState<string[]>([]);

  useEffect(() => {
    const update = () =>
      setShown((before) => {
        const now = present(items);
        return now.join() === before.join() ? before : now;
      });
    update();
    const observer = new MutationObserver(update);
    observer.observe(document.body, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [items]);

  const visible = items.filter((i) => shown.includes(i.id));
  if (visible.length === 0) return null;
  return (
    <nav className="page-contents" aria-label="On this page">
      <ul>
        {visible.map((item) => (
          <li key={item.id}>
            <a href={`#${item.id}`} onClick={(e) => jumpTo(e, item.id)}>
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * Scroll to the part and move focus there, so that Tab goes on from it; the address does not
 * change (a fragment in the router's address would be one more history entry to go back past).
 */
function jumpTo(event: MouseEvent, id: string) {
  const target = document.getElementById(id);
  if (!target) return;
  event.preventDefault();
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'start' });
}
