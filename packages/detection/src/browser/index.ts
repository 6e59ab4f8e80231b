/**
 * The detectors in the browser: a module worker running human on the tfjs wasm backend
 * (models and binaries from our own origin), fed with webcam frames by BrowserDetector, and
 * the energy voice-activity detector for the microphone.
 */
export * from './browser-detector.js';
export { BROWSER_ASSET_URLS } from './protocol.js';
export * from '../vad.js';
