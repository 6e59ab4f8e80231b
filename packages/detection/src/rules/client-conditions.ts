import { DetectStateData, type DetectorName } from '@invigil/contracts';
import type { Condition, RuleEvent } from './types.js';

/** The model name behind tab_switch conditions: the browser's Page Visibility API. */
export const PAGE_VISIBILITY_MODEL = 'page visibility';

interface Open {
  startMs: number;
  confidence: number;
  model: string;
  value: number | undefined;
}

function detailOf(type: DetectorName, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (type === 'multiple_faces') return `${value} faces`;
  if (type === 'head_turned') return `yaw ${Math.round(value)}°`;
  if (type === 'identity_mismatch') return `similarity ${value.toFixed(2)}`;
  if (type === 'voice') return `${Math.round(value)} dBFS`;
  return undefined;
}

/**
 * The browser's conditions: each `detect.state` start/end pair per detector, and each
 * `page.hidden` → `page.visible` stretch as tab_switch. A repeated start extends the open
 * condition (keeping the first start, the highest confidence); an end without a start is
 * ignored; a condition never ended stays open. `client_integrity` is never taken from
 * the client: only the server decides whether the client can be trusted.
 */
export function clientConditions(events: readonly RuleEvent[]): Condition[] {
  const open = new Map<DetectorName, Open>();
  const out: Condition[] = [];
  const close = (type: DetectorName, endMs: number | null) => {
    const o = open.get(type);
    if (!o) return;
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
  const start = (
    type: DetectorName,
    atMs: number,
    confidence: number,
    model: string,
    value?: number,
  ) => {
    const o = open.get(type);
    if (o) {
      o.confidence = Math.max(o.confidence, confidence);
      if (value !== undefined) o.value = o.value === undefined ? value : Math.max(o.value, value);
      return;
    }
    open.set(type, { startMs: atMs, confidence, model, value });
  };

  for (const e of events) {
    if (e.source !== 'client') continue;
    if (e.type === 'page.hidden') start('tab_switch', e.atMs, 1, PAGE_VISIBILITY_MODEL);
    else if (e.type === 'page.visible') close('tab_switch', e.atMs);
    else if (e.type === 'detect.state') {
      const parsed = DetectStateData.safeParse(e.data);
      if (!parsed.success || parsed.data.detector === 'client_integrity') continue;
      const d = parsed.data;
      if (d.active) start(d.detector, e.atMs, d.confidence, d.model, d.value);
      else close(d.detector, e.atMs);
    }
  }
  for (const type of [...open.keys()]) close(type, null);
  return out;
}
