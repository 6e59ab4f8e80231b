/**
 * The database schema, one module for drizzle-kit and the services: the core tables
 * (accounts, exams, sessions), questions and answers, the evidence (recordings, events,
 * detection), and those of live proctoring and the other subjects below.
 */
export * from './schema-core.js';
export * from './schema-questions.js';
export * from './schema-evidence.js';
export * from './schema-proctoring.js';
export * from './schema-rtc.js';
export * from './schema-communication.js';
export * from './schema-jobs.js';
export * from './schema-system.js';
export * from './schema-keys.js';
export * from './schema-security.js';
export * from './schema-retention.js';
export * from './schema-verification.js';
export * from './schema-exports.js';
export * from './schema-mfa.js';
export * from './schema-oidc.js';
export * from './schema-lti.js';
