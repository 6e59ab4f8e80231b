/** The recording player, for the proctor dashboard and review screens. */
export {
  RecordingPlayer,
  type RecordingPlayerHandle,
  type RecordingPlayerProps,
} from './recording-player';
export { RecordingPage } from './recording-page';
