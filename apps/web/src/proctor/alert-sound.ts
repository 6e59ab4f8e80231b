import { useEffect } from 'react';
import type { Severity } from '@invigil/contracts';
import { useStoredFlag } from '../lib/use-stored-flag';

/**
 * The alert feed's sound: a short beep made with WebAudio (no audio file), two for high
 * severity. Browsers keep audio locked until the user interacts with the page, so the
 * dashboard calls `unlockAlertSound` on the first click or key press.
 */

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (context) return context;
  if (typeof window === 'undefined' || typeof window.AudioContext !== 'function') return null;
  context = new window.AudioContext();
  return context;
}

/** Lets later beeps play: call from a user gesture. */
export function unlockAlertSound(): void {
  const ctx = audio();
  if (ctx && ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
}

function tone(ctx: AudioContext, startAt: number, frequency: number): void {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = 'sine';
  oscillator.frequency.value = frequency;
  // A quick fade in and out: a hard start or stop clicks.
  gain.gain.setValueAtTime(0.0001, startAt);
  gain.gain.exponentialRampToValueAtTime(0.25, startAt + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, startAt + 0.18);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(startAt);
  oscillator.stop(startAt + 0.2);
}

/** Plays the alert sound for a severity (nothing if audio is unavailable or still locked). */
export function playAlertSound(severity: Severity): void {
  const ctx = audio();
  if (!ctx || ctx.state !== 'running') return;
  const t = ctx.currentTime + 0.01;
  if (severity === 'high') {
    tone(ctx, t, 880);
    tone(ctx, t + 0.22, 880);
  } else {
    tone(ctx, t, 660);
  }
}

/**
 * The sound of the chat side of the feed, unlike any alert's: a rising pair of notes for a
 * raised hand, one short high note for a student's message. Same lock and mute as alerts.
 */
export function playChatSound(kind: 'hand' | 'message'): void {
  const ctx = audio();
  if (!ctx || ctx.state !== 'running') return;
  const t = ctx.currentTime + 0.01;
  if (kind === 'hand') {
    tone(ctx, t, 587);
    tone(ctx, t + 0.16, 784);
  } else {
    tone(ctx, t, 988);
  }
}

/** Whether alert sounds are muted, remembered in localStorage across visits. */
export function useAlertMute(): [boolean, (muted: boolean) => void] {
  return useStoredFlag('invigil.alerts.muted');
}

/** Unlocks the alert sound on the first pointer or key press anywhere on the page. */
export function useUnlockAlertSoundOnGesture(): void {
  useEffect(() => {
    const unlock = () => {
      unlockAlertSound();
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
    window.addEventListener('pointerdown', unlock);
    window.addEventListener('keydown', unlock);
    return () => {
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
  }, []);
}
