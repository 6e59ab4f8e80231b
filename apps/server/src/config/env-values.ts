import { z } from 'zod';

/**
 * A yes/no setting. Operators write booleans many ways in env files and compose YAML, so the
 * usual spellings are all accepted, and anything else is an error rather than a silent false.
 */
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'Use true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * A whole number within `min`–`max`. Every count, port and interval is bounded so a typo
 * (a missing unit, an extra zero) fails at start-up instead of starving or flooding the server.
 */
export const int = (min: number, max: number) =>
  z.coerce
    .number({ message: 'Must be a whole number' })
    .int({ message: 'Must be a whole number' })
    .min(min)
    .max(max);
