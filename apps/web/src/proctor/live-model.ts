import type {
  Alert,
  AlertState,
  LatestSnapshots,
  LiveExamSnapshot,
  LiveMessage,
  LiveSessionTile,
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

function removeAlert(state: LiveExamState, flagId: string, sessionId: string): LiveExamState {
  const previous = state.alerts.find((a) => a.flag.id === flagId);
  const alerts = previous ? state.alerts.filter((a) => a.flag.id !== flagId) : state.alerts;
  // A flag older than the feed's hour may go too: it was open unless we know otherwise.
  const delta = previous && !isOpen(previous) ? 0 : -1;
  return bumpOpenFlags({ ...state, alerts }, sessionId, delta);
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
    case 'flag.removed':
      return removeAlert(state, message.data.id, message.data.sessionId);
    case 'alert.updated':
      return updateHandling(state, message.data);
    case 'ready':
      return message.data.cursor > state.cursor ? { ...state, cursor: message.data.cursor } : state;
    case 'intervention':
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
