import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * A week: the files change only when the server is upgraded, and the ETag lets a browser
 * revalidate cheaply after that. Not `immutable`, because the names carry no version.
 */
const MAX_AGE_MS = 7 * 24 * 3_600_000;

/** One folder of detector files served under a URL prefix. */
export interface AssetFolder {
  root: string;
  prefix: string;
  /** Which paths (below the prefix, with a leading slash) may be served: nothing else is. */
  allowed: RegExp;
  /** Content types by file extension, where the default guess is not what the browser needs. */
  types?: Record<string, string>;
}

/**
 * Serve detector files (models, wasm runtimes) from our own origin, so the browser never
 * depends on a third-party CDN: no index, no listing, no dotfiles, only `allowed` paths,
 * revalidated by ETag.
 */
export async function serveAssetFolder(app: FastifyInstance, folder: AssetFolder): Promise<void> {
  const { types } = folder;
  await app.register(fastifyStatic, {
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    etag: true,
    lastModified: true,
    maxAge: MAX_AGE_MS,
    root: folder.root,
    prefix: folder.prefix,
    allowedPath: (pathName) => folder.allowed.test(pathName),
    ...(types && {
      setHeaders: (reply: FastifyReply, path: string) => {
        const type = types[path.slice(path.lastIndexOf('.') + 1)];
        if (type) reply.header('content-type', type);
      },
    }),
  });
}
