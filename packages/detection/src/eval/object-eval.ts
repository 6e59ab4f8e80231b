import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DetectorQuality, type DetectorQualityMetric } from '@invigil/contracts';
import type { FrameAnalysis, ModelInfo } from '../analysis.js';
import type { RgbImage } from '../image-ops.js';
import type { NodeDetector } from '../node/node-detector.js';
import { DEFAULT_THRESHOLDS, type DetectionThresholds } from '../thresholds.js';
import type { Dataset, LabelledFrame } from './dataset.js';
import { DEGRADATIONS } from './degrade.js';
import {
  leaveGroupOut,
  pointAt,
  SWEEP,
  type OperatingPoint,
  type ScoredFrame,
} from './object-sweep.js';
import { writeReportSection } from './report-section.js';
import { table as markdownTable } from './quality-outputs.js';

/**
 * The eval's detector reports objects down to this score, so that any threshold can be
 * judged afterwards; the product's decision is then `score ≥ its threshold`, the same as
 * thresholding each detection before the merge (a merged object keeps its best score).
 */
export const OBJECT_SCORE_FLOOR = 0.1;

/** The thresholds the eval's detector runs with: objects from the floor, the rest as shipped. */
export const EVAL_THRESHOLDS: DetectionThresholds = {
  ...DEFAULT_THRESHOLDS,
  phoneMinScore: OBJECT_SCORE_FLOOR,
  bookMinScore: OBJECT_SCORE_FLOOR,
};

/** The phone target: recall at least this at precision at least this. */
export const PHONE_TARGET = { recall: 0.8, precision: 0.8 } as const;

type ObjectLabel = 'cell phone' | 'book';

/** One labelled frame's objects: best score at each scale, and what the scales cost. */
export interface ObjectOutcome {
  file: string;
  group: string;
  phone: boolean;
  book: boolean;
  /** Best score over one object pass on the whole (padded) frame. */
  whole: Record<ObjectLabel, number>;
  /** Best score with the overlapping tiles merged in (the multi-scale option). */
  multi: Record<ObjectLabel, number>;
  /** Object pass on the whole frame, ms; the four tiles, ms; the full analysis (no tiles), ms. */
  ms: { whole: number; tiles: number; total: number };
}

const OBJECTS_ONLY = {
  faces: false,
  pose: false,
  embedding: false,
  objects: true,
  liveness: false,
};

const best = (a: Pick<FrameAnalysis, 'objects'>, label: ObjectLabel) =>
  Math.max(0, ...a.objects.filter((o) => o.label === label).map((o) => o.score));

/**
 * Measure one frame's objects: two passes, objects only, give the single-scale figures (the
 * product's default) and the multi-scale ones (tiles merged in); `analysis` is the product's
 * full analysis of `image`, for its cost.
 */
export async function objectOutcome(
  detector: NodeDetector,
  frame: LabelledFrame,
  image: RgbImage,
  analysis: FrameAnalysis,
): Promise<ObjectOutcome> {
  const whole = await detector.analyze(image, {
    parts: OBJECTS_ONLY,
    tiles: false,
    objectTiles: false,
  });
  // The product analyses without tiles by default, so the multi-scale figures need a pass of
  // their own: objects only, the whole frame and the overlapping tiles merged.
  const multi = await detector.analyze(image, {
    parts: OBJECTS_ONLY,
    tiles: false,
    objectTiles: true,
  });
  return {
    file: frame.file,
    group: frame.source?.path ?? frame.file,
    phone: frame.phone,
    book: frame.book,
    whole: { 'cell phone': best(whole, 'cell phone'), book: best(whole, 'book') },
    multi: { 'cell phone': best(multi, 'cell phone'), book: best(multi, 'book') },
    ms: {
      whole: whole.timings.detect ?? 0,
      tiles: multi.timings.objectTiles ?? 0,
      total: analysis.timings.total ?? 0,
    },
  };
}

const scored = (outcomes: readonly ObjectOutcome[], label: ObjectLabel, multi: boolean) =>
  outcomes.map((o): ScoredFrame => ({
    group: o.group,
    label: label === 'book' ? o.book : o.phone,
    score: (multi ? o.multi : o.whole)[label],
  }));

