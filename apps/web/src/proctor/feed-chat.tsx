import { useEffect, useRef, useState } from 'react';
import type { HelpRequest } from '@invigil/contracts';
import { playChatSound } from './alert-sound';
import { arrivalsText, chatArrivals } from './chat-model';
import { UnreadChats } from './chat-unread';
import { HandAlerts } from './hand-alert';
import { tileList, type LiveExamState } from './live-model';

/** At most one chat sound in this time: a burst of messages is one sound. */
const SOUND_GAP_MS = 1500;

/**
 * Hears what arrives in the dashboard's state: new raised hands and new unread student
 * messages. Each batch is one sound (unless muted, the alerts' own switch) and one sentence
 * for screen readers; the first state of the page is not news.
 */
function useChatArrivals(state: LiveExamState, muted: boolean) {
  const previous = useRef<LiveExamState | null>(null);
  const seenHands = useRef(new Set<string>());
  const lastSound = useRef(0);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(() => new Set());
  const [text, setText] = useState('');

  useEffect(() => {
    if (previous.current === state) return;
    const arrivals = chatArrivals(previous.current, state, seenHands.current);
    previous.current = state;
    if (arrivals.hands.length === 0 && arrivals.messages.length === 0) return;
    if (arrivals.hands.length > 0) {
      setFresh((current) => new Set([...current, ...arrivals.hands.map((h) => h.id)]));
    }
    setText(arrivalsText(arrivals) ?? '');
    const now = performance.now();
    if (!muted && now - lastSound.current > SOUND_GAP_MS) {
      playChatSound(arrivals.hands.length > 0 ? 'hand' : 'message');
      lastSound.current = now;
    }
  }, [state, muted]);

  return { fresh, text };
}

/**
 * The chat side of the alert feed: raised hands as their own alerts, and who has unread
 * messages, with a live region that tells of new ones.
 */
export function FeedChat({
  state,
  meId,
  muted,
  onHand,
}: {
  state: LiveExamState;
  meId: string;
  muted: boolean;
  onHand: (hand: HelpRequest) => void;
}) {
  const { fresh, text } = useChatArrivals(state, muted);
  return (
    <>
      <div className="sr-only" role="status" aria-live="polite" aria-atomic="true">
        {text}
      </div>
      <HandAlerts hands={state.helpRequests} meId={meId} fresh={fresh} onHand={onHand} />
      <UnreadChats tiles={tileList(state)} />
    </>
  );
}
