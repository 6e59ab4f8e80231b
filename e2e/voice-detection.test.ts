import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNonSpeech, missingTools } from '../packages/detection/src/eval-audio/sounds.js';
import { type DemoServer, startDemoServer } from './helpers/app-server.js';
import { browserUnavailable, launchBrowser } from './helpers/browser.js';
import { checkInAndStartExam, demoApiSession, signInStudent } from './helpers/student-flow.js';

interface SessionEvent {
  type: string;
  data: Record<string, unknown> | null;
}

/**
 * How long the keyboard must go unflagged. Speech is heard within a few seconds of the
 * voice model loading; this leaves room for a loaded machine without being a speed check.
 */
const QUIET_WINDOW_MS = 15_000;

/** One of the page's two ways of taking the microphone's samples. */
type Without = 'script-processor' | 'audio-worklet';

/**
 * Takes one way of capturing the microphone away from the page (an init script), so that the
 * other must deliver the samples: without the ScriptProcessorNode the audio worklet must work;
 * without `audioWorklet` (as on an insecure origin) the fallback must.
 */
function removeCapture(without: Without): void {
  if (without === 'script-processor') {
    Object.defineProperty(BaseAudioContext.prototype, 'createScriptProcessor', {
      value: undefined,
    });
  } else {
    Object.defineProperty(BaseAudioContext.prototype, 'audioWorklet', { get: () => undefined });
  }
}

/** A demo student by number, or an account made by the test. */
type Student = number | { email: string; password: string };

/** Sentences by espeak-ng with short pauses, at 48 kHz for Chromium's fake microphone. */
function writeSpeechWav(dir: string): string {
  const raw = path.join(dir, 'speech-raw.wav');
  const out = path.join(dir, 'speech.wav');
  const text =
    'Psst, what did you put for question three? I think it is the second answer. ' +
    'Can you read me the next one? Quickly, before the proctor looks.';
  execFileSync('espeak-ng', ['-v', 'en-gb+m3', '-s', '160', '-w', raw, text]);
  execFileSync('sox', [
    raw,
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    out,
    'norm',
    '-6',
    'pad',
    '0',
    '1',
  ]);
  return out;
}

/**
 * The voice detector in the student's browser (Silero VAD in its worker, the model and
 * runtime from our own origin): a fake microphone that talks raises a `voice` detection;
 * one that hears only keyboard typing does not. Speech is heard through the audio worklet
 * and, where there is none, through the ScriptProcessorNode. The sounds are made at test
 * time with espeak-ng and sox.
 */
const unavailable =
  browserUnavailable() ?? ((await missingTools()).length ? 'espeak-ng or sox missing' : undefined);
if (unavailable && process.env['CI'] === 'true') throw new Error(unavailable);

describe.skipIf(unavailable !== undefined)('voice detection in the browser', () => {
  let server: DemoServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-voice-'));
    server = await startDemoServer();
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs an attempt with the fake microphone playing `audio`; returns its voice events. */
  async function attempt(audio: string, student: Student, without?: Without) {
    const browser = await launchBrowser([`--use-file-for-fake-audio-capture=${audio}`]);
    try {
      const page = await browser.context.newPage();
      if (without) await page.addInitScript(removeCapture, without);
      const requests: string[] = [];
      browser.context.on('request', (r) => requests.push(r.url()));
      await signInStudent(server, page, student);
      const sessionId = await checkInAndStartExam(page);
      // The voice model and runtime load from this server.
      await expect
        .poll(() => requests.some((u) => u.endsWith('/detection/voice/silero_vad_v5.onnx')), {
          timeout: 60_000,
        })
        .toBe(true);
      const origin = new URL(server.url).origin;
      expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
      const staff = await demoApiSession(server, 'proctor');
      const voice = async () =>
        ((await staff.call('GET', `/api/sessions/${sessionId}/events`)) as SessionEvent[]).filter(
          (e) => e.type === 'detect.state' && e.data?.detector === 'voice',
        );
      return { voice, page, close: () => browser.close() };
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** Plays speech to an attempt; a voice detection by the speech model must follow. */
  async function expectSpeechHeard(student: Student, without: Without) {
    const run = await attempt(writeSpeechWav(dir), student, without);
    try {
      await expect
        .poll(async () => (await run.voice()).some((e) => e.data?.active === true), {
          timeout: 60_000,
          interval: 500,
        })
        .toBe(true);
      const heard = (await run.voice()).find((e) => e.data?.active === true)!;
      expect(heard.data).toMatchObject({ model: expect.stringContaining('Silero') });
      expect(Number(heard.data?.confidence)).toBeGreaterThanOrEqual(0.5);
    } finally {
      await run.close();
    }
  }

  it('speech raises a voice detection by the speech model', { timeout: 180_000 }, async () => {
    // Through the audio worklet: the page has no ScriptProcessorNode to fall back on.
    await expectSpeechHeard(0, 'script-processor');
  });

  it('the capture worklet is served as JavaScript under the app’s policy', async () => {
    const [file] = readdirSync('apps/web/dist/assets').filter((f) =>
      f.startsWith('voice-capture.worklet'),
    );
    expect(file).toBeDefined();
    const response = await fetch(new URL(`/assets/${file}`, server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    // Worklet modules are scripts: the page's policy must let them load from our origin.
    const page = await fetch(new URL('/', server.url));
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it(
    'without audio worklets, the ScriptProcessorNode hears the speech',
    { timeout: 180_000 },
    async () => {
      // The two demo students have had their attempts: a third student.
      const student = {
        email: 'fallback@demo.invigil.test',
        password: 'a long enough passphrase v',
      };
      const admin = await demoApiSession(server, 'admin');
      await admin.call('POST', '/api/users', { ...student, name: 'Sam Student', role: 'student' });
      await expectSpeechHeard(student, 'audio-worklet');
    },
  );

  it('keyboard typing raises none', { timeout: 180_000 }, async () => {
    const keyboard = path.join(dir, 'keyboard.wav');
    await makeNonSpeech('keyboard', 1, 20, keyboard);
    const at48k = path.join(dir, 'keyboard-48k.wav');
    execFileSync('sox', [keyboard, '-r', '48000', at48k, 'gain', '12']);
    const run = await attempt(at48k, 1);
    try {
      // The model has loaded (above); the typing plays on a loop meanwhile.
      await run.page.waitForTimeout(QUIET_WINDOW_MS);
      expect(await run.voice()).toEqual([]);
    } finally {
      await run.close();
    }
  });
});
