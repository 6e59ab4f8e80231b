/**
 * The sessions this process has leased analysis jobs for, least recently served first: the
 * order in which sessions take their turns when several have work waiting (round-robin).
 * A session never served here, or forgotten because the list is full, counts as the least
 * recent and goes first. Kept in memory: after a restart every session starts equal, and
 * with several processes each takes turns over the sessions it serves.
 */
export class ServedSessions {
  /** Insertion order is recency: the first key is the least recently served. */
  private readonly recent = new Map<string, true>();

  constructor(private readonly max = 10_000) {}

  /** These sessions were just served, in this order. */
  served(sessionIds: Iterable<string>): void {
    for (const id of sessionIds) {
      this.recent.delete(id);
      this.recent.set(id, true);
    }
    for (const id of this.recent.keys()) {
      if (this.recent.size <= this.max) break;
      this.recent.delete(id);
    }
  }

  /** Session ids, least recently served first. */
  leastRecentFirst(): string[] {
    return [...this.recent.keys()];
  }
}
