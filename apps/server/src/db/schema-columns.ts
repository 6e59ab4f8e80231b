import { timestamp } from 'drizzle-orm/pg-core';

// Column helpers every schema file uses; no tables here.

/** A timestamp with time zone, read as a Date. */
export const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** `created_at`, set by the database when the row is inserted. */
export const createdAt = () => tz('created_at').notNull().defaultNow();
