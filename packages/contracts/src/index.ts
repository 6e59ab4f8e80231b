/** Contracts shared by the Invigil server and web app: API bodies, responses and enums. */
export * from './common.js';
export * from './errors.js';
export * from './users.js';
export * from './tokens.js';
export * from './policy.js';
export * from './exams.js';
export * from './sessions.js';
export * from './registrations.js';
export * from './recording.js';
export * from './questions.js';
export * from './detection.js';
export * from './evidence.js';
export * from './live.js';
export * from './notifications.js';
export * from './review.js';
export * from './image-header.js';
