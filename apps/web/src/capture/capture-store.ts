import type { ClientEvent, MediaTrack, SnapshotKind } from '@invigil/contracts';

/** What an upload item carries. */
export type ItemKind = 'media' | 'snapshot' | 'events';

/** The metadata of one persisted upload (everything but the bytes). */
export interface ItemMeta {
  /** `${sessionId}/${group}/${seq}`: unique per session, group and sequence number. */
  key: string;
  sessionId: string;
  kind: ItemKind;
  /** The media track (kind 'media') or the snapshot kind (kind 'snapshot'); '' for events. */
  name: string;
  /** The first sequence number (for events, the seq of the first event in the batch). */
  seq: number;
  contentType: string;
  sizeBytes: number;
  /** Hex SHA-256 of the bytes ('' for event batches, which are JSON). */
  sha256: string;
  /** Segments: capture start and end, epoch ms. */
  startMs?: number;
  endMs?: number;
  /** Snapshots: when the picture was taken, epoch ms. */
  takenMs?: number;
  /** When the item was persisted (epoch ms): the upload order. */
  createdAt: number;
  /** Number of events in an event batch. */
  eventCount?: number;
}

/** A persisted upload with its payload. */
export interface StoredItem extends ItemMeta {
  /** The bytes of a segment or snapshot. */
  bytes?: ArrayBuffer;
  /** The events of a batch, each with its own seq. */
  events?: ClientEvent[];
}

/** A new media segment, before a sequence number is assigned. */
export interface NewMedia {
  kind: 'media';
  track: MediaTrack;
  bytes: ArrayBuffer;
  sha256: string;
  contentType: string;
  startMs: number;
  endMs: number;
}

/** A new snapshot, before a sequence number is assigned. */
export interface NewSnapshot {
  kind: 'snapshot';
  snapshotKind: SnapshotKind;
  bytes: ArrayBuffer;
  sha256: string;
  contentType: string;
  takenMs: number;
}

/** New events, before sequence numbers are assigned. */
export interface NewEvents {
  kind: 'events';
  events: Omit<ClientEvent, 'seq'>[];
}

/** Anything that can be queued. */
export type NewItem = NewMedia | NewSnapshot | NewEvents;

const DB_NAME = 'invigil-capture';
const DB_VERSION = 1;
const ITEMS = 'items';
const COUNTERS = 'counters';

