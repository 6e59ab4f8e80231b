import type { FastifyInstance } from 'fastify';
import type { HttpClient } from './http-client.js';

/** An operation as `METHOD /path/{param}` (OpenAPI path syntax), e.g. `GET /api/exams/{id}`. */
export type OperationKey = string;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

/** Every operation listed in the server's OpenAPI document. */
export async function documentedOperations(client: HttpClient): Promise<OperationKey[]> {
  const res = await client.get('/api/openapi.json');
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}`);
  const paths = (res.body as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  const ops: OperationKey[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of Object.keys(item)) {
      if (HTTP_METHODS.includes(method)) ops.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return ops.sort();
}

/** `/api/exams/:id` → `/api/exams/{id}`. */
export const toOpenApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** `/api/exams/{id}` → `/api/exams/:id`. */
export const toFastifyPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * Every route the running server registered, read from fastify's route tree
 * (`printRoutes({ commonPrefix: false })`), as OpenAPI-style keys. HEAD twins of GET routes
 * are left out. Only paths accepted by `keep` are returned.
 */
export function registeredOperations(
  app: FastifyInstance,
  keep: (path: string) => boolean = () => true,
): OperationKey[] {
  const tree = app.printRoutes({ commonPrefix: false });
  const prefixes: string[] = [];
  const ops = new Set<OperationKey>();
  for (const line of tree.split('\n')) {
    const branch = line.search(/[├└]── /);
    if (branch < 0) continue;
    const depth = Math.round(branch / 4);
    const rest = line.slice(branch + 4);
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(rest);
    if (!match) continue;
    const segment = match[1] ?? '';
    const path = (depth > 0 ? (prefixes[depth - 1] ?? '') : '') + segment;
    prefixes[depth] = path;
    prefixes.length = depth + 1;
    const methods = (match[2] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m && m !== 'HEAD');
    for (const method of methods) {
      const openApiPath = toOpenApiPath(path);
      if (keep(openApiPath)) ops.add(`${method} ${openApiPath}`);
    }
  }
  return [...ops].sort();
}

/** Replace `{name}` placeholders with values (missing ones stay as they are). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] !== undefined ? encodeURIComponent(params[name]) : whole,
  );
}

/** Split `GET /api/x` into its method and path. */
export function splitOperation(op: OperationKey): { method: string; path: string } {
  const space = op.indexOf(' ');
  return { method: op.slice(0, space), path: op.slice(space + 1) };
}
