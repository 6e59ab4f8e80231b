/**
 * The rules that turn detections into flags and flags into a risk score. Pure (no I/O),
 * shared by the browser (live feedback) and the server (the record).
 */
export * from './client-conditions.js';
export * from './clock-skew.js';
export * from './derive-flags.js';
export * from './effective-rules.js';
export * from './event-trust.js';
export * from './evidence-conditions.js';
export * from './flag-extent.js';
export * from './id-document.js';
export * from './integrity.js';
export * from './late-events.js';
export * from './messages.js';
export * from './risk.js';
export * from './server-conditions.js';
export * from './student-policy.js';
export * from './types.js';
