import { useCallback, useState } from 'react';
import { playAlertSound } from '../../proctor/alert-sound';

export { useUnlockAlertSoundOnGesture as useUnlockChatSound } from '../../proctor/alert-sound';

const MUTE_KEY = 'invigil.chat.muted';

function readMuted(): boolean {
  try {
    return window.localStorage.getItem(MUTE_KEY) === 'true';
  } catch {
    return false;
  }
}

/**
 * Whether the chat's sound is muted, remembered in localStorage (its own key: a proctor who
 * mutes the dashboard on a shared computer does not mute students).
 */
export function useChatMute(): [boolean, (muted: boolean) => void] {
  const [muted, setMutedState] = useState(readMuted);
  const setMuted = useCallback((value: boolean) => {
    setMutedState(value);
    try {
      window.localStorage.setItem(MUTE_KEY, String(value));
    } catch {
      // Private mode or storage full: the choice lasts for this page only.
    }
  }, []);
  return [muted, setMuted];
}

/**
 * The chime for a new proctor message or announcement: the dashboard's WebAudio beep (no
 * audio file; silent until the student has clicked or typed on the page, as browsers want).
 */
export function playChatSound(announcement: boolean): void {
  playAlertSound(announcement ? 'high' : 'medium');
}
