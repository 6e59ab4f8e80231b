import { useEffect, useState } from 'react';
import { authApi, type PublicSettingsBody } from '../api/endpoints';

/** Public settings as far as they are known. */
export interface PublicSettingsState {
  /** The settings, or null until loaded (and if loading failed). */
  settings: PublicSettingsBody | null;
  /** True when the settings could not be loaded. */
  failed: boolean;
}

/** Loads /api/settings/public (whether self sign-up is on). */
export function usePublicSettings(): PublicSettingsState {
  const [state, setState] = useState<PublicSettingsState>({ settings: null, failed: false });
  useEffect(() => {
    const controller = new AbortController();
    authApi.publicSettings(controller.signal).then(
      (settings) => setState({ settings, failed: false }),
      () => {
        if (!controller.signal.aborted) setState({ settings: null, failed: true });
      },
    );
    return () => controller.abort();
  }, []);
  return state;
}
