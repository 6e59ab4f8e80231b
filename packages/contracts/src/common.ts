import { z } from 'zod';

/** A UUID identifying any stored entity. */
export const Id = z.uuid();

/** An ISO-8601 timestamp with an explicit offset, as sent and returned by the API. */
export const Timestamp = z.iso.datetime({ offset: true }).refine(
  (v) => {
    const t = Date.parse(v);
    return t >= Date.UTC(1970, 0, 1) && t < Date.UTC(10_000, 0, 1);
  },
  { message: 'Must be a date between 1970 and 9999' },
);

/** Path parameter `:id`. */
export const IdParams = z.strictObject({ id: Id });

/** The body of every error response: a stable machine code plus a human message. */
export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
  correlationId: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** An empty success body. */
export const Ok = z.object({ ok: z.literal(true) });
