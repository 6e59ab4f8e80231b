import type { ClientEvent, ClientEventType } from '@invigil/contracts';

type EventData = NonNullable<ClientEvent['data']>;

/** Where batches go: the upload queue. */
export interface EventSink {
  addEvents(events: Omit<ClientEvent, 'seq'>[]): Promise<unknown>;
}

/**
 * Collects integrity events from the page (tab hidden, focus lost, clipboard, printing,
 * fullscreen, network, display changes) and hands them to the upload queue in batches every
 * couple of seconds. The queue persists them and gives each its sequence number.
 */
export class EventCollector {
  private buffer: Omit<ClientEvent, 'seq'>[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private detachers: (() => void)[] = [];

  constructor(
    private readonly sink: EventSink,
    private readonly options: { flushMs?: number; now?: () => number; onOnline?: () => void } = {},
  ) {}

  /**
   * Records one event (sent with the next batch). `at` defaults to now; detectors pass the
   * moment a condition began, which they confirm only a little later.
   */
  record(type: ClientEventType, data: EventData = {}, at?: number): void {
    this.buffer.push({ type, at: at ?? (this.options.now ?? Date.now)(), data });
  }

  /** Hands the buffered events to the queue now. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, 500);
    try {
      await this.sink.addEvents(batch);
    } catch {
      // Storage failed: keep them for the next flush.
      this.buffer.unshift(...batch);
    }
    if (this.buffer.length > 0) await this.flush();
  }

  /** Starts listening to the page and flushing periodically; idempotent. */
  attach(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 2000);
    const on = <K extends string>(
      target: EventTarget,
      name: K,
      handler: (event: Event) => void,
      options?: AddEventListenerOptions,
    ) => {
      target.addEventListener(name, handler, options);
      this.detachers.push(() => target.removeEventListener(name, handler, options));
    };
    on(document, 'visibilitychange', () =>
      this.record(document.visibilityState === 'hidden' ? 'page.hidden' : 'page.visible'),
    );
    on(window, 'blur', () => this.record('window.blur'));
    on(window, 'focus', () => this.record('window.focus'));
    on(document, 'fullscreenchange', () =>
      this.record(document.fullscreenElement ? 'fullscreen.enter' : 'fullscreen.exit'),
    );
    // `blocked`: the exam page's restrictions (exam-restrictions.ts) stopped it, earlier.
    for (const kind of ['copy', 'cut', 'paste'] as const) {
      on(document, kind, (event) =>
        this.record(`clipboard.${kind}`, {
          target: describeTarget(event.target),
          blocked: event.defaultPrevented,
        }),
      );
    }
    on(document, 'contextmenu', (event) =>
      this.record('contextmenu', {
        target: describeTarget(event.target),
        blocked: event.defaultPrevented,
      }),
    );
    // Printing cannot be stopped from the page; under the restriction it prints a blank page.
    on(window, 'beforeprint', () =>
      this.record('print.attempt', {
        blocked: document.documentElement.classList.contains('exam-print-blocked'),
      }),
    );
    on(window, 'offline', () => this.record('network.offline'));
    on(window, 'online', () => {
      this.record('network.online');
      this.options.onOnline?.();
    });
    on(window, 'pagehide', () => {
      this.record('page.unload');
      void this.flush();
    });
    const screen = window.screen as Screen & Partial<EventTarget> & { isExtended?: boolean };
    if (typeof screen.addEventListener === 'function') {
      on(screen as EventTarget, 'change', () =>
        this.record('display.changed', {
          isExtended: typeof screen.isExtended === 'boolean' ? screen.isExtended : null,
          width: screen.width,
          height: screen.height,
        }),
      );
    }
    this.record('page.load', { userAgent: navigator.userAgent.slice(0, 300) });
  }

  /** Stops listening and flushes what is left. */
  async detach(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const detach of this.detachers.splice(0)) detach();
    await this.flush();
  }
}

function describeTarget(target: EventTarget | null): string {
  if (!(target instanceof Element)) return 'page';
  const label = target.getAttribute('aria-label') ?? target.id;
  return `${target.tagName.toLowerCase()}${label ? `#${label.slice(0, 60)}` : ''}`;
}
