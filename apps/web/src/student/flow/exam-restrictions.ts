import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { CaptureSettings } from '@invigil/contracts';
import type { CaptureSession } from '../../capture/capture-session';

type Restrictions = Pick<CaptureSettings, 'requireFullscreen' | 'blockClipboard'>;

/** The exam page's restrictions as plain sentences, for the consent notice. Empty: none. */
export function restrictionItems(policy: Partial<Restrictions>): string[] {
  const items: string[] = [];
  if (policy.requireFullscreen) {
    items.push(
      'The exam page must stay in full screen. If you leave full screen, the questions are ' +
        'hidden until you return (your time keeps running), and leaving is recorded and shown ' +
        'to the proctor.',
    );
  }
  if (policy.blockClipboard) {
    items.push(
      'Copy, cut and paste, the right-click menu and printing do not work on the exam page. ' +
        'Trying them is recorded.',
    );
  }
  return items;
}

/** Whether a key press asks the browser to print (Ctrl+P, or ⌘P on a Mac). */
export function isPrintShortcut(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'p';
}

const subscribeFullscreen = (notify: () => void) => {
  document.addEventListener('fullscreenchange', notify);
  return () => document.removeEventListener('fullscreenchange', notify);
};

/** Whether the page is in full screen now, and a way to enter it (needs a click or key). */
export function useFullscreen(): { active: boolean; enter: () => Promise<void> } {
  const active = useSyncExternalStore(subscribeFullscreen, () => !!document.fullscreenElement);
  const enter = useCallback(async () => {
    await document.documentElement.requestFullscreen({ navigationUI: 'hide' });
  }, []);
  return { active, enter };
}

const BLOCKED_NOTICE = {
  clipboard: 'Copy, cut and paste are turned off in this exam.',
  contextmenu: 'The right-click menu is turned off in this exam.',
  print: 'Printing is turned off in this exam.',
} as const;

/**
 * Blocks copy, cut, paste, the context menu and printing on the exam page while `enabled`,
 * and says so briefly (the returned notice, for a polite live region). The attempts are still
 * reported: the event collector records them with `blocked: true` (it sees `defaultPrevented`,
 * as this listens earlier, on the window in the capture phase); a print shortcut never reaches
 * the browser's print, so it is recorded here. What the menu's Print still prints is blank
 * (flow.css hides the page under `html.exam-print-blocked`).
 */
export function useBlockedActions(enabled: boolean, capture: CaptureSession): string | null {
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let timer: number | undefined;
    const say = (text: string) => {
      setNotice(text);
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setNotice(null), 5000);
    };
    const block = (kind: keyof typeof BLOCKED_NOTICE) => (event: Event) => {
      event.preventDefault();
      say(BLOCKED_NOTICE[kind]);
    };
    const onClipboard = block('clipboard');
    const onMenu = block('contextmenu');
    const onKey = (event: KeyboardEvent) => {
      if (!isPrintShortcut(event)) return;
      event.preventDefault();
      capture.events.record('print.attempt', { blocked: true, via: 'shortcut' });
      say(BLOCKED_NOTICE.print);
    };
    const onPrint = () => say(BLOCKED_NOTICE.print);
    const root = document.documentElement;
    root.classList.add('exam-print-blocked');
    const opts = { capture: true };
    for (const kind of ['copy', 'cut', 'paste'] as const) {
      window.addEventListener(kind, onClipboard, opts);
    }
    window.addEventListener('contextmenu', onMenu, opts);
    window.addEventListener('keydown', onKey, opts);
    window.addEventListener('beforeprint', onPrint);
    return () => {
      window.clearTimeout(timer);
      root.classList.remove('exam-print-blocked');
      for (const kind of ['copy', 'cut', 'paste'] as const) {
        window.removeEventListener(kind, onClipboard, opts);
      }
      window.removeEventListener('contextmenu', onMenu, opts);
      window.removeEventListener('keydown', onKey, opts);
      window.removeEventListener('beforeprint', onPrint);
    };
  }, [enabled, capture]);
  return enabled ? notice : null;
}
