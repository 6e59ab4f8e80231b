import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DetectorQuality, type DetectorQualityMetric } from '@invigil/contracts';
import type { ModelInfo } from '../analysis.js';
import { FACE_QUALITY_LIMITS } from '../face-quality.js';
import { DEFAULT_THRESHOLDS } from '../thresholds.js';
import type { Dataset } from './dataset.js';
import { DEGRADATIONS } from './degrade.js';
import { writeReportSection } from './report-section.js';
import type { DecisionReport } from './run-eval.js';

/** The quality report and the detectors' quality files, relative to the repository root. */
export const REPORT_PATH = 'docs/detection-quality.md';
export const QUALITY_DIR = 'packages/detection/quality';

/** The figures the product is held to (docs/detection-quality.md, "Against the targets"). */
export const TARGETS = {
  faceCount: 0.97,
  headTurned: 0.9,
  identityEerNormal: 0.05,
  identityEerPoor: 0.1,
  abstentionDark: 0.2,
} as const;

const CONDITION_NAMES: Record<string, string> = {
  normal: 'normal',
  dark: 'dark (simulated)',
  noisy: 'noisy (simulated)',
  lowres: 'low resolution',
  backlit: 'backlit (sim.)',
};

/** "98.8 %", "–" for no figure. */
export const percent = (x: number | undefined): string =>
  x === undefined || Number.isNaN(x) ? '–' : `${Math.round(x * 1000) / 10} %`;

const pr = (x: { precision: number; recall: number; positives: number }) =>
  x.positives === 0 && Number.isNaN(x.precision)
    ? '–'
    : `${percent(x.precision)} / ${percent(x.recall)}`;

/** The report's rows: every condition, and the lighting groups after `normal`. */
function rows(report: Record<string, DecisionReport>): Array<[string, DecisionReport]> {
  const out: Array<[string, DecisionReport]> = [];
  for (const v of ['normal', ...DEGRADATIONS]) {
    const r = report[v];
    if (!r) continue;
    out.push([CONDITION_NAMES[v] ?? v, r]);
    if (v !== 'normal') continue;
    for (const [name, sub] of Object.entries(report)) {
      if (name.startsWith('lighting:')) out.push([`lighting: ${name.slice(9)}`, sub]);
    }
  }
  return out;
}

/**
 * A Markdown table laid out as the repository's formatter lays it out (columns padded to
 * their widest cell, right-aligned ones padded on the left), so a regenerated report passes
 * the format check unchanged.
 */
