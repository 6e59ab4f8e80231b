import { useEffect, useId, useState } from 'react';

/**
 * The live loudness of a stream's audio, 0–1, and the loudest seen so far (Web Audio
 * AnalyserNode; RMS of the waveform, scaled so that speech reaches the upper half).
 */
export function useAudioLevel(stream: MediaStream | null): {
  level: number;
  peak: number;
  reset: () => void;
} {
  const [level, setLevel] = useState(0);
  const [peak, setPeak] = useState(0);
  const [epoch, setEpoch] = useState(0);

  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0) return;
    const AudioCtx =
      window.AudioContext ??
      (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!AudioCtx) return;
    const context = new AudioCtx();
    void context.resume().catch(() => undefined);
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    let best = 0;
    const timer = window.setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) {
        const centred = (sample - 128) / 128;
        sum += centred * centred;
      }
      const value = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      best = Math.max(best, value);
      setLevel(value);
      setPeak(best);
    }, 100);
    return () => {
      window.clearInterval(timer);
      source.disconnect();
      void context.close().catch(() => undefined);
    };
  }, [stream, epoch]);

  return {
    level,
    peak,
    reset: () => {
      setPeak(0);
      setEpoch((e) => e + 1);
    },
  };
}

/** A labelled level meter for the microphone. */
export function LevelMeter({ level }: { level: number }) {
  const id = useId();
  const percent = Math.round(level * 100);
  return (
    <div className="level-meter">
      <label htmlFor={id}>Microphone level</label>
      <meter id={id} min={0} max={100} low={5} high={80} optimum={40} value={percent}>
        {percent}%
      </meter>
    </div>
  );
}
