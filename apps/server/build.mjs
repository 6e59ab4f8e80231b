// Bundle the server (and the workspace packages it imports) into dist/cli.js, and the
// detector worker thread into dist/detect-worker.js (a worker must be plain JS at run time).
// npm dependencies stay external and load from node_modules at run time — the server's
// own and those of the detection package (the model library, tfjs, image decoders).
// `node build.mjs --worker` builds only the worker (the integration tests need just that).
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const here = (p) => new URL(p, import.meta.url).pathname;
const depsOf = (file) => Object.keys(JSON.parse(readFileSync(here(file), 'utf8')).dependencies);

const external = [
  ...depsOf('./package.json'),
  ...depsOf('../../packages/detection/package.json'),
].filter((d) => !d.startsWith('@invigil/'));

const entries = {
  cli: here('src/cli.ts'),
  'detect-worker': here('src/detect-worker.ts'),
};
const workerOnly = process.argv.includes('--worker');
// Chunks carry content hashes: start from an empty folder so old ones do not pile up.
if (!workerOnly) rmSync(here('dist'), { recursive: true, force: true });

await build({
  entryPoints: workerOnly ? { 'detect-worker': entries['detect-worker'] } : entries,
  outdir: here('dist'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Optional adapters (Redis, BullMQ, S3, SMTP) are imported dynamically: split them into
  // chunks so their packages load only when configured. Chunks sit beside cli.js, so paths
  // taken from import.meta.url stay the same.
  splitting: !workerOnly,
  target: 'node20',
  sourcemap: true,
  external: [...external, ...external.map((d) => `${d}/*`)],
  logLevel: 'warning',
});
