import type { AnswerValue } from '@invigil/contracts';
import { ApiError } from '../../api/errors';
import { backoffDelay } from '../../capture/backoff';

/** Where one answer stands. */
export type SaveState = 'saved' | 'pending' | 'saving' | 'retrying' | 'closed';

/** Saves one answer on the server. */
export type SaveFn = (questionId: string, value: AnswerValue) => Promise<unknown>;

interface Entry {
  value: AnswerValue;
  /** Bumped on every change, so an older save finishing does not mark a newer value saved. */
  version: number;
  savedVersion: number;
  state: SaveState;
  timer: ReturnType<typeof setTimeout> | null;
  attempts: number;
  inflight: Promise<void> | null;
}

/** Errors after which saving can never succeed (the attempt is over). */
const CLOSED_CODES = new Set(['EXAM_TIME_OVER', 'SESSION_NOT_ACTIVE', 'ILLEGAL_TRANSITION']);

/**
 * Debounced autosave of answers: a change is saved once typing pauses; a failed save is
 * retried with backoff until it succeeds or the attempt is over. `flush` saves everything
 * now (before submitting).
 */
export class AnswerSaver {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;
  closedReason: string | null = null;

  constructor(
    private readonly save: SaveFn,
    private readonly onChange: () => void,
    private readonly options: { debounceMs?: number; random?: () => number } = {},
  ) {}

  /** Records a new value and schedules its save. */
  set(questionId: string, value: AnswerValue): void {
    if (this.closedReason) return;
    const entry = this.entries.get(questionId) ?? {
      value,
      version: 0,
      savedVersion: 0,
      state: 'pending' as SaveState,
      timer: null,
      attempts: 0,
      inflight: null,
    };
    entry.value = value;
    entry.version += 1;
    entry.state = entry.state === 'retrying' ? 'retrying' : 'pending';
    this.entries.set(questionId, entry);
    this.schedule(questionId, entry, this.options.debounceMs ?? 800);
    this.onChange();
  }

  /** The state of one answer ('saved' when untouched). */
  stateOf(questionId: string): SaveState {
    if (this.closedReason && this.entries.get(questionId)?.state !== 'saved') return 'closed';
    return this.entries.get(questionId)?.state ?? 'saved';
  }

  /** The worst state over all answers. */
  overall(): SaveState {
    const states = [...this.entries.keys()].map((id) => this.stateOf(id));
    for (const s of ['closed', 'retrying', 'saving', 'pending'] as const) {
      if (states.includes(s)) return s;
    }
    return 'saved';
  }

  /** True when at least one answer was changed on this page. */
  get touched(): boolean {
    return this.entries.size > 0;
  }

  /** Saves every unsaved answer now; resolves true when all are saved. */
  async flush(): Promise<boolean> {
    const work: Promise<void>[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.savedVersion === entry.version) continue;
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      work.push(entry.inflight ?? this.run(id, entry, false));
    }
    await Promise.all(work);
    // A value typed during an in-flight save needs one more round.
    if ([...this.entries.values()].some((e) => e.savedVersion !== e.version && !e.inflight)) {
      if (!this.closedReason && [...this.entries.values()].every((e) => e.state !== 'retrying')) {
        return this.flush();
      }
    }
    return [...this.entries.values()].every((e) => e.savedVersion === e.version);
  }

  /**
   * Undoes `dispose`: React may mount, clean up and mount an effect again (StrictMode,
   * a kept-alive view), and the saver must work after the second mount. Unsaved answers are
   * scheduled again.
   */
  resume(): void {
    if (!this.disposed) return;
    this.disposed = false;
    for (const [id, entry] of this.entries) {
      if (entry.savedVersion !== entry.version && !entry.timer && !entry.inflight) {
        this.schedule(id, entry, 0);
      }
    }
  }

  /** Stops all timers. */
  dispose(): void {
    this.disposed = true;
    for (const entry of this.entries.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
    }
  }

  private schedule(id: string, entry: Entry, delayMs: number): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = null;
      if (entry.inflight) {
        // Save again once the running save ends.
        void entry.inflight.then(() => {
          if (entry.savedVersion !== entry.version) this.schedule(id, entry, 0);
        });
        return;
      }
      void this.run(id, entry, true);
    }, delayMs);
  }

  private run(id: string, entry: Entry, retryOnFailure: boolean): Promise<void> {
    if (this.disposed || this.closedReason) return Promise.resolve();
    const version = entry.version;
    entry.state = 'saving';
    this.onChange();
    entry.inflight = this.save(id, entry.value).then(
      () => {
        entry.inflight = null;
        entry.attempts = 0;
        entry.savedVersion = Math.max(entry.savedVersion, version);
        entry.state = entry.savedVersion === entry.version ? 'saved' : 'pending';
        this.onChange();
      },
      (error: unknown) => {
        entry.inflight = null;
        if (error instanceof ApiError && CLOSED_CODES.has(error.code)) {
          this.closedReason = error.code;
          entry.state = 'closed';
          this.onChange();
          return;
        }
        entry.attempts += 1;
        entry.state = 'retrying';
        this.onChange();
        if (retryOnFailure || !this.disposed) {
          this.schedule(id, entry, backoffDelay(entry.attempts, this.options.random));
        }
      },
    );
    return entry.inflight;
  }
}