export function table(head: string[], body: string[][], right: boolean[]): string {
  const widths = head.map((h, c) => Math.max(3, h.length, ...body.map((row) => row[c]!.length)));
  const cell = (text: string, c: number) =>
    right[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = widths.map((w, c) => (right[c] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(head), `| ${rule.join(' | ')} |`, ...body.map(line)].join('\n');
}

/** The `frames` section: face count, head turned, phone and book per condition. */
export function framesSection(report: Record<string, DecisionReport>, data: Dataset): string {
  const normal = report.normal!;
  const intro =
    `Measured on ${today()}, ${data.frames.length} frames, with the thresholds above. ` +
    `"faces" is the three-class accuracy (0 / 1 / 2+); "head" is accuracy over the ` +
    `${normal.headTurned.n} frames with a head-turned label; phone and book are precision / ` +
    `recall (${normal.phone.positives} and ${normal.book.positives} positives).`;
  const body = rows(report).map(([name, r]) => [
    name,
    String(r.frames),
    percent(r.faceCount.accuracy),
    percent(r.headTurned.accuracy),
    pr(r.phone),
    pr(r.book),
  ]);
  return `${intro}\n\n${table(
    ['condition', 'frames', 'faces', 'head', 'phone P / R', 'book P / R'],
    body,
    [false, true, true, true, false, false],
  )}`;
}

/** The `identity` section: decided-pair EER, abstention and rates at the product threshold. */
export function identitySection(report: Record<string, DecisionReport>): string {
  const threshold = DEFAULT_THRESHOLDS.identityMatch;
  const body = rows(report).flatMap(([name, r]) => {
    const id = r.identity;
    if (!id) return [];
    const reasons = Object.entries(id.abstainedBy)
      .map(([k, n]) => `${k.replace('_', ' ')} ${n}`)
      .join(', ');
    return [
      [
        name,
        String(id.pairs),
        String(id.decided),
        `${percent(id.abstention)}${reasons ? ` (${reasons})` : ''}`,
        percent(id.eer),
        `${percent(id.atProductThreshold.far)} / ${percent(id.atProductThreshold.frr)}`,
        percent(id.ungated.eer),
      ],
    ];
  });
  const l = FACE_QUALITY_LIMITS;
  const intro =
    `Measured on ${today()}. A pair is decided when the probe's face passes the quality gate ` +
    `(width ≥ ${l.minSizePx} px, brightness ${l.minBrightness}–${l.maxBrightness}, ` +
    `noise ≤ ${l.maxNoisePct} % of the brightness, ` +
    `sharpness ≥ ${l.minSharpness}, |yaw| ≤ ${l.maxYawDeg}°, |pitch| ≤ ${l.maxPitchDeg}°); ` +
    `otherwise it is abstained on ("no face": none found in the probe). EER is over the ` +
    `decided pairs; FAR / FRR at the product threshold (${threshold}) likewise; "ungated" ` +
    `compares every pair as before the gate. Lighting rows group the normal condition's ` +
    `pairs by the probe's lighting label.`;
  return `${intro}\n\n${table(
    ['condition', 'pairs', 'decided', 'abstained', 'EER', 'FAR / FRR', 'ungated EER'],
    body,
    [false, true, true, false, true, false, true],
  )}\n\n${identityTargets(report)}`;
}

function met(ok: boolean): string {
  return ok ? 'yes' : '**no**';
}

/** The identity targets as a list (generated, so it cannot disagree with the table). */
function identityTargets(report: Record<string, DecisionReport>): string {
  const id = (v: string) => report[v]?.identity;
  const line = (label: string, value: number | undefined, target: number, atMost = true) => {
    const ok = value !== undefined && !Number.isNaN(value) && (atMost ? value <= target : false);
    return `- ${label}: ${percent(value)} (target ≤ ${percent(target)}): ${met(ok)}`;
  };
  return [
    line('EER on normal frames, decided pairs', id('normal')?.eer, TARGETS.identityEerNormal),
    line('EER on dark frames, decided pairs', id('dark')?.eer, TARGETS.identityEerPoor),
    line('EER on noisy frames, decided pairs', id('noisy')?.eer, TARGETS.identityEerPoor),
    line('abstention on dark frames', id('dark')?.abstention, TARGETS.abstentionDark),
  ].join('\n');
}

const today = () => new Date().toISOString().slice(0, 10);

function metric(
  label: string,
  value: number,
  target?: number,
  atLeast = true,
): DetectorQualityMetric {
  if (target === undefined) return { label, value: percent(value), target: null, met: null };
  const ok = !Number.isNaN(value) && (atLeast ? value >= target : value <= target);
  return {
    label,
    value: percent(value),
    target: `${atLeast ? '≥' : '≤'} ${percent(target)}`,
    met: ok,
  };
}

/** Of frames labelled `cls`, the share counted as `cls` (recall of one face-count class). */
function classRecall(r: DecisionReport, cls: string): number {
  const row = r.faceCount.confusion[cls] ?? {};
  const total = Object.values(row).reduce((a, b) => a + b, 0);
  return (row[cls] ?? 0) / total;
}

/** Of frames counted as `cls`, the share labelled so (precision of one face-count class). */
function classPrecision(r: DecisionReport, cls: string): number {
  const rowsOf = Object.values(r.faceCount.confusion);
  const predicted = rowsOf.reduce((a, row) => a + (row[cls] ?? 0), 0);
  return (r.faceCount.confusion[cls]?.[cls] ?? 0) / predicted;
}

/** The quality files of the frame detectors this eval measures. */
export function frameDetectorQualities(
  report: Record<string, DecisionReport>,
  data: Dataset,
  models: ModelInfo,
): DetectorQuality[] {
  const normal = report.normal!;
  const worst = (f: (r: DecisionReport) => number) =>
    Math.min(...DEGRADATIONS.flatMap((v) => (report[v] ? [f(report[v])] : [])));
  const dataset =
    `development set: ${data.frames.length} labelled frames, ${data.pairs.length} identity ` +
    `pairs, and simulated dark, noisy, low-resolution and backlit copies`;
  const faceModel = `${models.face} + ${models.mesh} confidence (${models.library})`;
  const cost = Number.isFinite(normal.msPerFrame.median)
    ? `${Math.round(normal.msPerFrame.median)} ms per frame, all detectors (Node, tfjs wasm)`
    : null;
  const base = { measuredAt: today(), dataset, cost };
  const faceCount = metric('face count accuracy', normal.faceCount.accuracy, TARGETS.faceCount);
  const worstCount = metric(
    'face count, worst simulated condition',
    worst((r) => r.faceCount.accuracy),
    TARGETS.faceCount - 0.05,
  );
  const n = report.normal?.identity;
  const dark = report.dark?.identity;
  const noisy = report.noisy?.identity;
  const list: DetectorQuality[] = [
    {
      detector: 'no_face',
      model: faceModel,
      ...base,
      metrics: [
        metric('empty frames recognised', classRecall(normal, '0')),
        metric('"no face" correct', classPrecision(normal, '0')),
        faceCount,
        worstCount,
      ],
    },
    {
      detector: 'multiple_faces',
      model: faceModel,
      ...base,
      metrics: [
        metric('several faces recognised', classRecall(normal, '2+')),
        metric('"several faces" correct', classPrecision(normal, '2+')),
        faceCount,
        worstCount,
      ],
    },
    {
      detector: 'head_turned',
      model: `${models.mesh} yaw / pitch (${models.library})`,
      ...base,
      metrics: [
        metric('head-turned accuracy', normal.headTurned.accuracy, TARGETS.headTurned),
        metric(
          'worst simulated condition',
          worst((r) => r.headTurned.accuracy),
          TARGETS.headTurned - 0.05,
        ),
      ],
    },
  ];
  if (n) {
    const rates = n.atProductThreshold;
    list.push({
      detector: 'identity_mismatch',
      model: `face recognition ResNet-29, 128-d (weights of @vladmandic/face-api 1.7.15), aligned by ${models.mesh} (${models.library})`,
      ...base,
      metrics: [
        metric('equal error rate, decided pairs', n.eer, TARGETS.identityEerNormal, false),
        {
          label: `false accept / reject at ${rates.threshold}`,
          value: `${percent(rates.far)} / ${percent(rates.frr)}`,
          target: null,
          met: null,
        },
        ...(dark
          ? [
              metric('EER, dark', dark.eer, TARGETS.identityEerPoor, false),
              metric('abstained, dark', dark.abstention, TARGETS.abstentionDark, false),
            ]
          : []),
        ...(noisy ? [metric('EER, noisy', noisy.eer, TARGETS.identityEerPoor, false)] : []),
        metric('abstained, normal', n.abstention),
      ],
    });
  }
  return list.map((q) => DetectorQuality.parse(q));
}

/**
 * Write the report's `frames` and `identity` sections and the frame detectors' quality files;
 * returns the paths written. Run from the repository root (as `npm run eval` is).
 */
export async function writeQualityOutputs(
  report: Record<string, DecisionReport>,
  data: Dataset,
  models: ModelInfo,
  root = process.cwd(),
): Promise<string[]> {
  const written: string[] = [];
  const doc = join(root, REPORT_PATH);
  await writeReportSection(doc, 'frames', framesSection(report, data));
  await writeReportSection(doc, 'identity', identitySection(report));
  written.push(REPORT_PATH);
  await mkdir(join(root, QUALITY_DIR), { recursive: true });
  for (const q of frameDetectorQualities(report, data, models)) {
    const path = `${QUALITY_DIR}/${q.detector}.json`;
    await writeFile(join(root, path), `${JSON.stringify(q, null, 2)}\n`);
    written.push(path);
  }
  return written;
}
