import { defineConfig } from 'drizzle-kit';

/** drizzle-kit generates SQL migrations from the schema; the same files run on PGlite and PostgreSQL. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
