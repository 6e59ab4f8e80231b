import { useEffect, useRef, useState } from 'react';

/**
 * `value`, passed on at most once per `intervalMs` (the latest value at the end of each
 * interval). The live grid re-sorts on this, so tiles do not jump around on every update
 * while their contents stay current.
 */
export function useThrottled<T>(value: T, intervalMs: number): T {
  const [throttled, setThrottled] = useState(value);
  const latest = useRef(value);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    latest.current = value;
    timer.current ??= window.setTimeout(() => {
      timer.current = undefined;
      setThrottled(latest.current);
    }, intervalMs);
  }, [value, intervalMs]);

  useEffect(() => () => window.clearTimeout(timer.current), []);
  return throttled;
}
