import { useCallback, useId, useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';

/** Data loaded from the API, with its loading and error state. */
export interface Resource<T> {
  /** The last successfully loaded value (kept while reloading). */
  data: T | undefined;
  /** The error of the latest load, if it failed. */
  error: unknown;
  /** True while the first load, a load for changed inputs or a `reload` is in flight. */
  loading: boolean;
  /** Loads again (Retry buttons, refresh after a change). */
  reload(): void;
  /** Replaces the loaded value locally, e.g. after a successful update. */
  mutate(update: (current: T | undefined) => T | undefined): void;
}

/** How a resource is cached and refreshed. */
export interface ResourceOptions<T> {
  /**
   * Shares the data with every other user of this key (see api/query-keys.ts). Without it
   * the resource belongs to this component and is loaded again whenever `load` changes.
   */
  key?: QueryKey;
  /** Reloads in the background every so many ms (or as the function says for the data). */
  refetchInterval?: number | false | ((data: T | undefined) => number | false);
  /** Whether coming back to the tab reloads it once stale (default: yes). */
  refetchOnWindowFocus?: boolean;
}

const loadIds = new WeakMap<object, number>();
let lastLoadId = 0;

/** A number per load function, so that a new `load` means a new cache entry. */
function loadId(load: object): number {
  let id = loadIds.get(load);
  if (id === undefined) {
    id = ++lastLoadId;
    loadIds.set(load, id);
  }
  return id;
}

/**
 * Runs `load` (memoise it with useCallback) through TanStack Query whenever it changes or
 * `reload` is called, and tracks the outcome; the previous data stays shown while inputs
 * change. Retries, refreshing on focus and polling follow the app's QueryClient and
 * `options`. Background refreshes do not count as `loading`, so nothing flickers.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  options: ResourceOptions<T> = {},
): Resource<T> {
  const client = useQueryClient();
  const owner = useId();
  const queryKey = options.key ?? ['resource', owner, loadId(load)];
  const { refetchInterval, refetchOnWindowFocus } = options;
  const query = useQuery<T, Error, T, QueryKey>({
    queryKey,
    queryFn: ({ signal }) => load(signal),
    placeholderData: keepPreviousData,
    // Loaded afresh on every mount, as pages expect; cached data shows in the meantime.
    staleTime: 0,
    ...(refetchInterval === undefined
      ? {}
      : {
          refetchInterval:
            typeof refetchInterval === 'function'
              ? (q) => refetchInterval(q.state.data as T | undefined)
              : refetchInterval,
        }),
    ...(refetchOnWindowFocus === undefined ? {} : { refetchOnWindowFocus }),
  });
  const [reloads, setReloads] = useState(0);
  const { refetch } = query;
  const reload = useCallback(() => {
    setReloads((n) => n + 1);
    void refetch().finally(() => setReloads((n) => n - 1));
  }, [refetch]);
  // Keyed by its text: the array is new on every render, the callback must stay the same.
  const keyText = JSON.stringify(queryKey);
  const mutate = useCallback(
    (update: (current: T | undefined) => T | undefined) =>
      client.setQueryData<T>(JSON.parse(keyText) as QueryKey, (current) => update(current)),
    [client, keyText],
  );

  const loading = query.isPending || query.isPlaceholderData || reloads > 0;
  return {
    data: query.data,
    error: loading ? undefined : (query.error ?? undefined),
    loading,
    reload,
    mutate,
  };
}
