import type { DetectorQuality } from '@invigil/contracts';
import { SILERO_MODEL_NAME } from '../voice/silero.js';
import type { AudioManifest } from './generate.js';
import type { AudioEvalResult } from './run-audio-eval.js';
import { ENERGY_THRESHOLD_DB } from './run-audio-eval.js';
import { MIN_COVERAGE, TARGETS, type AudioScore } from './score.js';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const per10 = (x: number) => `${x.toFixed(1)} per 10 min`;

/** What the set holds, in one line. */
export function describeSet(manifest: AudioManifest, result: AudioEvalResult): string {
  const s = result.silero;
  return `generated audio set (${manifest.set}): ${s.sentences} spoken sentences, ${s.nonSpeechMinutes.toFixed(0)} min of non-speech`;
}

/** packages/detection/quality/voice.json. */
export function voiceQuality(
  manifest: AudioManifest,
  result: AudioEvalResult,
  measuredAt: string,
): DetectorQuality {
  const s = result.silero;
  return {
    detector: 'voice',
    model: `${SILERO_MODEL_NAME.replace(')', ', @ricky0123/vad-web 0.0.31)')}`,
    measuredAt,
    dataset: describeSet(manifest, result),
    metrics: [
      {
        label: 'speech recall',
        value: pct(s.recall),
        target: `≥ ${TARGETS.recall * 100} %`,
        met: s.recall >= TARGETS.recall,
      },
      {
        label: 'false alarms',
        value: per10(s.falseAlarmsPer10Min),
        target: `≤ ${TARGETS.falseAlarmsPer10Min} per 10 min`,
        met: s.falseAlarmsPer10Min <= TARGETS.falseAlarmsPer10Min,
      },
    ],
    cost: `${result.sileroMsPerSecond.toFixed(1)} ms of CPU per second of audio (Node, onnxruntime-web wasm, one thread)`,
  };
}

function row(name: string, s: AudioScore): string {
  return `| ${name} | ${pct(s.recall)} (${s.heard}/${s.sentences}) | ${pct(s.speechTimeCovered)} | ${per10(s.falseAlarmsPer10Min)} (${s.falseAlarms} in ${s.nonSpeechMinutes.toFixed(1)} min) |`;
}

/** The `voice` section of docs/detection-quality.md. */
export function voiceSection(
  manifest: AudioManifest,
  result: AudioEvalResult,
  measuredAt: string,
): string {
  const { silero, energy } = result;
  const levels = Object.keys(silero.recallByLevel);
  const kinds = Object.keys(silero.falseAlarmsByKind);
  const cell = (r: { heard: number; of: number } | undefined) => (r ? `${r.heard}/${r.of}` : '–');
  const alarms = (r: { alarms: number } | undefined) => (r ? String(r.alarms) : '–');
  return [
    `Measured ${measuredAt} with \`npm run eval:audio\` on the ${describeSet(manifest, result)}.`,
    `Targets: speech recall ≥ ${TARGETS.recall * 100} %, false alarms ≤ ${TARGETS.falseAlarmsPer10Min} per 10 minutes of non-speech.`,
    `A sentence counts as heard when detected speech covers at least ${MIN_COVERAGE * 100} % of it; a false alarm is`,
    `one stretch of detected speech in a file without speech, before any exam's minimum duration.`,
    '',
    '| Detector | Speech recall (sentences) | Speech time covered | False alarms |',
    '| --- | --- | --- | --- |',
    row('Silero VAD v5, probability ≥ 0.5 (product)', silero),
    row(`Energy, ≥ ${ENERGY_THRESHOLD_DB} dBFS (before)`, energy),
    '',
    `| Sentences heard, by peak level | ${levels.join(' | ')} |`,
    `| --- | ${levels.map(() => '---').join(' | ')} |`,
    `| Silero | ${levels.map((l) => cell(silero.recallByLevel[l])).join(' | ')} |`,
    `| Energy | ${levels.map((l) => cell(energy.recallByLevel[l])).join(' | ')} |`,
    '',
    `| False alarms, by sound | ${kinds.map((k) => k.replace('_', ' ')).join(' | ')} |`,
    `| --- | ${kinds.map(() => '---').join(' | ')} |`,
    `| Silero | ${kinds.map((k) => alarms(silero.falseAlarmsByKind[k])).join(' | ')} |`,
    `| Energy | ${kinds.map((k) => alarms(energy.falseAlarmsByKind[k])).join(' | ')} |`,
    '',
    `Cost of Silero: ${result.sileroMsPerSecond.toFixed(1)} ms of CPU time per second of audio (Node, onnxruntime-web wasm, one thread,`,
    `${result.audioSeconds.toFixed(0)} s of audio); the browser worker runs the same code on the same runtime.`,
  ].join('\n');
}
