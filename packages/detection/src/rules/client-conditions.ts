import { DetectStateData, type DetectorName } from '@invigil/contracts';
import type { Condition, RuleEvent } from './types.js';

/** The model name behind tab_switch conditions: the browser's Page Visibility API. */
export const PAGE_VISIBILITY_MODEL = 'page visibility';
/** The model name behind fullscreen_exit conditions: the browser's Fullscreen API. */
export const FULLSCREEN_MODEL = 'fullscreen api';

interface Open {
  startMs: number;
  confidence: number;
  model: string;
  value: number | undefined;
  /**
   * Whether a trusted event started or repeated it: then an untrusted end does not close it
   * at its own time, only when it arrived (`closeByMs`).
   */
  trusted: boolean;
  /**
   * An untrusted end arrived for it: it ends there (its receipt on the student's clock) unless
   * a trusted end closes it earlier, or a new start shows it still holds.
   */
  closeByMs?: number;
}

function detailOf(type: DetectorName, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (type === 'multiple_faces') return `${value} faces`;
  if (type === 'head_turned') return `yaw ${Math.round(value)}°`;
  if (type === 'identity_mismatch') return `similarity ${value.toFixed(2)}`;
  if (type === 'poor_camera') return `face quality ${value.toFixed(2)}`;
  if (type === 'voice') return `${Math.round(value)} dBFS`;
  return undefined;
}

/**
 * The browser's conditions: each `detect.state` start/end pair per detector, and each
 * `page.hidden` → `page.visible` stretch as tab_switch, each `fullscreen.exit` →
 * `fullscreen.enter` stretch as fullscreen_exit. A repeated start extends the open
 * condition (keeping the first start, the highest confidence); an end without a start is
 * ignored; a condition never ended stays open. `client_integrity` is never taken from
 * the client: only the server decides whether the client can be trusted.
 *
 * Events the server did not trust on arrival (late, out of order, dated ahead) can only add:
 * an untrusted start opens or extends a condition, but an untrusted end never shortens one a
 * trusted event opened or extended — a back-dated "it ended" cannot hide what was reported in
 * time. Such an end closes it only as of its arrival: its server receipt mapped to the
 * student's clock (`receivedMs + offsetMs`, `offsetMs` = client − server, see
 * `estimateClockOffset`), or its own time if later — unless a trusted end closes it before
 * that, or a new start shows it still holds. So a condition reported in time is never left
 * open to the end of the exam by an honest outage, whose "it ended" can only arrive late. (An
 * end whose receipt is unknown leaves it open.) An untrusted end does close a stretch
 * reported wholly by untrusted events (a late backlog's own start and end), which the server
 * never saw open, at its own time.
 */
export function clientConditions(events: readonly RuleEvent[], offsetMs = 0): Condition[] {
  const open = new Map<DetectorName, Open>();
  const out: Condition[] = [];
  const finish = (type: DetectorName, o: Open, endMs: number | null) => {
    open.delete(type);
    const detail = detailOf(type, o.value);
    out.push({
      key: `client:${type}:${o.startMs}`,
      type,
      source: 'client',
      startMs: o.startMs,
      endMs,
      confidence: o.confidence,
      model: o.model,
      instant: false,
      snapshotIds: [],
      ...(detail !== undefined && { detail }),
    });
  };
  const close = (type: DetectorName, e: RuleEvent) => {
    const o = open.get(type);
    if (!o) return;
    if (!e.untrusted || !o.trusted) return finish(type, o, e.atMs);
    if (e.receivedMs === undefined) return;
    const arrived = Math.max(e.atMs, e.receivedMs + offsetMs);
    o.closeByMs = Math.min(o.closeByMs ?? arrived, arrived);
  };
  /** Conditions whose untrusted end arrived before `atMs` end there. */
  const closeArrived = (atMs: number) => {
    for (const [type, o] of [...open]) {
      if (o.closeByMs !== undefined && o.closeByMs < atMs) finish(type, o, o.closeByMs);
    }
  };
  const start = (
    type: DetectorName,
    atMs: number,
    confidence: number,
    model: string,
    trusted: boolean,
    value?: number,
  ) => {
    const o = open.get(type);
    if (o) {
      o.confidence = Math.max(o.confidence, confidence);
      if (value !== undefined) o.value = o.value === undefined ? value : Math.max(o.value, value);
      o.trusted ||= trusted;
      delete o.closeByMs;
      return;
    }
    open.set(type, { startMs: atMs, confidence, model, value, trusted });
  };

  for (const e of events) {
    if (e.source !== 'client') continue;
    closeArrived(e.atMs);
    const untrusted = Boolean(e.untrusted);
    if (e.type === 'page.hidden') {
      start('tab_switch', e.atMs, 1, PAGE_VISIBILITY_MODEL, !untrusted);
    } else if (e.type === 'page.visible') close('tab_switch', e);
    else if (e.type === 'fullscreen.exit') {
      start('fullscreen_exit', e.atMs, 1, FULLSCREEN_MODEL, !untrusted);
    } else if (e.type === 'fullscreen.enter') close('fullscreen_exit', e);
    else if (e.type === 'detect.state') {
      const parsed = DetectStateData.safeParse(e.data);
      if (!parsed.success || parsed.data.detector === 'client_integrity') continue;
      const d = parsed.data;
      if (d.active) start(d.detector, e.atMs, d.confidence, d.model, !untrusted, d.value);
      else close(d.detector, e);
    }
  }
  for (const [type, o] of [...open]) finish(type, o, o.closeByMs ?? null);
  return out;
}
