import type {
  Alert,
  AlertState,
  ChatMessage,
  ChatUnread,
  HelpRequest,
  LatestSnapshots,
  LiveExamSnapshot,
  LiveMessage,
  LiveSessionTile,
  RtcLink,
  SessionCounts,
  SessionState,
} from '@invigil/contracts';

/**
 * What the live dashboard knows about one exam: the snapshot from GET /api/exams/:id/live
 * with every live message after its cursor applied. Tiles are kept by session id so that an
 * update replaces one tile object and every other tile keeps its identity (memoised tiles
 * skip rendering).
 */
export interface LiveExamState {
  exam: LiveExamSnapshot['exam'];
  counts: SessionCounts;
  /** Session ids in the order of the snapshot (the grid sorts them itself). */
  order: string[];
  tiles: Record<string, LiveSessionTile>;
  /** Newest first. */
  alerts: Alert[];
  /** Raised hands, open and recently closed, newest first. */
  helpRequests: HelpRequest[];
  /** Live views and calls not ended (the tiles show "being watched" / "in call"). */
  rtcLinks: RtcLink[];
  /**
   * Announcements that arrived live, oldest first, once each (the server stores one message
   * per running session; staff get every copy).
   */
  announcements: ChatMessage[];
  /**
   * Per session, the time of the newest student chat message already counted in its tile's
   * `unreadChat`, so a message is never counted twice whichever of `chat.message` and
   * `chat.unread` comes first.
   */
  chatCountedAt: Record<string, string>;
  /** The id of the newest message applied; older or equal ids are ignored (replays). */
  cursor: number;
  /**
   * A message named a session the snapshot does not have (a student who registered
   * since): the snapshot must be fetched again to show it.
   */
  stale: boolean;
}

/** The state as a snapshot describes it. */
export function stateFromSnapshot(snapshot: LiveExamSnapshot): LiveExamState {
  const tiles: Record<string, LiveSessionTile> = {};
  for (const tile of snapshot.sessions) tiles[tile.session.id] = tile;
  return {
    exam: snapshot.exam,
    counts: { ...snapshot.counts },
    order: snapshot.sessions.map((t) => t.session.id),
    tiles,
    alerts: sortAlerts(snapshot.alerts),
    helpRequests: sortHands(snapshot.helpRequests),
    rtcLinks: snapshot.rtcLinks.filter((l) => l.state !== 'ended'),
    announcements: [],
    chatCountedAt: {},
    cursor: snapshot.cursor,
    stale: false,
  };
}

/** Newest flag first (by creation time, then id for a stable order). */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      Date.parse(b.flag.createdAt) - Date.parse(a.flag.createdAt) ||
      b.flag.id.localeCompare(a.flag.id),
  );
}

/** Newest raised hand first (then id, for a stable order). */
export function sortHands(hands: readonly HelpRequest[]): HelpRequest[] {
  return [...hands].sort(
    (a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt) || b.id.localeCompare(a.id),
  );
}

/** The hand list with `hand` put in (replacing the one with its id). */
export function upsertHand(hands: readonly HelpRequest[], hand: HelpRequest): HelpRequest[] {
  return sortHands([hand, ...hands.filter((h) => h.id !== hand.id)]);
}

/** The open links with `link` put in, or taken out once it has ended. */
export function upsertLink(links: readonly RtcLink[], link: RtcLink): RtcLink[] {
  const others = links.filter((l) => l.id !== link.id);
  return link.state === 'ended' ? others : [...others, link];
}

const later = (a: string | undefined, b: string | null): boolean =>
  b !== null && (a === undefined || Date.parse(b) > Date.parse(a));

/** The server's count for a session is the truth: take it, and remember up to when it counts. */
function applyUnread(state: LiveExamState, unread: ChatUnread): LiveExamState {
  const counted = state.chatCountedAt[unread.sessionId];
  const next = withTile(state, unread.sessionId, (tile) =>
    tile.unreadChat === unread.unread ? tile : { ...tile, unreadChat: unread.unread },
  );
  if (!later(counted, unread.lastAt) || next.stale) return next;
  return {
    ...next,
    chatCountedAt: { ...next.chatCountedAt, [unread.sessionId]: unread.lastAt as string },
  };
}

/**
 * A chat message: an announcement is kept once for the announcement list; a student's
 * message adds one to the tile's unread count unless the server already counted it.
 */
function applyChat(state: LiveExamState, message: ChatMessage): LiveExamState {
  if (message.kind === 'announcement') {
    if (state.announcements.some((a) => a.id === message.id)) return state;
    const announcements = [...state.announcements, message].sort((a, b) => a.seq - b.seq);
    return { ...state, announcements };
  }
  if (message.from !== 'student' || message.sessionId === null) return state;
  const sessionId = message.sessionId;
  if (!later(state.chatCountedAt[sessionId], message.createdAt)) return state;
  const next = withTile(state, sessionId, (tile) => ({
    ...tile,
    unreadChat: tile.unreadChat + 1,
  }));
  if (next.stale) return next;
  return { ...next, chatCountedAt: { ...next.chatCountedAt, [sessionId]: message.createdAt } };
}

function withTile(
  state: LiveExamState,
  sessionId: string,
  update: (tile: LiveSessionTile) => LiveSessionTile,
): LiveExamState {
  const tile = state.tiles[sessionId];
  if (!tile) return { ...state, stale: true };
  const next = update(tile);
  return next === tile ? state : { ...state, tiles: { ...state.tiles, [sessionId]: next } };
}

function moveCount(counts: SessionCounts, from: SessionState, to: SessionState): SessionCounts {
  if (from === to) return counts;
  return { ...counts, [from]: Math.max(0, (counts[from] ?? 0) - 1), [to]: (counts[to] ?? 0) + 1 };
}

