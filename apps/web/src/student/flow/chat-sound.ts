import { playAlertSound } from '../../proctor/alert-sound';
import { useStoredFlag } from '../../lib/use-stored-flag';

export { useUnlockAlertSoundOnGesture as useUnlockChatSound } from '../../proctor/alert-sound';

/**
 * Whether the chat's sound is muted, remembered in localStorage (its own key: a proctor who
 * mutes the dashboard on a shared computer does not mute students).
 */
export function useChatMute(): [boolean, (muted: boolean) => void] {
  return useStoredFlag('invigil.chat.muted');
}

/**
 * The chime for a new proctor message or announcement: the dashboard's WebAudio beep (no
 * audio file; silent until the student has clicked or typed on the page, as browsers want).
 */
export function playChatSound(announcement: boolean): void {
  playAlertSound(announcement ? 'high' : 'medium');
}
