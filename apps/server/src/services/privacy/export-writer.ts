import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { contentTypeExtension } from '@invigil/contracts';
import { DataKeyMissingError } from '../../adapters/encrypted.blob-store.js';
import type { DbOrTx } from '../../db/database.js';
import type { BlobStore } from '../../ports/blob-store.port.js';
import { exportReadme } from './export-readme.js';
import {
  sessionAnswers,
  sessionChat,
  sessionDocument,
  sessionEventLines,
  sessionFlags,
  sessionMedia,
  sessionNoteList,
  sessionVerdict,
  type MediaItem,
} from './session-records.js';
import {
  sessionEnded,
  subjectProfile,
  subjectRegistrations,
  subjectSessions,
} from './subject-records.js';

/** One file of the zip: its path and how to open its bytes (undefined: no longer stored). */
interface Entry {
  path: string;
  /** Media is already compressed: stored as is, which costs no CPU. */
  compress: boolean;
  open(): Promise<Readable | undefined>;
}

/** What the writer reads from. */
export interface ExportSources {
  db: DbOrTx;
  blobs: BlobStore;
}

/** Told after each file: files written and in all. */
export type ProgressReport = (done: number, total: number) => Promise<void>;

/** The subject of an export no longer exists. */
export class SubjectGoneError extends Error {
  override name = 'SubjectGoneError';
}

/** A JSON file, read from the database only when its turn comes. */
const json = (load: () => unknown) => async () =>
  Readable.from([Buffer.from(JSON.stringify(await load(), null, 2) + '\n')]);

/** A path segment from stored values that are allow-listed already, made safe regardless. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'file';

/** Where a stored file goes: `media/<track>/`, `media/snapshots/<kind>/`, `media/identity/`. */
export function mediaPath(sessionId: string, m: MediaItem): string {
  const file = `${String(m.seq).padStart(5, '0')}.${contentTypeExtension(m.contentType)}`;
  const base = `sessions/${safe(sessionId)}/media`;
  if (m.kind === 'segment') return `${base}/${safe(m.name)}/${file}`;
  if (m.kind === 'identity') return `${base}/identity/${safe(m.name)}-${file}`;
  return `${base}/snapshots/${safe(m.name)}/${file}`;
}

/** A stored file's bytes; undefined when it is gone (deleted, or its key erased). */
async function openStored(blobs: BlobStore, key: string): Promise<Readable | undefined> {
  try {
    return (await blobs.get(key))?.stream;
  } catch (error) {
    if (error instanceof DataKeyMissingError) return undefined;
    throw error;
  }
}

/** Every file of the export but the README, in the order they are written. */
async function plan(src: ExportSources, userId: string) {
  const { db, blobs } = src;
  const profile = await subjectProfile(db, userId);
  if (!profile) throw new SubjectGoneError('The account of this export no longer exists');
  const entries: Entry[] = [
    { path: 'profile.json', compress: true, open: json(() => profile) },
    {
      path: 'registrations.json',
      compress: true,
      open: json(() => subjectRegistrations(db, userId)),
    },
  ];
  const sessions = await subjectSessions(db, userId);
  let mediaFiles = 0;
  for (const s of sessions) {
    const id = s.session.id;
    const dir = `sessions/${safe(id)}`;
    const ended = sessionEnded(s.session);
    entries.push(
      { path: `${dir}/session.json`, compress: true, open: json(() => sessionDocument(db, s)) },
      {
        path: `${dir}/events.ndjson`,
        compress: true,
        open: async () => Readable.from(sessionEventLines(db, s)),
      },
      {
        path: `${dir}/flags.json`,
        compress: true,
        open: json(() => (ended ? sessionFlags(db, id) : [])),
      },
      {
        path: `${dir}/notes.json`,
        compress: true,
        open: json(() => (ended ? sessionNoteList(db, id) : [])),
      },
      { path: `${dir}/verdict.json`, compress: true, open: json(() => sessionVerdict(db, id)) },
      { path: `${dir}/answers.json`, compress: true, open: json(() => sessionAnswers(db, s)) },
      { path: `${dir}/chat.json`, compress: true, open: json(() => sessionChat(db, id)) },
    );
    for (const m of await sessionMedia(db, id)) {
      mediaFiles += 1;
      entries.push({
        path: mediaPath(id, m),
        compress: false,
        open: () => openStored(blobs, m.blobKey),
      });
    }
  }
  return { profile, entries, sessions: sessions.length, mediaFiles };
}

/**
 * Write the zip of everything held about `userId` into `sink`, one file at a time: each
 * file's stream is opened only when the previous one has gone into the zip, so at most one
 * blob is open and nothing is held whole in memory (yazl streams each entry and writes the
 * central directory at the end). Stored files that are gone are listed in the README.
 */
export async function writeSubjectZip(
  src: ExportSources,
  userId: string,
  sink: Writable,
  opts: { now: Date; progress: ProgressReport; signal?: AbortSignal },
): Promise<void> {
  const p = await plan(src, userId);
  const total = p.entries.length + 1;
  await opts.progress(0, total);
  const zip = new ZipFile();
  let zipError: (e: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    zipError = reject;
  });
  failed.catch(() => undefined);
  zip.on('error', (e) => zipError(e));
  const out = pipeline(zip.outputStream, sink);
  out.catch(() => undefined);
  const mtime = opts.now;
  const missing: string[] = [];
  try {
    let done = 0;
    for (const entry of p.entries) {
      opts.signal?.throwIfAborted();
      const source = await entry.open();
      if (source) {
        const pass = new PassThrough();
        zip.addReadStream(pass, entry.path, { compress: entry.compress, mtime });
        await Promise.race([pipeline(source, pass), failed, out]);
      } else {
        missing.push(entry.path);
      }
      done += 1;
      await opts.progress(done, total);
    }
    const readme = exportReadme({
      name: p.profile.name,
      email: p.profile.email,
      generatedAt: opts.now,
      sessions: p.sessions,
      mediaFiles: p.mediaFiles - missing.length,
      missing,
    });
    zip.addBuffer(Buffer.from(readme), 'README.txt', { mtime });
    zip.end();
    await Promise.race([out, failed]);
    await opts.progress(total, total);
  } catch (error) {
    sink.destroy();
    throw error;
  }
}
