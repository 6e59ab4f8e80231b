import { QueryClient } from '@tanstack/react-query';
import { ApiError, NETWORK_ERROR } from './errors';

/** How many times a failed load is tried again before its error is shown. */
export const MAX_RETRIES = 2;

/**
 * Whether a failed load is worth trying again: only when the server could not be reached or
 * had a problem (network error, 5xx). A 4xx is the server's answer to this request (not
 * allowed, not found, invalid) and a response outside its contract will not change by
 * asking again, so both are shown at once.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= MAX_RETRIES) return false;
  if (!(error instanceof ApiError)) return false;
  return error.code === NETWORK_ERROR || error.status >= 500;
}

/** Waits 1 s, then 2 s, … (at most 8 s) between tries. */
export function retryDelay(failureCount: number): number {
  return Math.min(1000 * 2 ** failureCount, 8000);
}

/**
 * The app's one QueryClient. Loads are fresh for 5 s (a page mounted twice in quick
 * succession does not load twice), are refreshed when the person comes back to the tab or
 * the browser comes back online, and retried only per `shouldRetry`. Mutations are never
 * retried: the person sees the error and decides.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: shouldRetry,
        retryDelay,
        staleTime: 5_000,
        refetchOnWindowFocus: true,
        refetchOnReconnect: true,
      },
      mutations: { retry: false },
    },
  });
}
