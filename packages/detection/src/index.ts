/** Detectors, decisions and rules shared by the browser and the server. */
export * from './analysis.js';
export * from './human-config.js';
export * from './interpret.js';
export * from './thresholds.js';
export * from './image-ops.js';
export * from './pipeline.js';
export * from './human-pass.js';
export * from './face-recognition.js';
export * from './region-quality.js';
export * from './face-photo.js';
export * from './face-quality.js';
