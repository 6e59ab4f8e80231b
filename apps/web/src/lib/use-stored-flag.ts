import { useCallback, useState } from 'react';

function readFlag(key: string): boolean {
  try {
    return window.localStorage.getItem(key) === 'true';
  } catch {
    return false;
  }
}

/**
 * A yes/no choice remembered in localStorage under `key` across visits (false until set).
 * Without storage (private mode, full) the choice lasts for this page only.
 */
export function useStoredFlag(key: string): [boolean, (value: boolean) => void] {
  const [flag, setFlagState] = useState(() => readFlag(key));
  const setFlag = useCallback(
    (value: boolean) => {
      setFlagState(value);
      try {
        window.localStorage.setItem(key, String(value));
      } catch {
        // Private mode or storage full: the choice lasts for this page only.
      }
    },
    [key],
  );
  return [flag, setFlag];
}
