import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';

/**
 * The first path at which a string (value or key) holds a NUL character, or undefined.
 * Iterative, so hostile deeply nested JSON cannot overflow the stack.
 */
export function findNul(root: unknown): string | undefined {
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || '(value)';
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}.${i}`]);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value).reverse()) {
        if (k.includes('\u0000')) return path || '(value)';
        stack.push([v, path ? `${path}.${k}` : k]);
      }
    }
  }
  return undefined;
}

/**
 * Checks that apply to every input before schema validation. PostgreSQL cannot store NUL in
 * text or jsonb, so a NUL anywhere is refused up front instead of failing mid-transaction.
 */
export function registerInputGuards(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [
      ['body', req.body],
      ['querystring', req.query],
      ['params', req.params],
    ] as const) {
      const at = findNul(value);
      if (at) {
        throw errors.validation(`${part}.${at}: must not contain NUL characters`, [
          { path: `${part}.${at}`, message: 'Must not contain NUL characters' },
        ]);
      }
    }
  });
}
