import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { UPLOAD_REFUSED_EVENT } from '@invigil/contracts';
import { mediaSegments, sessionEvents, snapshots } from '../../src/db/schema.js';
import { startTestServer, type Engine, type TestServer } from './test-server.js';

/** One minute, in milliseconds. */
export const MIN = 60_000;

/** A stored upload refusal: who recorded it and what it says (never the refused bytes). */
export interface Refusal {
  source: string;
  data: unknown;
}

/** The server of a tampered-uploads test file, and what its tests read back from its database. */
export interface TamperedUploadsServer {
  readonly server: TestServer;
  db(): TestServer['instance']['database']['db'];
  /** The media segment rows of a session. */
  segmentRows(sessionId: string): Promise<(typeof mediaSegments.$inferSelect)[]>;
  /** The snapshot rows of a session. */
  snapshotRows(sessionId: string): Promise<(typeof snapshots.$inferSelect)[]>;
  /** The upload refusals recorded as evidence on a session. */
  refusals(sessionId: string): Promise<Refusal[]>;
}

/** Start a server for one tampered-uploads test file (before its tests; closed after them). */
export function useTamperedUploadsServer(engine: Engine): TamperedUploadsServer {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  const db = () => server.instance.database.db;
  return {
    get server() {
      return server;
    },
    db,
    segmentRows: (sessionId) =>
      db().select().from(mediaSegments).where(eq(mediaSegments.sessionId, sessionId)),
    snapshotRows: (sessionId) =>
      db().select().from(snapshots).where(eq(snapshots.sessionId, sessionId)),
    refusals: async (sessionId) =>
      (
        await db()
          .select()
          .from(sessionEvents)
          .where(
            and(
              eq(sessionEvents.sessionId, sessionId),
              eq(sessionEvents.type, UPLOAD_REFUSED_EVENT),
            ),
          )
      ).map((e) => ({ source: e.source, data: e.data })),
  };
}
