import { useQuery } from '@tanstack/react-query';
import { authApi, type PublicSettingsBody } from '../api/endpoints';
import { queryKeys } from '../api/query-keys';

/** Public settings as far as they are known. */
export interface PublicSettingsState {
  /** The settings, or null until loaded (and if loading failed). */
  settings: PublicSettingsBody | null;
  /** True when the settings could not be loaded. */
  failed: boolean;
}

/**
 * Loads /api/settings/public (whether self sign-up and "forgot password" are on), once for
 * the sign-in, sign-up and reset pages together.
 */
export function usePublicSettings(): PublicSettingsState {
  const { data, isError } = useQuery({
    queryKey: queryKeys.publicSettings,
    queryFn: ({ signal }) => authApi.publicSettings(signal),
    staleTime: 60_000,
  });
  return { settings: data ?? null, failed: isError && data === undefined };
}
