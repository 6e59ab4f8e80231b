import { UPLOAD_REFUSED_EVENT, type UploadRefusedData } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../ports/clock.port.js';
import { appendServerEvents } from './session-events.service.js';

/** Error codes that refuse an upload for what it contains: each is evidence. */
export const REFUSED_FOR_CONTENT: ReadonlySet<string> = new Set<UploadRefusedData['code']>([
  'CONTENT_MISMATCH',
  'IMAGE_TOO_LARGE',
  'QUOTA_EXCEEDED',
  'IDENTITY_LOCKED',
]);

/** At most one event per session, code and track or kind in this window. */
export const REFUSAL_EVENT_WINDOW_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Records refused uploads as `upload.refused` server events on the session (never the
 * bytes), throttled to one per session, code and track or kind per minute of server time in
 * this process, so a flood of bad uploads cannot flood the event table.
 */
export class RefusalLog {
  /** When an event was last written, by session, code, target and track or kind. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Record one refusal unless an equal one was recorded within the window; never throws.
   * True when an event was written.
   */
  async record(sessionId: string, data: UploadRefusedData): Promise<boolean> {
    const now = this.clock.now().getTime();
    const key = [sessionId, data.code, data.target, data.track ?? data.kind].join('/');
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < REFUSAL_EVENT_WINDOW_MS) return false;
    this.last.set(key, now);
    if (this.last.size > MAX_REMEMBERED) {
      for (const [k, at] of this.last) {
        if (now - at >= REFUSAL_EVENT_WINDOW_MS) this.last.delete(k);
      }
    }
    return appendServerEvents(this.db, sessionId, [
      { type: UPLOAD_REFUSED_EVENT, data: { ...data } },
    ]).then(
      () => true,
      () => false,
    );
  }
}
