import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ErrorBody } from '@invigil/contracts';

/** Success responses plus the error shape every route can answer with, for validation and OpenAPI. */
export function responses<T extends Record<number, z.ZodType>>(ok: T) {
  return {
    ...ok,
    400: ErrorBody,
    401: ErrorBody,
    403: ErrorBody,
    404: ErrorBody,
    409: ErrorBody,
    413: ErrorBody,
    415: ErrorBody,
    423: ErrorBody,
    429: ErrorBody,
  };
}

/** Fastify instance typed for zod schemas. */
export type App = ReturnType<FastifyInstance['withTypeProvider']> & FastifyInstance;

/** Narrow a plain instance to the zod type provider. */
export const zod = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();
