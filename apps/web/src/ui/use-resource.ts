import { useCallback, useEffect, useState } from 'react';

/** Data loaded from the API, with its loading and error state. */
export interface Resource<T> {
  /** The last successfully loaded value (kept while reloading). */
  data: T | undefined;
  /** The error of the latest load, if it failed. */
  error: unknown;
  /** True while the latest load is in flight. */
  loading: boolean;
  /** Loads again (Retry buttons, refresh after a change). */
  reload(): void;
  /** Replaces the loaded value locally, e.g. after a successful update. */
  mutate(update: (current: T | undefined) => T | undefined): void;
}

interface Settled<T> {
  load: unknown;
  nonce: number;
  data: T | undefined;
  error: unknown;
}

/**
 * Runs `load` (memoise it with useCallback) whenever it changes or `reload` is called, and
 * tracks the outcome. Results of superseded loads are discarded.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const [nonce, setNonce] = useState(0);
  const [settled, setSettled] = useState<Settled<T>>({
    load: null,
    nonce: -1,
    data: undefined,
    error: undefined,
  });

  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setSettled({ load, nonce, data, error: undefined });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) {
          setSettled((prev) => ({ load, nonce, data: prev.data, error }));
        }
      },
    );
    return () => controller.abort();
  }, [load, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const mutate = useCallback(
    (update: (current: T | undefined) => T | undefined) =>
      setSettled((prev) => ({ ...prev, data: update(prev.data) })),
    [],
  );

  const loading = settled.load !== load || settled.nonce !== nonce;
  return {
    data: settled.data,
    error: loading ? undefined : settled.error,
    loading,
    reload,
    mutate,
  };
}
