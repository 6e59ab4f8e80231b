import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { faceCountClass } from '../analysis.js';
import { measureFaceQuality } from '../face-quality.js';
import { normaliseLighting, reduceNoise, type RgbImage } from '../image-ops.js';
import { decodeImage } from '../node/decode.js';
import { NodeDetector, type NodeAnalysis } from '../node/node-detector.js';
import { DEFAULT_THRESHOLDS } from '../thresholds.js';
import { loadDataset, type LabelledFrame } from './dataset.js';
import { degrade, DEGRADATIONS, type Degradation } from './degrade.js';
import {
  identityReport,
  summarise,
  type IdentityReport,
  type ProbeOutcome,
} from './identity-eval.js';
import { writeQualityOutputs } from './quality-outputs.js';
import {
  EVAL_THRESHOLDS,
  objectOutcome,
  objectsSection,
  writeObjectOutputs,
  type ObjectOutcome,
} from './object-eval.js';
import {
  accuracy,
  confusion,
  precision,
  recall,
  spoofFalsePositiveRate,
  spoofThresholdFor,
} from './metrics.js';

/** A condition the detectors are measured under: the frames as they are, or degraded. */
type Variant = 'normal' | Degradation;

/** Per-frame outcome kept for the report. */
interface FrameOutcome {
  frame: LabelledFrame;
  analysis: NodeAnalysis | null;
  error?: string;
}