const isOpen = (alert: Alert | undefined) => alert?.flag.reviewStatus === 'open';

/** Adds `delta` to a session's open flag count (never below zero). */
function bumpOpenFlags(state: LiveExamState, sessionId: string, delta: number): LiveExamState {
  if (delta === 0) return state;
  return withTile(state, sessionId, (tile) => ({
    ...tile,
    openFlags: Math.max(0, tile.openFlags + delta),
  }));
}

function upsertAlert(state: LiveExamState, alert: Alert): LiveExamState {
  // Flags merged into this alert (one condition = one alert) are no alerts of their own.
  const merged = new Set((alert.related ?? []).map((f) => f.id));
  const others =
    merged.size === 0 ? state.alerts : state.alerts.filter((a) => !merged.has(a.flag.id));
  const index = others.findIndex((a) => a.flag.id === alert.flag.id);
  const previous = index >= 0 ? others[index] : undefined;
  const alerts =
    index >= 0 ? others.map((a, i) => (i === index ? alert : a)) : sortAlerts([alert, ...others]);
  // A flag seen for the first time counts when open; a known one when its review changed.
  const delta = previous ? Number(isOpen(alert)) - Number(isOpen(previous)) : Number(isOpen(alert));
  return bumpOpenFlags({ ...state, alerts }, alert.flag.sessionId, delta);
}

function updateHandling(state: LiveExamState, handling: AlertState): LiveExamState {
  let changed = false;
  const alerts = state.alerts.map((a) => {
    if (a.flag.id !== handling.flagId) return a;
    changed = true;
    return { ...a, handling };
  });
  return changed ? { ...state, alerts } : state;
}

/** The tile's thumbnails, moved on to any newer snapshot a health message names. */
function newerSnapshots(
  current: LatestSnapshots,
  told: Partial<LatestSnapshots> | undefined,
): LatestSnapshots {
  if (!told) return current;
  let next = current;
  for (const kind of ['webcam', 'screen'] as const) {
    const shot = told[kind];
    const have = next[kind];
    if (shot && (!have || shot.seq > have.seq)) next = { ...next, [kind]: shot };
  }
  return next;
}

/**
 * Applies one live message. Stored messages at or before the cursor were already part of
 * the state and are skipped, so a replay after reconnecting never counts anything twice.
 */
export function applyLiveMessage(state: LiveExamState, message: LiveMessage): LiveExamState {
  if (message.id > 0) {
    if (message.id <= state.cursor) return state;
    state = { ...state, cursor: message.id };
  }
  switch (message.topic) {
    case 'session.state': {
      const tile = state.tiles[message.data.id];
      if (!tile) return { ...state, stale: true };
      const counts = moveCount(state.counts, tile.session.state, message.data.state);
      return withTile({ ...state, counts }, message.data.id, (t) => ({
        ...t,
        session: message.data,
      }));
    }
    case 'session.risk':
      return withTile(state, message.data.sessionId, (tile) =>
        tile.risk === message.data.score ? tile : { ...tile, risk: message.data.score },
      );
    case 'session.health':
      return withTile(state, message.data.sessionId, (tile) => ({
        ...tile,
        health: message.data,
        latest: newerSnapshots(tile.latest, message.data.latest),
      }));
    case 'flag.created':
    case 'flag.updated':
      return upsertAlert(state, message.data);
    case 'alert.updated':
      return updateHandling(state, message.data);
    case 'ready':
      return message.data.cursor > state.cursor ? { ...state, cursor: message.data.cursor } : state;
    case 'chat.message':
      return applyChat(state, message.data);
    case 'chat.unread':
      return applyUnread(state, message.data);
    case 'hand':
      return { ...state, helpRequests: upsertHand(state.helpRequests, message.data) };
    case 'rtc.link':
      return { ...state, rtcLinks: upsertLink(state.rtcLinks, message.data) };
    case 'intervention':
    case 'rtc.signal':
    case 'rtc.error':
    case 'heartbeat':
    case 'resync':
      return state;
  }
}

/** Applies a batch of messages in order (one render per batch). */
export function applyLiveMessages(
  state: LiveExamState,
  messages: readonly LiveMessage[],
): LiveExamState {
  return messages.reduce(applyLiveMessage, state);
}

function sameTile(a: LiveSessionTile, b: LiveSessionTile): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The state from a freshly fetched snapshot, keeping the previous objects of tiles that did
 * not change (so their components do not render again), then re-applying the messages that
 * arrived while it was being fetched and are newer than it.
 */
export function reconcileSnapshot(
  previous: LiveExamState | null,
  snapshot: LiveExamSnapshot,
  recent: readonly LiveMessage[] = [],
): LiveExamState {
  const fresh = stateFromSnapshot(snapshot);
  if (previous) {
    for (const id of fresh.order) {
      const old = previous.tiles[id];
      const now = fresh.tiles[id];
      if (old && now && sameTile(old, now)) fresh.tiles[id] = old;
    }
    // The snapshot has no announcements: keep the ones that came live.
    fresh.announcements = previous.announcements;
  }
  return applyLiveMessages(fresh, recent);
}

/** Every tile, in the snapshot's order. */
export function tileList(state: LiveExamState): LiveSessionTile[] {
  const list: LiveSessionTile[] = [];
  for (const id of state.order) {
    const tile = state.tiles[id];
    if (tile) list.push(tile);
  }
  return list;
}

/** Unacknowledged alerts per session id. */
export function unacknowledgedBySession(alerts: readonly Alert[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const alert of alerts) {
    if (alert.handling.acknowledgedAt) continue;
    counts.set(alert.flag.sessionId, (counts.get(alert.flag.sessionId) ?? 0) + 1);
  }
  return counts;
}
