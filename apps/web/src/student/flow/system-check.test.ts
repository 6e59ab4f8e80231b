import { DEFAULT_POLICY, ProctoringPolicy } from '@invigil/contracts';
import { describe, expect, it } from 'vitest';
import {
  allPassed,
  bandwidthResult,
  browserResult,
  checksFor,
  displaysResult,
  microphoneResult,
  screenResult,
} from './system-check';

const all = {
  secureContext: true,
  mediaRecorder: true,
  getUserMedia: true,
  getDisplayMedia: true,
  indexedDB: true,
  subtleCrypto: true,
};

describe('system check', () => {
  it('runs the checks the policy needs', () => {
    expect(checksFor(DEFAULT_POLICY)).toEqual([
      'browser',
      'camera',
      'microphone',
      'screen',
      'displays',
      'bandwidth',
    ]);
    const noScreen = ProctoringPolicy.parse({ screen: false, microphone: false });
    expect(checksFor(noScreen)).toEqual(['browser', 'camera', 'bandwidth']);
  });

  it('names what the browser lacks', () => {
    expect(browserResult(all, DEFAULT_POLICY).state).toBe('pass');
    const old = browserResult({ ...all, getDisplayMedia: false, indexedDB: false }, DEFAULT_POLICY);
    expect(old.state).toBe('fail');
    expect(old.summary).toContain('screen sharing');
    expect(old.summary).toContain('IndexedDB');
    expect(browserResult({ ...all, secureContext: false }, DEFAULT_POLICY).fix).toContain('https');
  });

  it('accepts only an entire screen', () => {
    expect(screenResult('monitor').state).toBe('pass');
    expect(screenResult('window')).toMatchObject({ state: 'fail' });
    expect(screenResult('browser').summary).toContain('tab');
    expect(screenResult(undefined).state).toBe('warn');
  });

  it('asks to disconnect extra displays, and says when it cannot tell', () => {
    expect(displaysResult(false).state).toBe('pass');
    expect(displaysResult(true).state).toBe('fail');
    expect(displaysResult(undefined).summary).toContain('cannot be checked in this browser');
  });

  it('needs sound on the microphone', () => {
    expect(microphoneResult(0.1).state).toBe('pass');
    expect(microphoneResult(0).state).toBe('fail');
  });

  it('compares the measured speed with the bitrates plus half again', () => {
    // (400 + 32 + 250) × 1.5 = 1023 kbit/s.
    const enough = bandwidthResult({ kbps: 5000, bytes: 262_144, ms: 400 }, DEFAULT_POLICY);
    expect(enough.state).toBe('pass');
    expect(enough.summary).toContain('1.0 Mbit/s');
    expect(bandwidthResult({ kbps: 800, bytes: 262_144, ms: 2600 }, DEFAULT_POLICY).state).toBe(
      'warn',
    );
    expect(bandwidthResult({ kbps: null, bytes: 0, ms: 0 }, DEFAULT_POLICY).state).toBe('warn');
  });

  it('passes when nothing failed and nothing is still running', () => {
    const ids = checksFor(DEFAULT_POLICY);
    const pass = { state: 'pass' as const, summary: '' };
    const results = Object.fromEntries(ids.map((id) => [id, pass]));
    expect(allPassed(results, ids)).toBe(true);
    expect(allPassed({ ...results, screen: { state: 'fail', summary: '' } }, ids)).toBe(false);
    expect(allPassed({ ...results, bandwidth: { state: 'running', summary: '' } }, ids)).toBe(
      false,
    );
  });
});
