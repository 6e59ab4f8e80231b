import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { MEDIA_CONTENT_TYPES } from '@invigil/contracts';
import { openDatabase } from '../src/db/open-database.js';
import { parseUploadType } from '../src/http/recording/content-type.js';
import { migrationsDir } from '../src/paths.js';
import { createPgDatabase, engines, type Engine } from './helpers/test-server.js';

/** The last migration of the schema before evidence integrity. */
const BEFORE = '0004_proctoring';

/** A copy of the migrations folder that stops at `lastTag`, as an older release shipped it. */
function migrationsUpTo(lastTag: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-migrations-'));
  cpSync(migrationsDir(), dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  if (last < 0) throw new Error(`No migration ${lastTag}`);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

interface RawDb {
  run(query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

async function openRaw(engine: Engine): Promise<RawDb> {
  if (engine === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const client = await PGlite.create();
    const db = drizzle(client);
    return {
      run: async (q) => (await db.execute(q)).rows as Record<string, unknown>[],
      migrate: (migrationsFolder) => migrate(db, { migrationsFolder }),
      close: () => client.close(),
    };
  }
  const pg = await import('pg');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const adminUrl = inject('postgresAdminUrl');
  if (!adminUrl) throw new Error('PostgreSQL leg requested but no server was started');
  const created = await createPgDatabase(adminUrl);
  const pool = new pg.default.Pool({ connectionString: created.url, max: 2 });
  const db = drizzle(pool);
  return {
    run: async (q) => (await db.execute(q)).rows as Record<string, unknown>[],
    migrate: (migrationsFolder) => migrate(db, { migrationsFolder }),
    close: async () => {
      await pool.end();
      await created.drop();
    },
  };
}

/** A student, an exam, a registration and a session in `state`, written with raw SQL. */
async function insertSession(raw: RawDb, state: string): Promise<{ sid: string; examId: string }> {
  const [student] = await raw.run(sql`
    insert into users (email, name, role, password_hash)
    values (${`s-${state}@example.test`}, 'Sam', 'student', 'x') returning id`);
  const [exam] = await raw.run(sql`
    insert into exams (title, opens_at, closes_at, duration_minutes, capacity,
                       registration_deadline, policy)
    values ('Old exam', now(), now() + interval '1 day', 60, 10, now(), '{}'::jsonb)
    returning id`);
  const [reg] = await raw.run(sql`
    insert into registrations (exam_id, student_id) values (${exam!.id}, ${student!.id})
    returning id`);
  const [session] = await raw.run(sql`
    insert into exam_sessions (registration_id, exam_id, student_id, state)
    values (${reg!.id}, ${exam!.id}, ${student!.id}, ${state}) returning id`);
  return { sid: session!.id as string, examId: exam!.id as string };
}

describe.each(engines())('upgrading a database from the previous release on %s', (engine) => {
  let raw: RawDb | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  it('keeps recordings and live messages, moves allow-listed codecs out of stored types, numbers student messages', async () => {
    raw = await openRaw(engine);
    await raw.migrate(migrationsUpTo(BEFORE));
    const { sid, examId } = await insertSession(raw, 'submitted');
    // Types as browsers and tampered clients sent them, and the codecs an upload keeps today.
    const segmentTypes: [string, string | null][] = [
      ['video/webm;codecs=vp8,opus', 'vp8,opus'],
      ['Video/WebM; Codecs="VP9, Opus"', 'vp9,opus'],
      ['video/mp4;codecs=avc1.42E01E,mp4a.40.2', 'avc1.42e01e,mp4a.40.2'],
      ['audio/webm;codecs=opus;x=,text/html', 'opus'],
      ['video/webm;codecs=vp8,opus,vorbis', null],
      ['video/webm;codecs="<script>",opus', null],
      ['video/webm;x=,text/html', null],
      ['video/webm', null],
    ];
    for (const [seq, [type]] of segmentTypes.entries()) {
      await raw.run(sql`
        insert into media_segments (session_id, track, seq, start_ms, end_ms, size_bytes, sha256,
                                    content_type, blob_key)
        values (${sid}, 'webcam', ${seq}, 1, 2, 3, 'aa', ${type}, ${`k0-${seq}`})`);
    }
    await raw.run(sql`
      insert into snapshots (session_id, kind, seq, taken_ms, size_bytes, sha256, content_type,
                             blob_key)
      values (${sid}, 'webcam', 0, 1, 3, 'bb', 'IMAGE/JPEG;x=,text/html', 'k1')`);
    for (const audience of ['student', 'staff', 'student', 'staff', 'student']) {
      await raw.run(sql`
        insert into live_messages (exam_id, session_id, audience, topic, data)
        values (${examId}, ${sid}, ${audience}, 'session.state', '{}'::jsonb)`);
    }

    await raw.migrate(migrationsDir());

    const segments = await raw.run(
      sql`select content_type, codecs from media_segments where session_id = ${sid} order by seq`,
    );
    expect(segments).toEqual(
      segmentTypes.map(([type, codecs]) => ({
        content_type: type.split(';')[0]!.trim().toLowerCase(),
        codecs,
      })),
    );
    // The same codecs as an upload with that type would keep.
    for (const [type, codecs] of segmentTypes) {
      expect(parseUploadType(type, MEDIA_CONTENT_TYPES, true)?.codecs, type).toBe(codecs);
    }
    const [snapshot] = await raw.run(
      sql`select content_type from snapshots where session_id = ${sid}`,
    );
    expect(snapshot).toEqual({ content_type: 'image/jpeg' });
    const live = await raw.run(sql`
      select audience, student_seq from live_messages where session_id = ${sid} order by id`);
    expect(
      live.map((m) => [m.audience, m.student_seq === null ? null : Number(m.student_seq)]),
    ).toEqual([
      ['student', 1],
      ['staff', null],
      ['student', 2],
      ['staff', null],
      ['student', 3],
    ]);
    const [counter] = await raw.run(
      sql`select last_seq from live_student_counters where session_id = ${sid}`,
    );
    expect(Number(counter!.last_seq)).toBe(3);
  });

  it('gives stored segments and snapshots the running byte totals the upload quota reads', async () => {
    raw = await openRaw(engine);
    await raw.migrate(migrationsUpTo('0007_password_resets'));
    const { sid } = await insertSession(raw, 'in_progress');
    // Received out of sequence order, on two tracks.
    const segments: [string, number, number, string][] = [
      ['webcam', 0, 100, '2030-01-01T09:00:06Z'],
      ['webcam', 2, 300, '2030-01-01T09:00:18Z'],
      ['screen', 0, 1000, '2030-01-01T09:00:07Z'],
      ['webcam', 1, 200, '2030-01-01T09:00:30Z'],
    ];
    for (const [track, seq, size, at] of segments) {
      await raw.run(sql`
        insert into media_segments (session_id, track, seq, start_ms, end_ms, size_bytes, sha256,
                                    content_type, blob_key, received_at)
        values (${sid}, ${track}, ${seq}, 1, 2, ${size}, 'aa', 'video/webm', ${`k-${track}-${seq}`},
                ${at})`);
    }
    for (const [kind, seq, size] of [
      ['webcam', 0, 10],
      ['webcam', 1, 20],
      ['id_face', 0, 5],
    ] as const) {
      await raw.run(sql`
        insert into snapshots (session_id, kind, seq, taken_ms, size_bytes, sha256, content_type,
                               blob_key, received_at)
        values (${sid}, ${kind}, ${seq}, 1, ${size}, 'bb', 'image/jpeg', ${`s-${kind}-${seq}`},
                ${`2030-01-01T09:00:0${seq}Z`})`);
    }

    await raw.migrate(migrationsDir());

    const totals = await raw.run(sql`
      select track, seq, track_bytes from media_segments where session_id = ${sid}
      order by track, seq`);
    expect(totals.map((r) => [r.track, r.seq, Number(r.track_bytes)])).toEqual([
      ['screen', 0, 1000],
      ['webcam', 0, 100],
      ['webcam', 1, 600],
      ['webcam', 2, 400],
    ]);
    const shots = await raw.run(sql`
      select kind, seq, kind_bytes from snapshots where session_id = ${sid} order by kind, seq`);
    expect(shots.map((r) => [r.kind, r.seq, Number(r.kind_bytes)])).toEqual([
      ['id_face', 0, 5],
      ['webcam', 0, 10],
      ['webcam', 1, 30],
    ]);
  });

  it('turns stored one-answer multiple-choice questions into single choice, answers intact', async () => {
    raw = await openRaw(engine);
    await raw.migrate(migrationsUpTo('0010_question_marks'));
    const { sid, examId } = await insertSession(raw, 'submitted');
    const [mc] = await raw.run(sql`
      insert into questions (exam_id, position, kind, prompt, options, correct_option, points)
      values (${examId}, 0, 'multiple_choice', 'Pick', '["a","b"]'::jsonb, 1, 2) returning id`);
    await raw.run(sql`
      insert into questions (exam_id, position, kind, prompt, points)
      values (${examId}, 1, 'short_text', 'Say', 3)`);
    await raw.run(sql`
      insert into answers (session_id, question_id, value)
      values (${sid}, ${mc!.id}, '{"choice":1}'::jsonb)`);

    await raw.migrate(migrationsDir());

    const rows = await raw.run(sql`
      select kind, correct_option, correct_options, numeric_answer from questions
      where exam_id = ${examId} order by position`);
    expect(rows).toEqual([
      { kind: 'single_choice', correct_option: 1, correct_options: null, numeric_answer: null },
      { kind: 'short_text', correct_option: null, correct_options: null, numeric_answer: null },
    ]);
    const [answer] = await raw.run(sql`
      select value, grade_points from answers where session_id = ${sid}`);
    expect(answer).toEqual({ value: { choice: 1 }, grade_points: null });
  });
});

describe.skipIf(!inject('postgresAdminUrl'))('migrating from several processes at once', () => {
  it('applies each migration once while the others wait for the lock', async () => {
    const created = await createPgDatabase(inject('postgresAdminUrl') as string);
    const handles = await Promise.all(
      [0, 1, 2].map(() => openDatabase({ kind: 'postgres', url: created.url })),
    );
    try {
      await Promise.all(handles.map((h) => h.migrate()));
      const { rows } = (await handles[0]!.db.execute(
        sql`select count(*)::int as applied, count(distinct hash)::int as distinct_hashes
            from drizzle.__drizzle_migrations`,
      )) as unknown as { rows: unknown[] };
      const journal = JSON.parse(
        readFileSync(path.join(migrationsDir(), 'meta', '_journal.json'), 'utf8'),
      ) as { entries: unknown[] };
      expect(rows[0]).toEqual({
        applied: journal.entries.length,
        distinct_hashes: journal.entries.length,
      });
    } finally {
      for (const h of handles) await h.close();
      await created.drop();
    }
  });
});
