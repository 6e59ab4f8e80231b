import { DEGRADATIONS } from './degrade.js';
import { PHONE_TARGET } from './object-eval.js';
import { percent, table, TARGETS } from './quality-outputs.js';
import type { DecisionReport } from './run-eval.js';

/** Degraded frames may lose at most this many points of accuracy against normal frames. */
export const DEGRADED_MAX_DROP_POINTS = 5;

const met = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'yes' : '**no**');

const ok = (value: number | undefined, target: number, atLeast: boolean): boolean | null =>
  value === undefined || Number.isNaN(value) ? null : atLeast ? value >= target : value <= target;

/** "+2.4" / "−0.8": accuracy points against normal frames (negative: worse). */
function points(delta: number): string {
  const p = Math.round(delta * 1000) / 10;
  return p < 0 ? `−${Math.abs(p)}` : `+${p}`;
}

/** One line of the degraded-frames row: each condition's change against normal. */
function drops(
  report: Record<string, DecisionReport>,
  of: (r: DecisionReport) => number,
): { text: string; worst: number } {
  const normal = of(report.normal!);
  const parts: string[] = [];
  let worst = 0;
  for (const v of DEGRADATIONS) {
    const r = report[v];
    if (!r) continue;
    const delta = of(r) - normal;
    worst = Math.min(worst, delta);
    parts.push(`${v} ${points(delta)}`);
  }
  return { text: parts.join(', '), worst };
}

/**
 * The report's "Against the targets" table, generated from the same run as the other
 * sections (so it cannot disagree with them): each target, the figure on the development set
 * and whether it is met. Voice figures are in the voice section (`npm run eval:audio`).
 */
export function targetsSection(report: Record<string, DecisionReport>): string {
  const n = report.normal!;
  const id = (v: string) => report[v]?.identity;
  const phoneOk =
    n.phone.positives === 0
      ? null
      : n.phone.recall >= PHONE_TARGET.recall && n.phone.precision >= PHONE_TARGET.precision;
  const faces = drops(report, (r) => r.faceCount.accuracy);
  const head = drops(report, (r) => r.headTurned.accuracy);
  const degradedOk = Math.min(faces.worst, head.worst) >= -DEGRADED_MAX_DROP_POINTS / 100 - 1e-9;
  const rows: string[][] = [
    [
      `face count accuracy ≥ ${percent(TARGETS.faceCount)}`,
      `${percent(n.faceCount.accuracy)} on ${n.frames} frames`,
      met(ok(n.faceCount.accuracy, TARGETS.faceCount, true)),
    ],
    [
      `head-turned accuracy ≥ ${percent(TARGETS.headTurned)}`,
      `${percent(n.headTurned.accuracy)} on ${n.headTurned.n} frames`,
      met(ok(n.headTurned.accuracy, TARGETS.headTurned, true)),
    ],
    [
      `phone recall ≥ ${percent(PHONE_TARGET.recall)} at precision ≥ ${percent(PHONE_TARGET.precision)}`,
      `recall ${percent(n.phone.recall)}, precision ${percent(n.phone.precision)} (${n.phone.positives} phone frames; as shipped, no tiles)`,
      met(phoneOk),
    ],
    [
      `identity EER ≤ ${percent(TARGETS.identityEerNormal)}, normal frames (decided pairs)`,
      `${percent(id('normal')?.eer)}, ${percent(id('normal')?.abstention)} abstained`,
      met(ok(id('normal')?.eer, TARGETS.identityEerNormal, false)),
    ],
    [
      `identity EER ≤ ${percent(TARGETS.identityEerPoor)}, dark and noisy frames`,
      `dark ${percent(id('dark')?.eer)}, noisy ${percent(id('noisy')?.eer)}`,
      met(
        ok(id('dark')?.eer, TARGETS.identityEerPoor, false) === null ||
          ok(id('noisy')?.eer, TARGETS.identityEerPoor, false) === null
          ? null
          : ok(id('dark')?.eer, TARGETS.identityEerPoor, false)! &&
              ok(id('noisy')?.eer, TARGETS.identityEerPoor, false)!,
      ),
    ],
    [
      `identity abstention ≤ ${percent(TARGETS.abstentionDark)}, dark frames`,
      percent(id('dark')?.abstention),
      met(ok(id('dark')?.abstention, TARGETS.abstentionDark, false)),
    ],
    [
      `degraded frames within ${DEGRADED_MAX_DROP_POINTS} points of normal (faces, head)`,
      `faces: ${faces.text}; head: ${head.text}`,
      met(degradedOk),
    ],
  ];
  return `Measured on ${new Date().toISOString().slice(0, 10)} by \`npm run eval\`.\n\n${table(
    ['target', 'result on the development set', 'met?'],
    rows,
    [false, false, false],
  )}`;
}
