export * from './decode.js';
export * from './node-detector.js';
export { assetDirs } from './load-human.js';
export * from '../cli/analyze-command.js';
export * from '../cli/analyze-audio-command.js';
export { voiceAssetDirs } from './voice-node.js';
