import { parseArgs } from 'node:util';
import { DEGRADATIONS } from './degrade.js';
import { runEval } from './run-eval.js';

/** `npm run eval -- --data DIR [--variants normal,dark,…] [--json FILE]` */
export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      variants: { type: 'string', default: ['normal', ...DEGRADATIONS].join(',') },
      json: { type: 'string' },
      /** Leave docs/detection-quality.md and packages/detection/quality/ as they are. */
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.data) {
    console.error(
      'usage: npm run eval -- --data DIR [--variants normal,dark,noisy,lowres,backlit] [--json FILE] [--no-write]',
    );
    return values.help ? 0 : 2;
  }
  const allowed = new Set(['normal', ...DEGRADATIONS]);
  const variants = values.variants.split(',').map((v) => v.trim());
  const unknown = variants.filter((v) => !allowed.has(v));
  if (unknown.length) {
    console.error(
      `unknown variant(s): ${unknown.join(', ')} (choose from ${[...allowed].join(', ')})`,
    );
    return 2;
  }
  await runEval({
    data: values.data,
    variants: variants as never,
    json: values.json,
    write: !values['no-write'],
    log: (l) => console.log(l),
  });
  return 0;
}
