import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { preparedStatement } from '../src/db/prepared-statement.js';
import { users } from '../src/db/schema.js';
import { insertUser } from '../src/services/accounts/users.service.js';
import { eventually } from './helpers/eventually.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { checkedIn, putSegment, putSnapshot } from './helpers/recording.js';
import { engines, startTestServer, TEST_PASSWORD, type TestServer } from './helpers/test-server.js';

/**
 * The upload path's statements are built once and prepared by name (db/prepared-statement.ts).
 * What that must not change: a statement bound to a transaction runs on its connection, and
 * on PostgreSQL a connection that is dropped takes its prepared statements with it, so the
 * next one prepares them again instead of failing.
 */
describe.each(engines())('prepared statements on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  const db = () => server.instance.database.db;

  it('runs a statement built on the database inside a transaction, on its connection', async () => {
    const byEmail = preparedStatement(db(), (d) =>
      d
        .select({ id: users.id })
        .from(users)
        .where(eq(users.email, sql.placeholder('email')))
        .prepare('test_user_by_email'),
    );
    const email = `prepared-${Date.now()}@test.invigil.test`;
    const rolledBack = new Error('roll back');
    await expect(
      db().transaction(async (tx) => {
        await insertUser(tx, { email, name: 'Prepared', role: 'student', password: TEST_PASSWORD });
        // The transaction sees its own row through the statement bound to it...
        expect(await byEmail(tx).execute({ email })).toHaveLength(1);
        // ...another connection does not (PGlite has one connection: nothing to compare).
        if (engine === 'postgres') expect(await byEmail(db()).execute({ email })).toEqual([]);
        throw rolledBack;
      }),
    ).rejects.toBe(rolledBack);
    expect(await byEmail(db()).execute({ email })).toEqual([]);
  });

  it.runIf(engine === 'postgres')(
    'keeps uploading after every database connection was dropped: statements are prepared again',
    async () => {
      const f = await checkedIn(server);
      const upload = async (seq: number) => {
        const seg = await putSegment(f.student, f.sessionId, 'webcam', seq, webmBytes(`s${seq}`));
        expect(seg.status, JSON.stringify(seg.body)).toBe(201);
        const shot = await putSnapshot(f.student, f.sessionId, 'webcam', seq, jpegBytes(`p${seq}`));
        expect(shot.status, JSON.stringify(shot.body)).toBe(201);
        const events = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
          events: [{ seq, type: 'window.blur', at: server.clock.now().getTime(), data: {} }],
        });
        expect(events.status, JSON.stringify(events.body)).toBe(200);
        expect(events.body.accepted).toEqual([seq]);
      };
      // Several at once, so several pooled connections prepare the statements.
      await Promise.all([0, 1, 2, 3].map(upload));

      const result = (await db().execute(sql`select current_database() as name`)) as unknown as {
        rows: { name: string }[];
      };
      const name = result.rows[0]?.name ?? '';
      const admin = new pg.Client({
        connectionString: inject('postgresAdminUrl')!.replace(/\/postgres$/, `/${name}`),
      });
      await admin.connect();
      try {
        const killed = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity ' +
            'where datname = current_database() and pid <> pg_backend_pid()',
        );
        console.log(`dropped ${killed.rowCount} connections of the server's pool`);
      } finally {
        await admin.end();
      }
      // The pool notices the dropped connections and opens new ones; then uploads work as before.
      await eventually(async () => expect((await f.student.get('/api/auth/me')).status).toBe(200));
      await Promise.all([4, 5, 6, 7].map(upload));
      const again = await putSegment(f.student, f.sessionId, 'webcam', 4, webmBytes('s4'));
      expect(again.status).toBe(200);
    },
  );
});
