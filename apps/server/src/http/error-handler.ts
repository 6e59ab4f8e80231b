import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody } from '@invigil/contracts';
import { DataKeyMissingError } from '../adapters/encrypted.blob-store.js';
import { BlobDecryptError, BlobNotEncryptedError } from '../crypto/chunked-cipher.js';
import { KeyUnavailableError } from '../crypto/master-keys.js';
import { AppError } from '../errors.js';

/**
 * Stored data that cannot be served as it is: said plainly (these are the operator's to fix,
 * never the client's), and never as the damaged bytes themselves.
 */
function fromStorage(err: unknown): AppError | undefined {
  // Before the damaged case: it is a kind of it, with its own remedy.
  if (err instanceof BlobNotEncryptedError) {
    return new AppError(
      500,
      'STORED_DATA_NOT_ENCRYPTED',
      'This stored file dates from before encryption at rest and is not served until it is encrypted: an operator runs `invigil keys encrypt-existing`.',
    );
  }
  if (err instanceof BlobDecryptError) {
    return new AppError(
      500,
      'STORED_DATA_DAMAGED',
      'This stored file failed its integrity check: it was modified or damaged in storage and is not served. Restore it from a backup.',
    );
  }
  if (err instanceof DataKeyMissingError) {
    return new AppError(410, 'STORED_DATA_ERASED', 'This stored file was erased.');
  }
  if (err instanceof KeyUnavailableError) {
    return new AppError(
      500,
      'MASTER_KEY_MISSING',
      `This stored file is encrypted with master key "${err.kid}", which is no longer configured: add it back to MASTER_KEY or MASTER_KEY_FILE.`,
    );
  }
  return undefined;
}

/** Map framework errors (bad JSON, wrong content type, too large) to our stable codes. */
function fromFramework(err: FastifyError): AppError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'INVALID_JSON', 'The request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'VALIDATION_FAILED', 'Content-Length does not match the body');
  }
  if (err instanceof SyntaxError && err.statusCode === 400) {
    return new AppError(400, 'INVALID_JSON', 'The request body is not valid JSON');
  }
  if (err.statusCode === 429) {
    return new AppError(429, 'RATE_LIMITED', 'Too many attempts; wait a minute and try again');
  }
  if (err.statusCode === 403)
    return new AppError(403, 'FORBIDDEN', 'You are not allowed to do this');
  if (err.statusCode === 404) return new AppError(404, 'NOT_FOUND', 'Not found');
  if (err.statusCode === 405) return new AppError(405, 'METHOD_NOT_ALLOWED', err.message);
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new AppError(err.statusCode, 'VALIDATION_FAILED', err.message);
  }
  return undefined;
}

/**
 * One place turns every error into `{code, message, details?, correlationId}`.
 * Expected errors keep their code; anything unexpected is logged in full and answered with
 * a generic 500 that carries only a correlation id to find it in the logs.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const correlationId = String(req.id ?? randomUUID());
    let known: AppError | undefined;
    if (err instanceof AppError) known = err;
    else if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        path: `${err.validationContext ?? ''}${v.instancePath}`
          .replace(/\//g, '.')
          .replace(/\.$/, ''),
        message: v.message ?? 'Invalid value',
      }));
      known = new AppError(
        400,
        'VALIDATION_FAILED',
        details.map((d) => `${d.path}: ${d.message}`).join('; '),
        details,
      );
    } else known = fromStorage(err) ?? fromFramework(err);

    if (!known) {
      req.log.error({ err, correlationId }, 'unhandled error');
      const body: ErrorBody = {
        code: 'INTERNAL',
        message: 'Something went wrong on our side; quote the correlation id when reporting it',
        correlationId,
      };
      return reply.status(500).send(body);
    }
    if (known.status >= 500) req.log.error({ err, correlationId }, known.message);
    if (known.headers) void reply.headers(known.headers);
    const body: ErrorBody = {
      code: known.code,
      message: known.message,
      ...(known.details !== undefined && { details: known.details }),
      correlationId,
    };
    return reply.status(known.status).send(body);
  });
}
