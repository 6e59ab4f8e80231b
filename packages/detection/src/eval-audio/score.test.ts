import { describe, expect, it } from 'vitest';
import type { AudioCase } from './generate.js';
import { scoreAudio } from './score.js';

const speech = (startMs: number, endMs: number): AudioCase => ({
  file: 's.wav',
  kind: 'speech',
  category: 'en-gb+m3',
  durationMs: endMs + 1500,
  speech: [{ startMs, endMs }],
  levelDb: -6,
});
const noise: AudioCase = {
  file: 'n.wav',
  kind: 'non_speech',
  category: 'fan',
  durationMs: 300_000,
  speech: [],
};

describe('scoreAudio', () => {
  it('counts a sentence as heard when at least half of it is covered', () => {
    const s = scoreAudio([
      { case: speech(1000, 3000), found: [{ startMs: 1900, endMs: 3500, score: 0.9 }] },
      { case: speech(1000, 3000), found: [{ startMs: 2200, endMs: 3500, score: 0.9 }] },
    ]);
    expect(s.heard).toBe(1);
    expect(s.recall).toBe(0.5);
    expect(s.speechTimeCovered).toBeCloseTo((1100 + 800) / 4000);
    expect(s.recallByLevel['-6 dBFS']).toEqual({ heard: 1, of: 2 });
  });

  it('counts false alarms per 10 minutes of non-speech', () => {
    const s = scoreAudio([
      { case: noise, found: [{ startMs: 0, endMs: 500, score: 0.6 }] },
      { case: noise, found: [] },
    ]);
    expect(s.falseAlarms).toBe(1);
    expect(s.nonSpeechMinutes).toBe(10);
    expect(s.falseAlarmsPer10Min).toBe(1);
    expect(s.falseAlarmsByKind['fan']).toEqual({ alarms: 1, minutes: 10 });
  });
});