/** The measured figures for one variant (or one lighting group). */
export interface DecisionReport {
  frames: number;
  faceCount: { accuracy: number; confusion: Record<string, Record<string, number>> };
  headTurned: { accuracy: number; n: number };
  phone: { accuracy: number; precision: number; recall: number; positives: number };
  book: { accuracy: number; precision: number; recall: number; positives: number };
  /** Identity under the quality gate (see identity-eval.ts). */
  identity?: IdentityReport;
  /**
   * Anti-spoof on real faces (the frames are all live people): of the frames with exactly
   * one face, the share whose `real` score is below the product threshold.
   */
  spoof: { oneFace: number; flagged: number; fpr: number; threshold: number; reals: number[] };
  msPerFrame: { median: number };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

function spoofReport(outcomes: FrameOutcome[]): DecisionReport['spoof'] {
  const reals = outcomes
    .flatMap((o) => (o.analysis?.faces.length === 1 ? [o.analysis.faces[0]?.real ?? 0] : []))
    .sort((a, b) => a - b);
  const threshold = DEFAULT_THRESHOLDS.spoofReal;
  return {
    oneFace: reals.length,
    flagged: reals.filter((r) => r < threshold).length,
    fpr: spoofFalsePositiveRate(reals, threshold),
    threshold,
    reals,
  };
}

function decisions(outcomes: FrameOutcome[]): Omit<DecisionReport, 'identity'> {
  const classes = ['0', '1', '2+'];
  const matrix: Record<string, Record<string, number>> = Object.fromEntries(
    classes.map((c) => [c, Object.fromEntries(classes.map((p) => [p, 0]))]),
  );
  let right = 0;
  for (const o of outcomes) {
    const predicted = o.analysis ? faceCountClass(o.analysis) : '0';
    matrix[o.frame.faces]![predicted]!++;
    if (predicted === o.frame.faces) right++;
  }
  const head = confusion(
    outcomes.map((o) => ({
      label: o.frame.headTurned,
      predicted: o.analysis?.faces[0]?.headTurned ?? false,
    })),
  );
  // The eval's detector reports objects from a low floor (object-eval.ts): decide at the
  // product's thresholds here.
  const min: Record<string, number> = {
    'cell phone': DEFAULT_THRESHOLDS.phoneMinScore,
    book: DEFAULT_THRESHOLDS.bookMinScore,
  };
  const has = (o: FrameOutcome, label: string) =>
    o.analysis?.objects.some((x) => x.label === label && x.score >= (min[label] ?? 0)) ?? false;
  const phone = confusion(
    outcomes.map((o) => ({ label: o.frame.phone, predicted: has(o, 'cell phone') })),
  );
  const book = confusion(outcomes.map((o) => ({ label: o.frame.book, predicted: has(o, 'book') })));
  return {
    frames: outcomes.length,
    faceCount: { accuracy: right / outcomes.length, confusion: matrix },
    headTurned: { accuracy: accuracy(head), n: head.tp + head.tn + head.fp + head.fn },
    phone: {
      accuracy: accuracy(phone),
      precision: precision(phone),
      recall: recall(phone),
      positives: phone.tp + phone.fn,
    },
    book: {
      accuracy: accuracy(book),
      precision: precision(book),
      recall: recall(book),
      positives: book.tp + book.fn,
    },
    spoof: spoofReport(outcomes),
    msPerFrame: {
      median: median(outcomes.flatMap((o) => (o.analysis ? [o.analysis.timings.total ?? 0] : []))),
    },
  };
}

const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(100 * x).toFixed(1).padStart(5)}%`);

/** The report as aligned text, one row per variant or lighting group. */
export function formatReport(rows: Array<[string, DecisionReport]>): string {
  const head =
    'condition        frames  faces(0/1/2+)  head-turned  phone P / R        book P / R         identity EER / abst. spoof FPR (n)   ms/frame';
  const lines = rows.map(([name, r]) => {
    const id = r.identity ? `${pct(r.identity.eer)} / ${pct(r.identity.abstention)}` : '        -';
    return [
      name.padEnd(16),
      String(r.frames).padStart(6),
      `  ${pct(r.faceCount.accuracy)}      `,
      `   ${pct(r.headTurned.accuracy)}  `,
      ` ${pct(r.phone.precision)} / ${pct(r.phone.recall)} `,
      ` ${pct(r.book.precision)} / ${pct(r.book.recall)} `,
      `  ${id.padEnd(18)}`,
      `  ${pct(r.spoof.fpr)} (${r.spoof.flagged}/${r.spoof.oneFace})`.padEnd(16),
      String(Math.round(r.msPerFrame.median)).padStart(8),
    ].join('');
  });
  return [head, ...lines].join('\n');
}

/** Options of `npm run eval`. */
export interface EvalOptions {
  data: string;
  variants: Variant[];
  json?: string | undefined;
  /**
   * Rewrite the report's generated sections and the detectors' quality files (only when
   * every condition was measured, so a partial run never overwrites full figures).
   */
  write?: boolean;
  log: (line: string) => void;
}

/**
 * Run the product's detectors over a labelled folder, as-is and under each simulated
 * degradation, and report every decision's accuracy.
 */
export async function runEval(options: EvalOptions): Promise<Record<string, DecisionReport>> {
  const data = await loadDataset(options.data);
  const detector = await NodeDetector.create(EVAL_THRESHOLDS);
  options.log(
    `models: ${detector.models.library}; ${data.frames.length} frames, ${data.pairs.length} pairs`,
  );
  const originals = new Map<string, RgbImage>();
  for (const f of new Set([
    ...data.frames.map((x) => x.file),
    ...data.pairs.flatMap((p) => [p.a, p.b]),
  ])) {
    originals.set(f, decodeImage(await readFile(join(data.dir, f))));
  }
  const report: Record<string, DecisionReport> = {};
  const rows: Array<[string, DecisionReport]> = [];
  let enrolled = new Map<string, number[] | undefined>();
  const objectsBy: Record<string, ObjectOutcome[]> = {};
  for (const variant of options.variants) {
    const outcomes: FrameOutcome[] = [];
    const objectOutcomes: ObjectOutcome[] = (objectsBy[variant] = []);
    const embeddings = new Map<string, number[] | undefined>();
    const probes = new Map<string, ProbeOutcome>();
    const frames = new Map(data.frames.map((f) => [f.file, f]));
    const files = new Set([...frames.keys(), ...data.pairs.map((p) => p.b)]);
    for (const file of files) {
      const original = originals.get(file)!;
      const image = variant === 'normal' ? original : degrade(original, variant);
      const analysis = await detector.analyze(image);
      embeddings.set(file, analysis.embedding);
      const main = analysis.faces[0];
      probes.set(file, {
        faces: analysis.faces.length,
        embedding: analysis.embedding,
        quality: analysis.faceQuality,
        facts: main ? measureFaceQuality(image, normaliseLighting(reduceNoise(image)), main) : null,
      });
      const frame = frames.get(file);
      if (frame) outcomes.push({ frame, analysis });
      if (frame) objectOutcomes.push(await objectOutcome(detector, frame, image, analysis));
    }
    if (variant === 'normal') enrolled = embeddings;
    else if (enrolled.size === 0) {
      for (const p of data.pairs)
        if (!enrolled.has(p.a))
          enrolled.set(p.a, (await detector.analyze(originals.get(p.a)!)).embedding);
    }
    const r: DecisionReport = { ...decisions(outcomes) };
    const identity = identityReport(data.pairs, enrolled, probes);
    if (identity) r.identity = identity;
    report[variant] = r;
    rows.push([variant, r]);
    if (variant === 'normal') {
      const groups = [...new Set(data.frames.map((f) => f.lighting ?? 'normal'))];
      for (const g of groups) {
        const sub: DecisionReport = decisions(
          outcomes.filter((o) => (o.frame.lighting ?? 'normal') === g),
        );
        // Identity by the probe's lighting label.
        const lit = identity?.scored.filter((x) => (frames.get(x.b)?.lighting ?? 'normal') === g);
        if (lit?.length) sub.identity = summarise(lit);
        report[`lighting:${g}`] = sub;
        rows.push([`  lighting ${g}`, sub]);
      }
    }
    options.log(`${variant} done`);
  }
  options.log('');
  options.log(formatReport(rows));
  for (const [name, id] of Object.entries(report).flatMap(([n, r]) =>
    r.identity ? [[n, r.identity] as const] : [],
  )) {
    options.log(
      `identity ${name}: decided ${id.decided}/${id.pairs} (abstained ${pct(id.abstention)}: ${JSON.stringify(id.abstainedBy)}); EER ${pct(id.eer)} at ${id.eerThreshold.toFixed(3)}; at ${id.atProductThreshold.threshold}: FAR ${pct(id.atProductThreshold.far)}, FRR ${pct(id.atProductThreshold.frr)}; ungated EER ${pct(id.ungated.eer)}`,
    );
  }
  options.log('');
  options.log(spoofSummary(report));
  if (objectsBy.normal) options.log(`\nphones and books:\n${objectsSection(objectsBy)}`);
  if (options.json)
    await writeFile(
      options.json,
      JSON.stringify({ models: detector.models, thresholds: DEFAULT_THRESHOLDS, report }, null, 2),
    );
  const complete = ['normal', ...DEGRADATIONS].every((v) => report[v]);
  if (options.write && complete) {
    const written = await writeQualityOutputs(report, data, detector.models);
    written.push(...(await writeObjectOutputs(objectsBy, data, detector.models)));
    options.log(`wrote ${written.join(', ')}`);
  } else if (options.write) {
    options.log(
      'report and quality files not written: only a full run (every condition) writes them',
    );
  }
  return report;
}

/** Spoof false-positive budget on real faces, and the lowest threshold the product uses. */
const SPOOF_MAX_FPR = 0.02;
const SPOOF_MIN_THRESHOLD = 0.3;

/**
 * The anti-spoof lines: the product threshold, the threshold the development set supports
 * (normal-frame FPR within 2 %, never below 0.3), the score spread and FPR at other thresholds.
 */
function spoofSummary(report: Record<string, DecisionReport>): string {
  const lines: string[] = [];
  const normal = report.normal?.spoof;
  const threshold = DEFAULT_THRESHOLDS.spoofReal;
  if (normal && normal.oneFace > 0) {
    const suggested = spoofThresholdFor(
      normal.reals,
      SPOOF_MAX_FPR,
      threshold,
      SPOOF_MIN_THRESHOLD,
    );
    const q = (p: number) => normal.reals[Math.floor(p * (normal.reals.length - 1))]!.toFixed(2);
    lines.push(
      `spoof (real faces only: FPR, recall unknown): product threshold ${threshold}: normal FPR ${pct(normal.fpr)} (${normal.flagged}/${normal.oneFace}); supported threshold (FPR <= ${100 * SPOOF_MAX_FPR} %, >= ${SPOOF_MIN_THRESHOLD}): ${suggested}`,
    );
    lines.push(
      `  normal real scores: min ${q(0)}, 2nd pct ${q(0.02)}, 5th pct ${q(0.05)}, median ${q(0.5)}; lowest: ${normal.reals
        .slice(0, 5)
        .map((r) => r.toFixed(2))
        .join(', ')}`,
    );
  }
  const grid = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];
  lines.push(`  FPR by threshold   ${grid.map((t) => String(t).padStart(6)).join(' ')}`);
  for (const [name, r] of Object.entries(report)) {
    if (name.startsWith('lighting:') || r.spoof.oneFace === 0) continue;
    const rates = grid.map((t) => pct(spoofFalsePositiveRate(r.spoof.reals, t)));
    lines.push(`  ${name.padEnd(17)}${rates.join(' ')}`);
  }
  return lines.join('\n');
}
