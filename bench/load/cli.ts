import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOAD_USAGE, parseLoadArgs } from './options.js';
import { formatTable } from './report.js';
import { runLoad } from './run.js';

/**
 * `npm run bench:load -- [options]`: N simulated students against a server this starts (or a
 * running one), a table on stdout and the JSON result in a file. Exit code 0 whatever the
 * figures; non-zero only when the run itself failed.
 */
async function main(): Promise<number> {
  let o;
  try {
    o = parseLoadArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${LOAD_USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(LOAD_USAGE);
    return 0;
  }
  const { help: _help, ...options } = o;
  const result = await runLoad(options);
  console.log(formatTable(result));
  if (options.json) {
    mkdirSync(path.dirname(options.json), { recursive: true });
    writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nJSON: ${options.json}`);
  }
  return result.ok ? 0 : 1;
}

process.exitCode = await main();