const percent = (x: number) => (Number.isNaN(x) ? '–' : `${Math.round(x * 1000) / 10} %`);
const pr = (p: OperatingPoint) =>
  `${percent(p.precision)} / ${percent(p.recall)} (${p.tp}/${p.positives}, ${p.fp} false)`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const thresholdOf = (label: ObjectLabel) =>
  label === 'book' ? DEFAULT_THRESHOLDS.bookMinScore : DEFAULT_THRESHOLDS.phoneMinScore;

const CONDITIONS: Record<string, string> = {
  normal: 'normal',
  dark: 'dark (simulated)',
  noisy: 'noisy (simulated)',
  lowres: 'low resolution',
  backlit: 'backlit (sim.)',
};

/** A table as the formatter lays it out: the first column left, the figures right-aligned. */
function table(head: string[], body: string[][]): string {
  return markdownTable(
    head,
    body,
    head.map((_, i) => i > 0),
  );
}

/** The cost figures: medians over the normal frames, ms. */
export function objectCost(outcomes: readonly ObjectOutcome[]): {
  whole: number;
  tiles: number;
  total: number;
  withTiles: number;
} {
  return {
    whole: median(outcomes.map((o) => o.ms.whole)),
    tiles: median(outcomes.map((o) => o.ms.tiles)),
    total: median(outcomes.map((o) => o.ms.total)),
    withTiles: median(outcomes.map((o) => o.ms.total + o.ms.tiles)),
  };
}

/** The `phones` section of the quality report: phones and books, one scale against two. */
export function objectsSection(byCondition: Record<string, ObjectOutcome[]>): string {
  const normal = byCondition.normal ?? [];
  const pictures = new Set(normal.filter((o) => o.phone).map((o) => o.group)).size;
  const phoneT = thresholdOf('cell phone');
  const bookT = thresholdOf('book');
  const intro =
    `Measured on ${new Date().toISOString().slice(0, 10)}, ${normal.length} frames: ` +
    `${normal.filter((o) => o.phone).length} with a phone (made from ${pictures} pictures), ` +
    `${normal.filter((o) => o.book).length} with a book. "whole frame" is one object pass ` +
    `over the padded frame (what the product does by default); "multi-scale" adds the ` +
    `2 × 2 overlapping tiles, merged (the option that is off by default, see above). ` +
    `Precision / recall at the product thresholds (phone ≥ ${phoneT}, book ≥ ${bookT}).`;
  const rows = ['normal', ...DEGRADATIONS.filter((v) => byCondition[v])].map((v) => {
    const o = byCondition[v]!;
    return [
      CONDITIONS[v] ?? v,
      pr(pointAt(scored(o, 'cell phone', false), phoneT)),
      pr(pointAt(scored(o, 'cell phone', true), phoneT)),
      pr(pointAt(scored(o, 'book', false), bookT)),
      pr(pointAt(scored(o, 'book', true), bookT)),
    ];
  });
  const sweep = table(
    ['threshold', 'phone, whole frame', 'phone, multi-scale', 'book, multi-scale'],
    SWEEP.map((t) => [
      String(t),
      pr(pointAt(scored(normal, 'cell phone', false), t)),
      pr(pointAt(scored(normal, 'cell phone', true), t)),
      pr(pointAt(scored(normal, 'book', true), t)),
    ]),
  );
  const out = (label: ObjectLabel, multi: boolean) => {
    const r = leaveGroupOut(scored(normal, label, multi), PHONE_TARGET.precision);
    return `${pr(r)}, thresholds chosen ${r.thresholds.join(' – ')}`;
  };
  const missed = [...new Set(normal.filter((o) => o.phone).map((o) => o.group))].map((g) => {
    const of = normal.filter((o) => o.phone && o.group === g);
    const found = of.filter((o) => o.multi['cell phone'] >= phoneT).length;
    const top = Math.max(...of.map((o) => o.multi['cell phone']));
    return `${g.split('/').pop()}: ${found}/${of.length} (best score ${top.toFixed(2)})`;
  });
  const c = objectCost(normal);
  return [
    intro,
    table(
      [
        'condition',
        'phone, whole frame',
        'phone, multi-scale',
        'book, whole frame',
        'book, multi-scale',
      ],
      rows,
    ),
    'Threshold sweep on the normal frames (precision / recall):',
    sweep,
    `Leave one picture out (normal frames; for each picture, the threshold with the best recall ` +
      `at precision ≥ ${percent(PHONE_TARGET.precision)} on all the other pictures, applied to ` +
      `that picture's frames): phone, multi-scale ${out('cell phone', true)}; phone, whole frame ` +
      `${out('cell phone', false)}; book, multi-scale ${out('book', true)}.`,
    `Phone frames found per picture (normal, multi-scale): ${missed.join('; ')}.`,
    `Cost per analysed frame (median over the normal frames, Node, tfjs wasm, this machine): ` +
      `object pass on the whole frame ${Math.round(c.whole)} ms; the four tiles ` +
      `${Math.round(c.tiles)} ms; the server's whole analysis ${Math.round(c.total)} ms as ` +
      `shipped, ${Math.round(c.withTiles)} ms with the tiles.`,
  ].join('\n\n');
}

