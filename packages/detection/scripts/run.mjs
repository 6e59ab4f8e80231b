// Run one of the detection package's TypeScript entry points (eval, bench) without a
// separate build step: bundle it with esbuild next to this script, then import it.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const entries = {
  eval: '../src/eval/main.ts',
  'eval-audio': '../src/eval-audio/main.ts',
  bench: '../../../bench/detect.ts',
};
const [name, ...args] = process.argv.slice(2);
const entry = entries[name];
if (!entry) {
  console.error(`usage: run.mjs ${Object.keys(entries).join('|')} [args]`);
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'dist');
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, `${name}.mjs`);
await build({
  entryPoints: [join(here, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // npm packages load from node_modules; the workspace's own (TypeScript) are bundled.
  plugins: [
    {
      name: 'external-npm',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('@invigil/') ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
  logLevel: 'warning',
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(args);
