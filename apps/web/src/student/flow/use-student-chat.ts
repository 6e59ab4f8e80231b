import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { ChatMessage, HelpRequest } from '@invigil/contracts';
import { chatApi, handsApi } from '../../api/chat';
import type { LiveChannel } from '../../live/use-live';
import { chatReducer, initialChat, mergeHand, type ChatState } from './chat-model';

/** The student's chat: messages, read mark, newly arrived proctor messages, and sending. */
export interface StudentChat extends ChatState {
  /** The last fetch of the thread failed (the live feed may still bring messages). */
  loadError: unknown;
  /** Fetch the thread again. */
  reload(): void;
  /** Send a message; resolves with it, rejects with the server's error. */
  send(body: string): Promise<ChatMessage>;
  /** Mark read up to `seq` (locally at once, then on the server). */
  markRead(seq: number): void;
}

/**
 * Follows the session's chat on the exam page's one live socket: fetches the thread when the
 * page opens and again whenever the socket comes back (offline → live) or the feed resyncs
 * (`resyncs` changes: a gap too long to replay), and merges `chat.message` messages (the
 * socket replays stored ones after a reconnect) by id.
 */
export function useStudentChat(sessionId: string, channel: LiveChannel, resyncs = 0): StudentChat {
  const [state, dispatch] = useReducer(chatReducer, initialChat);
  const [loadError, setLoadError] = useState<unknown>(undefined);

  const fetchThread = useCallback(
    (signal?: AbortSignal) =>
      chatApi.thread(sessionId, signal).then(
        (thread) => {
          setLoadError(undefined);
          dispatch({ type: 'thread', thread });
        },
        (error: unknown) => {
          if (!signal?.aborted) setLoadError(error);
        },
      ),
    [sessionId],
  );
  useEffect(() => {
    const abort = new AbortController();
    void fetchThread(abort.signal);
    return () => abort.abort();
  }, [fetchThread]);

  useEffect(
    () =>
      channel.listen((message) => {
        if (message.topic === 'chat.message')
          dispatch({ type: 'received', messages: [message.data] });
      }),
    [channel],
  );

  // Back online after a cut: the replay brings what was stored meanwhile; a fetch costs little
  // and also covers a gap the server could not replay. A resync: the replay was skipped.
  useRefetchOnReturn(channel, resyncs, fetchThread);

  const send = useCallback(
    async (body: string) => {
      const message = await chatApi.send(sessionId, body);
      dispatch({ type: 'received', messages: [message] });
      return message;
    },
    [sessionId],
  );
  const markRead = useCallback(
    (seq: number) => {
      dispatch({ type: 'read', seq });
      // Best effort: the next mark (or the next visit) sends a later one.
      chatApi.markRead(sessionId, seq).catch(() => undefined);
    },
    [sessionId],
  );
  const reload = useCallback(() => void fetchThread(), [fetchThread]);
  return { ...state, loadError, reload, send, markRead };
}

/** The student's raised hand and the calls to raise and lower it. */
export interface StudentHand {
  /** The newest hand of this session (open, taken or closed), if any is known. */
  hand: HelpRequest | null;
  raise(message: string): Promise<void>;
  lower(): Promise<void>;
}

/**
 * The student's raised hand: fetched when the page opens (so an open hand comes back after a
 * reload even when the feed cannot replay that far), again when the socket comes back or the
 * feed resyncs, and kept current by the `hand` live messages.
 */
export function useRaisedHand(sessionId: string, channel: LiveChannel, resyncs = 0): StudentHand {
  const [hand, setHand] = useState<HelpRequest | null>(null);
  const apply = useCallback(
    (incoming: HelpRequest) => setHand((current) => mergeHand(current, incoming, sessionId)),
    [sessionId],
  );
  const fetchHands = useCallback(
    (signal?: AbortSignal) =>
      handsApi.list(sessionId, signal).then(
        (hands) => hands.forEach(apply),
        // Best effort: the live feed still brings changes.
        () => undefined,
      ),
    [sessionId, apply],
  );
  useEffect(() => {
    const abort = new AbortController();
    void fetchHands(abort.signal);
    return () => abort.abort();
  }, [fetchHands]);
  useRefetchOnReturn(channel, resyncs, fetchHands);
  useEffect(
    () =>
      channel.listen((message) => {
        if (message.topic === 'hand') apply(message.data);
      }),
    [channel, apply],
  );
  const raise = useCallback(
    async (message: string) => apply(await handsApi.raise(sessionId, message.trim() || undefined)),
    [apply, sessionId],
  );
  const lower = useCallback(async () => {
    if (hand) apply(await handsApi.lower(hand.id));
  }, [apply, hand]);
  return { hand, raise, lower };
}

/**
 * Call `refetch` when the channel is live again after being offline, and when `resyncs`
 * changes (the feed skipped a gap it could not replay).
 */
function useRefetchOnReturn(channel: LiveChannel, resyncs: number, refetch: () => unknown) {
  const wentOffline = useRef(false);
  useEffect(() => {
    if (channel.status === 'offline') wentOffline.current = true;
    else if (channel.status === 'live' && wentOffline.current) {
      wentOffline.current = false;
      void refetch();
    }
  }, [channel.status, refetch]);
  const seen = useRef(resyncs);
  useEffect(() => {
    if (resyncs === seen.current) return;
    seen.current = resyncs;
    void refetch();
  }, [resyncs, refetch]);
}