const metric = (label: string, value: number, target?: number): DetectorQualityMetric =>
  target === undefined
    ? { label, value: percent(value), target: null, met: null }
    : { label, value: percent(value), target: `≥ ${percent(target)}`, met: value >= target };

/** The quality files of the phone and book detectors. */
export function objectQualities(
  byCondition: Record<string, ObjectOutcome[]>,
  data: Dataset,
  models: ModelInfo,
): DetectorQuality[] {
  const normal = byCondition.normal ?? [];
  const c = objectCost(normal);
  const base = {
    model: `${models.objects}, one pass over the padded frame (${models.library})`,
    measuredAt: new Date().toISOString().slice(0, 10),
    cost:
      `${Math.round(c.whole)} ms per analysed frame for the object pass (Node, tfjs wasm); ` +
      `the optional 2 × 2 tiles add ${Math.round(c.tiles)} ms`,
  };
  const worst = (label: ObjectLabel) =>
    Math.min(
      ...DEGRADATIONS.flatMap((v) =>
        byCondition[v]
          ? [pointAt(scored(byCondition[v], label, false), thresholdOf(label)).recall]
          : [],
      ),
    );
  const qualities = (['cell phone', 'book'] as const).map((label) => {
    const positives = normal.filter((o) => (label === 'book' ? o.book : o.phone));
    // The product's default: the whole frame, no tiles.
    const p = pointAt(scored(normal, label, false), thresholdOf(label));
    const held = leaveGroupOut(scored(normal, label, false), PHONE_TARGET.precision);
    const target = label === 'cell phone' ? PHONE_TARGET : undefined;
    return DetectorQuality.parse({
      detector: label === 'book' ? 'book' : 'phone',
      ...base,
      dataset:
        `development set: ${normal.length} labelled frames (${positives.length} with a ` +
        `${label === 'book' ? 'book' : 'phone'}, from ${new Set(positives.map((o) => o.group)).size} ` +
        `pictures; ${data.frames.length} frames in all), and simulated dark, noisy, low-resolution ` +
        `and backlit copies`,
      metrics: [
        metric('recall', p.recall, target?.recall),
        metric('precision', p.precision, target?.precision),
        metric('recall, threshold chosen without the picture (leave one out)', held.recall),
        metric('recall, worst simulated condition', worst(label)),
      ],
    });
  });
  return qualities;
}

/** Write the `phones` report section and phone.json / book.json; returns the paths written. */
export async function writeObjectOutputs(
  byCondition: Record<string, ObjectOutcome[]>,
  data: Dataset,
  models: ModelInfo,
  root = process.cwd(),
): Promise<string[]> {
  await writeReportSection(
    join(root, 'docs/detection-quality.md'),
    'phones',
    objectsSection(byCondition),
  );
  const written = ['docs/detection-quality.md (phones)'];
  await mkdir(join(root, 'packages/detection/quality'), { recursive: true });
  for (const q of objectQualities(byCondition, data, models)) {
    const path = `packages/detection/quality/${q.detector}.json`;
    await writeFile(join(root, path), `${JSON.stringify(q, null, 2)}\n`);
    written.push(path);
  }
  return written;
}
