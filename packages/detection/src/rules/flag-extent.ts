import type { Condition, StoredFlag } from './types.js';

/**
 * Evidence is append-only: a condition derived again under a stored flag's key is never
 * smaller than that flag. Its start never moves later; a stored end never moves earlier; an
 * open flag, once closed, ends no earlier than the moment the server last saw it open (a
 * back-dated "it ended" cannot shorten what the server already saw; that moment is server
 * time, mapped to the condition's clock by `clockOffsetMs`, client − server, for conditions
 * on the student's clock); a condition still open stays open (flags may grow). Observations
 * a stored flag names stay named.
 */
export function extendToStored(
  c: Condition,
  stored: StoredFlag | undefined,
  clockOffsetMs = 0,
): Condition {
  if (!stored) return c;
  const startMs = Math.min(c.startMs, stored.startMs);
  let endMs = c.endMs;
  if (endMs !== null) {
    const seenOpen =
      stored.seenOpenMs === undefined ? undefined : stored.seenOpenMs + clockOffsetMs;
    const floor = stored.endMs ?? seenOpen ?? stored.startMs;
    endMs = Math.max(endMs, floor, startMs);
  }
  const kept = stored.snapshotIds ?? [];
  const snapshotIds =
    c.snapshotIds.length === 0 || kept.length === 0
      ? c.snapshotIds
      : [...kept, ...c.snapshotIds.filter((id) => !kept.includes(id))];
  return { ...c, startMs, endMs, snapshotIds };
}

/** The stored flags by key, for extendToStored. */
export function storedByKey(stored: readonly StoredFlag[] = []): Map<string, StoredFlag> {
  return new Map(stored.map((f) => [f.key, f]));
}
