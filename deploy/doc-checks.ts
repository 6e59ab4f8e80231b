import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_SCHEMA } from '../apps/server/src/config/config.js';
import { SERVER_ROLES } from '../apps/server/src/roles.js';

/**
 * Text checks behind deploy-docs.test.ts: which settings, CLI commands, roles and links a
 * document, a compose file, a unit or an environment file names, and which of them the code
 * does not know.
 */

/** The repository's root, and a file of it as text. */
export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');

/** Every setting the server reads. */
export const SETTINGS = new Set(Object.keys(ENV_SCHEMA));
/**
 * Names that are not settings: variables of the other programs these files configure
 * (PostgreSQL, MinIO, Grafana, systemd), HTTP methods and signals.
 */
const FOREIGN =
  /^(POSTGRES_\w+|PGPASSWORD|MINIO_\w+|GF_\w+|AF_\w+|GET|HEAD|POST|PUT|PATCH|DELETE|SIG[A-Z]+)$/;

/** The code of a Markdown text: fenced blocks and inline code spans, one string each. */
export function codeOf(markdown: string): string[] {
  const code: string[] = [];
  let fence: string[] | undefined;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      if (fence) code.push(fence.join('\n'));
      fence = fence ? undefined : [];
    } else if (fence) {
      fence.push(line);
    } else {
      for (const m of line.matchAll(/`([^`]+)`/g)) code.push(m[1]!);
    }
  }
  return code;
}

/**
 * The settings a text names: every UPPER_CASE name with an underscore (`REDIS_URL`), every
 * `NAME=` assignment (`WORKERS=1`) and, in Markdown, every code span that is a bare name
 * (`QUEUE`).
 */
export function namesIn(text: string, markdown = false): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)) names.add(m[0]);
  for (const m of text.matchAll(/(?<![\w-])([A-Z][A-Z0-9_]*)=/g)) names.add(m[1]!);
  if (markdown) {
    for (const span of codeOf(text)) if (/^[A-Z][A-Z0-9_]*$/.test(span)) names.add(span);
  }
  return names;
}

/** Names that are neither an Invigil setting nor another program's known variable. */
export const unknownNames = (names: Iterable<string>) =>
  [...names].filter((n) => !SETTINGS.has(n) && !FOREIGN.test(n)).sort();

/** The CLI's commands and the text of each in its usage (`invigil --help`), from cli.ts. */
export function cliUsage(): Map<string, string> {
  const source = read('apps/server/src/cli.ts');
  const usage = /const USAGE = `([\s\S]*?)`;/.exec(source)?.[1];
  if (!usage) throw new Error('USAGE not found in apps/server/src/cli.ts');
  const commands = new Map<string, string>();
  let current: string | undefined;
  for (const line of usage.split('\n').slice(usage.split('\n').indexOf('Commands:') + 1)) {
    const m = /^ {2}([a-z][a-z-]*)\b(.*)$/.exec(line);
    if (m) {
      // A command with several subcommands has a line for each: keep them all.
      current = m[1]!;
      const before = commands.get(current);
      commands.set(current, before ? `${before}\n${m[0]}` : m[0]);
    } else if (current && /^ {3,}\S/.test(line)) {
      commands.set(current, `${commands.get(current)}\n${line}`);
    }
  }
  return commands;
}

export interface CommandUse {
  command: string;
  rest: string;
}

/** `invigil <command> …` and `…/cli.js <command> …` in a text, with the rest of the line. */
export function commandsIn(text: string): CommandUse[] {
  const uses: CommandUse[] = [];
  const re = /(?:(?<![\w/.@=-])invigil|\bcli\.js)[ \t]+([a-z][a-z-]*)([^\n`|;&)]*)/g;
  for (const m of text.matchAll(re)) uses.push({ command: m[1]!, rest: m[2]! });
  return uses;
}

/** Why a command use is not one the CLI knows, or undefined when it is. */
export function checkCommand(use: CommandUse, usage: Map<string, string>): string | undefined {
  const text = usage.get(use.command);
  if (!text) return `unknown command "${use.command}"`;
  const subs = [...text.matchAll(/^ {2}[a-z-]+ ([a-z][a-z-]*)\b/gm)].map((m) => m[1]!);
  const rest = use.rest.trim();
  if (subs.length > 0 && !subs.some((sub) => rest === sub || rest.startsWith(`${sub} `))) {
    return `"${use.command}" without ${subs.map((sub) => `"${sub}"`).join(' or ')}`;
  }
  for (const flag of use.rest.match(/--[a-z][a-z-]*/g) ?? []) {
    if (!text.includes(flag)) return `"${use.command}" has no ${flag}`;
  }
  return undefined;
}

/** Role lists given with `--roles=` or `ROLES=` (or `ROLES: ` in YAML). */
export function roleListsIn(text: string): string[] {
  return [...text.matchAll(/(?:--roles[= ]|\bROLES[=:] ?)'?([a-z][a-z,]*)/g)].map((m) => m[1]!);
}

/** The roles in `lists` that the server does not have. */
export const badRoles = (lists: string[]) =>
  lists.flatMap((list) =>
    list.split(',').filter((r) => r !== 'all' && !(SERVER_ROLES as readonly string[]).includes(r)),
  );

/** KEY=value lines of an environment file; with `commented`, also `#KEY=value` lines. */
export function envFile(text: string, commented = false): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = (commented ? /^#?([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/).exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`, filled from `env`. */
export const interpolations = (text: string) =>
  [...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}/g)].map((m) => m[1]!);
export const interpolate = (value: string, env: Record<string, string>) =>
  value.replace(
    /\$\{([A-Z][A-Z0-9_]*)(?::?-([^}]*))?(?::?\?[^}]*)?\}/g,
    (_, name: string, fallback?: string) => env[name] || fallback || '',
  );

export interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  image?: string;
}

/** A compose service's command as one line. */
export const commandLine = (s: ComposeService) =>
  Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');
/** Whether a compose service runs Invigil's CLI. */
export const runsInvigil = (s: ComposeService) =>
  commandLine(s).includes('apps/server/dist/cli.js');

/** `promtool` on the PATH (Debian package prometheus), or undefined. */
export function findPromtool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat('/usr/bin')) {
    try {
      accessSync(path.join(dir, 'promtool'), constants.X_OK);
      return path.join(dir, 'promtool');
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** GitHub's anchor of a Markdown heading. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

/**
 * The relative links of a Markdown file (`links`) and those whose file, or heading in a
 * Markdown file, does not exist (`broken`).
 */
export function checkLinks(file: string): { links: string[]; broken: string[] } {
  const text = read(file);
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z]+:/.test(t));
  const broken = targets.filter((target) => {
    const [rel = '', anchor] = target.split('#');
    const linked =
      rel === '' ? path.join(repo, file) : path.resolve(path.dirname(path.join(repo, file)), rel);
    if (!existsSync(linked)) return true;
    if (anchor === undefined || !linked.endsWith('.md')) return false;
    const headings = [...readFileSync(linked, 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) =>
      slug(m[1]!),
    );
    return !headings.includes(anchor);
  });
  return { links: targets, broken };
}
