import { z } from 'zod';
import { bool, int } from './env-values.js';

/**
 * Where blobs go and what several processes share: the blob store (local disk or S3), Redis
 * and the job queue. Together because they are what changes when one process becomes many.
 */
export const STORAGE_ENV = {
  BLOB_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('Local-disk blob directory. Default DATA_DIR/blobs.'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'Must start with redis:// or rediss://')
    .optional()
    .describe(
      'Redis shared by several server processes or machines: the event bus and the rate-limit counters (and the job queue with QUEUE=bullmq). Unset: in-process bus, counters in memory.',
    ),
  QUEUE: z
    .enum(['database', 'bullmq'], { message: 'Use database or bullmq' })
    .default('database')
    .describe('Background job queue: database (the embedded default) or bullmq (on REDIS_URL).'),
  JOB_LEASE_SECONDS: int(1, 3600)
    .default(60)
    .describe(
      'How long a background job held by a process that died stays claimed before another worker process runs it again. A running job renews its claim, so this only delays taking over from a crashed or killed worker; a process that stalls longer than this loses its job to another, which runs it again.',
    ),
  BLOB_STORE: z
    .enum(['local', 's3'], { message: 'Use local or s3' })
    .default('local')
    .describe(
      'Where recordings and photos are stored: local (BLOB_DIR) or s3 (the S3_* settings).',
    ),
  S3_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'Must be an http:// or https:// URL' })
    .optional()
    .describe('S3-compatible endpoint, e.g. https://s3.example.org. Unset: Amazon S3.'),
  S3_REGION: z.string().min(1).default('us-east-1').describe('S3 region.'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'Must be a valid bucket name')
    .optional()
    .describe('S3 bucket (must exist). Required with BLOB_STORE=s3.'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional().describe('S3 access key id.'),
  S3_SECRET_ACCESS_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('S3 secret access key. Never logged.'),
  S3_FORCE_PATH_STYLE: bool
    .optional()
    .describe(
      'Address the bucket in the path (http://host/bucket/key), as most self-hosted stores need. Default: true when S3_ENDPOINT is set.',
    ),
  S3_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*\/?$/,
      'Use folders of letters, digits, . _ - separated by /, each starting with a letter or digit',
    )
    .optional()
    .describe('Key prefix inside the bucket, so deployments can share one. Unset: none.'),
} as const;

/** The storage settings once parsed, all this file's functions need. */
type StorageEnv = z.infer<z.ZodObject<typeof STORAGE_ENV>>;

/** An S3-compatible bucket for blobs. `secretAccessKey` is never logged. */
export interface S3Config {
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  prefix?: string | undefined;
}

/**
 * Storage settings that only make sense together, so `loadConfig` can report them with every
 * other problem instead of failing later when the queue or bucket is first used.
 */
export function storageProblems(e: StorageEnv): string[] {
  const problems: string[] = [];
  if (e.QUEUE === 'bullmq' && !e.REDIS_URL) problems.push('QUEUE=bullmq needs REDIS_URL');
  // A bucket is described in full or not at all (migrate-storage uses it before BLOB_STORE=s3).
  if (e.BLOB_STORE === 's3' || e.S3_BUCKET) {
    const why = e.BLOB_STORE === 's3' ? 'BLOB_STORE=s3' : 'S3_BUCKET';
    for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!e[name]) problems.push(`${why} needs ${name}`);
    }
  }
  return problems;
}

/**
 * The bucket whenever S3_BUCKET is set, not only with BLOB_STORE=s3: migrate-storage copies
 * into it before the store is switched over.
 */
export function s3Config(e: StorageEnv): S3Config | undefined {
  return e.S3_BUCKET
    ? {
        endpoint: e.S3_ENDPOINT,
        region: e.S3_REGION,
        bucket: e.S3_BUCKET ?? '',
        accessKeyId: e.S3_ACCESS_KEY_ID ?? '',
        secretAccessKey: e.S3_SECRET_ACCESS_KEY ?? '',
        forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
        prefix: e.S3_PREFIX,
      }
    : undefined;
}
