import { z } from 'zod';
import { int } from './env-values.js';

/**
 * Who may scrape Prometheus metrics, and where. Last in ENV_SCHEMA: optional monitoring that
 * most installations add after the rest works.
 */
export const METRICS_ENV = {
  METRICS_TOKEN: z
    .string()
    .min(16, { message: 'Must be at least 16 characters' })
    .regex(/^\S+$/, 'Must not contain spaces')
    .optional()
    .describe(
      'Bearer token Prometheus sends to GET /metrics on the main port (Authorization: Bearer <token>). Unset: /metrics on the main port answers 404. Never logged.',
    ),
  METRICS_PORT: int(1, 65535)
    .optional()
    .describe(
      'A second port on HOST that serves only GET /metrics, without a token (keep it on a private network). Unset: none. With WORKERS > 1 either way shows the whole server.',
    ),
} as const;

/** The metrics settings once parsed, all this file's functions need. */
type MetricsEnv = z.infer<z.ZodObject<typeof METRICS_ENV>>;

/** Where Prometheus scrapes `GET /metrics`. */
export interface MetricsConfig {
  /** Bearer token for /metrics on the main port; undefined = that route answers 404. Never log it. */
  token?: string | undefined;
  /** A separate port on HOST serving /metrics without a token; undefined = none. */
  port?: number | undefined;
  /** How long values read from the database are reused between scrapes (default 10 s); tests set 0. */
  cacheMs?: number;
  /** How often each process records a sample for the System page (default 15 s); tests shorten it. */
  sampleMs?: number;
}

/**
 * A metrics port that is the main port: reported at start-up, since the second listener
 * could not bind. `port` is PORT, passed in because it is not a metrics setting.
 */
export function metricsProblems(e: MetricsEnv, port: number): string[] {
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === port) {
    return ['METRICS_PORT equals PORT: metrics need a port of their own (or use METRICS_TOKEN)'];
  }
  return [];
}

/** The metrics settings; cache and sample intervals keep their defaults outside tests. */
export function metricsConfig(e: MetricsEnv): MetricsConfig {
  return { token: e.METRICS_TOKEN, port: e.METRICS_PORT };
}
