import type { SpeechSegment } from '../voice/segments.js';
import type { AudioCase } from './generate.js';

/** A labelled sentence counts as heard when the detector covers at least this share of it. */
export const MIN_COVERAGE = 0.5;
/** Targets of the voice detector. */
export const TARGETS = { recall: 0.9, falseAlarmsPer10Min: 1 };

/** What one detector found in one file. */
export interface CaseResult {
  case: AudioCase;
  found: SpeechSegment[];
}

/** A detector's figures over a set of files. */
export interface AudioScore {
  sentences: number;
  heard: number;
  /** Share of labelled sentences heard (covered at least MIN_COVERAGE). */
  recall: number;
  /** Share of labelled speech time covered by detected speech. */
  speechTimeCovered: number;
  /** Detected stretches in the non-speech files. */
  falseAlarms: number;
  nonSpeechMinutes: number;
  falseAlarmsPer10Min: number;
  /** Recall by voice level and false alarms by kind of sound, for the report. */
  recallByLevel: Record<string, { heard: number; of: number }>;
  falseAlarmsByKind: Record<string, { alarms: number; minutes: number }>;
}

function overlapMs(a: { startMs: number; endMs: number }, found: SpeechSegment[]): number {
  let total = 0;
  for (const f of found)
    total += Math.max(0, Math.min(a.endMs, f.endMs) - Math.max(a.startMs, f.startMs));
  return total;
}

/**
 * Scores a detector. Recall is per sentence (was each one noticed?) since what matters for
 * a flag is whether talking is noticed at all; false alarms are stretches of "speech" found
 * in files with none, per 10 minutes of such audio, before any exam's minimum duration.
 */
export function scoreAudio(results: CaseResult[]): AudioScore {
  let sentences = 0;
  let heard = 0;
  let speechMs = 0;
  let coveredMs = 0;
  let falseAlarms = 0;
  let nonSpeechMs = 0;
  const recallByLevel: AudioScore['recallByLevel'] = {};
  const falseAlarmsByKind: AudioScore['falseAlarmsByKind'] = {};
  for (const { case: c, found } of results) {
    if (c.kind === 'speech') {
      const level = `${c.levelDb ?? '?'} dBFS`;
      const row = (recallByLevel[level] ??= { heard: 0, of: 0 });
      for (const label of c.speech) {
        const length = label.endMs - label.startMs;
        const covered = overlapMs(label, found);
        sentences++;
        row.of++;
        speechMs += length;
        coveredMs += covered;
        if (covered >= MIN_COVERAGE * length) {
          heard++;
          row.heard++;
        }
      }
    } else {
      const row = (falseAlarmsByKind[c.category] ??= { alarms: 0, minutes: 0 });
      falseAlarms += found.length;
      nonSpeechMs += c.durationMs;
      row.alarms += found.length;
      row.minutes += c.durationMs / 60_000;
    }
  }
  const nonSpeechMinutes = nonSpeechMs / 60_000;
  return {
    sentences,
    heard,
    recall: sentences ? heard / sentences : 0,
    speechTimeCovered: speechMs ? coveredMs / speechMs : 0,
    falseAlarms,
    nonSpeechMinutes,
    falseAlarmsPer10Min: nonSpeechMinutes ? (falseAlarms * 10) / nonSpeechMinutes : 0,
    recallByLevel,
    falseAlarmsByKind,
  };
}

/** Whether a score meets both targets. */
export const meetsTargets = (s: AudioScore) =>
  s.recall >= TARGETS.recall && s.falseAlarmsPer10Min <= TARGETS.falseAlarmsPer10Min;