/** The counter group of an item: one sequence per media track, per snapshot kind, and events. */
export function groupOf(item: NewItem): string {
  switch (item.kind) {
    case 'media':
      return `media:${item.track}`;
    case 'snapshot':
      return `snapshot:${item.snapshotKind}`;
    case 'events':
      return 'events';
  }
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Strips the payload from an item. */
export function metaOf(item: StoredItem): ItemMeta {
  const { bytes: _bytes, events: _events, ...meta } = item;
  return meta;
}

/**
 * The browser-side store of everything not yet acknowledged by the server: segments,
 * snapshots and event batches (IndexedDB, so they survive reloads and crashes), plus the
 * per-session sequence counters, so that a reload never reuses a sequence number.
 */
export class CaptureStore {
  private dbPromise: Promise<IDBDatabase> | null = null;
  /** Last createdAt handed out: two items persisted in the same millisecond still keep their order. */
  private lastCreatedAt = 0;

  constructor(private readonly factory: IDBFactory = indexedDB) {}

  private db(): Promise<IDBDatabase> {
    if (!this.dbPromise) {
      this.dbPromise = new Promise((resolve, reject) => {
        const open = this.factory.open(DB_NAME, DB_VERSION);
        open.onupgradeneeded = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(ITEMS)) {
            const items = db.createObjectStore(ITEMS, { keyPath: 'key' });
            items.createIndex('bySession', 'sessionId');
          }
          if (!db.objectStoreNames.contains(COUNTERS)) {
            db.createObjectStore(COUNTERS, { keyPath: 'key' });
          }
        };
        open.onsuccess = () => {
          const db = open.result;
          // Another tab upgrading the schema: let it, we reopen on next use.
          db.onversionchange = () => {
            db.close();
            this.dbPromise = null;
          };
          resolve(db);
        };
        open.onerror = () => reject(open.error ?? new Error('Cannot open IndexedDB'));
        open.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
      });
      this.dbPromise.catch(() => {
        this.dbPromise = null;
      });
    }
    return this.dbPromise;
  }

  /**
   * Persists a new item and gives it the next sequence number(s) of its group in one
   * transaction; an event batch takes one number per event.
   */
  async add(sessionId: string, item: NewItem, now: number): Promise<StoredItem> {
    const db = await this.db();
    const createdAt = Math.max(now, this.lastCreatedAt + 1);
    this.lastCreatedAt = createdAt;
    const tx = db.transaction([ITEMS, COUNTERS], 'readwrite');
    const group = groupOf(item);
    const counterKey = `${sessionId}/${group}`;
    const counters = tx.objectStore(COUNTERS);
    const items = tx.objectStore(ITEMS);
    const result = new Promise<StoredItem>((resolve, reject) => {
      const get = counters.get(counterKey);
      get.onerror = () => reject(get.error ?? new Error('counter read failed'));
      get.onsuccess = () => {
        const current = (get.result as { next: number } | undefined)?.next ?? 0;
        const count = item.kind === 'events' ? item.events.length : 1;
        counters.put({ key: counterKey, next: current + count });
        const stored = toStored(sessionId, group, current, item, createdAt);
        items.put(stored);
        resolve(stored);
      };
    });
    await done(tx);
    return result;
  }

  /** Raises a group's next sequence number to at least `next` (e.g. after a lost profile). */
  async raiseCounter(sessionId: string, group: string, next: number): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(COUNTERS, 'readwrite');
    const store = tx.objectStore(COUNTERS);
    const key = `${sessionId}/${group}`;
    const get = store.get(key);
    get.onsuccess = () => {
      const current = (get.result as { next: number } | undefined)?.next ?? 0;
      if (next > current) store.put({ key, next });
    };
    await done(tx);
  }

  /** The next sequence number a group would get. */
  async peekCounter(sessionId: string, group: string): Promise<number> {
    const db = await this.db();
    const tx = db.transaction(COUNTERS, 'readonly');
    const row = await request(tx.objectStore(COUNTERS).get(`${sessionId}/${group}`));
    return (row as { next: number } | undefined)?.next ?? 0;
  }

  /** Metadata of every pending item of a session, oldest first. */
  async list(sessionId: string): Promise<ItemMeta[]> {
    const db = await this.db();
    const tx = db.transaction(ITEMS, 'readonly');
    const index = tx.objectStore(ITEMS).index('bySession');
    const metas: ItemMeta[] = [];
    await new Promise<void>((resolve, reject) => {
      const cursor = index.openCursor(sessionId);
      cursor.onerror = () => reject(cursor.error ?? new Error('cursor failed'));
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) {
          resolve();
          return;
        }
        metas.push(metaOf(c.value as StoredItem));
        c.continue();
      };
    });
    return metas.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }

  /** One item with its payload, or undefined when it is gone. */
  async get(key: string): Promise<StoredItem | undefined> {
    const db = await this.db();
    const tx = db.transaction(ITEMS, 'readonly');
    return (await request(tx.objectStore(ITEMS).get(key))) as StoredItem | undefined;
  }

  /** Removes an acknowledged item. */
  async remove(key: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(ITEMS, 'readwrite');
    tx.objectStore(ITEMS).delete(key);
    await done(tx);
  }

  /** Closes the database connection (tests; a new store reopens it). */
  async close(): Promise<void> {
    if (!this.dbPromise) return;
    const db = await this.dbPromise.catch(() => null);
    db?.close();
    this.dbPromise = null;
  }
}

function toStored(
  sessionId: string,
  group: string,
  seq: number,
  item: NewItem,
  now: number,
): StoredItem {
  const base = { key: `${sessionId}/${group}/${seq}`, sessionId, seq, createdAt: now };
  switch (item.kind) {
    case 'media':
      return {
        ...base,
        kind: 'media',
        name: item.track,
        contentType: item.contentType,
        sizeBytes: item.bytes.byteLength,
        sha256: item.sha256,
        startMs: item.startMs,
        endMs: item.endMs,
        bytes: item.bytes,
      };
    case 'snapshot':
      return {
        ...base,
        kind: 'snapshot',
        name: item.snapshotKind,
        contentType: item.contentType,
        sizeBytes: item.bytes.byteLength,
        sha256: item.sha256,
        takenMs: item.takenMs,
        bytes: item.bytes,
      };
    case 'events': {
      const events: ClientEvent[] = item.events.map((e, i) => ({ ...e, seq: seq + i }));
      return {
        ...base,
        kind: 'events',
        name: '',
        contentType: 'application/json',
        sizeBytes: JSON.stringify(events).length,
        sha256: '',
        eventCount: events.length,
        events,
      };
    }
  }
}
