import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_SCHEMA, loadConfig } from '../apps/server/src/config/config.js';
import { SERVER_ROLES } from '../apps/server/src/roles.js';

/**
 * Keeps the operator's guide (docs/deploy.md) and the examples in deploy/compose and
 * deploy/systemd true to the code: the settings they name exist, every setting is documented
 * with its default, the commands and roles they run are ones the CLI knows, and the example
 * values are ones the server accepts.
 */

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(path.join(repo, file), 'utf8');

const GUIDE = 'docs/deploy.md';
const COMPOSE = 'deploy/compose/compose.yaml';
const COMPOSE_ENV = 'deploy/compose/.env.example';
const CADDYFILE = 'deploy/compose/Caddyfile';
const COMPOSE_PROMETHEUS = 'deploy/compose/prometheus.yml';
const SYSTEMD_ENV = 'deploy/systemd/invigil.env.example';
const UNITS = [
  'deploy/systemd/invigil.service',
  'deploy/systemd/invigil-worker.service',
  'deploy/systemd/invigil@.service',
];

const SETTINGS = new Set(Object.keys(ENV_SCHEMA));
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
const unknownNames = (names: Iterable<string>) =>
  [...names].filter((n) => !SETTINGS.has(n) && !FOREIGN.test(n)).sort();

/** The CLI's commands and the text of each in its usage (`invigil --help`), from cli.ts. */
function cliUsage(): Map<string, string> {
  const source = read('apps/server/src/cli.ts');
  const usage = /const USAGE = `([\s\S]*?)`;/.exec(source)?.[1];
  if (!usage) throw new Error('USAGE not found in apps/server/src/cli.ts');
  const commands = new Map<string, string>();
  let current: string | undefined;
  for (const line of usage.split('\n').slice(usage.split('\n').indexOf('Commands:') + 1)) {
    const m = /^ {2}([a-z][a-z-]*)\b(.*)$/.exec(line);
    if (m) {
      current = m[1]!;
      commands.set(current, m[0]);
    } else if (current && /^ {3,}\S/.test(line)) {
      commands.set(current, `${commands.get(current)}\n${line}`);
    }
  }
  return commands;
}

interface CommandUse {
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
function checkCommand(use: CommandUse, usage: Map<string, string>): string | undefined {
  const text = usage.get(use.command);
  if (!text) return `unknown command "${use.command}"`;
  const sub = /^ {2}[a-z-]+ ([a-z]+)\b/.exec(text)?.[1];
  if (sub && !use.rest.trim().startsWith(sub)) return `"${use.command}" without "${sub}"`;
  for (const flag of use.rest.match(/--[a-z][a-z-]*/g) ?? []) {
    if (!text.includes(flag)) return `"${use.command}" has no ${flag}`;
  }
  return undefined;
}

/** Role lists given with `--roles=` or `ROLES=` (or `ROLES: ` in YAML). */
export function roleListsIn(text: string): string[] {
  return [...text.matchAll(/(?:--roles[= ]|\bROLES[=:] ?)'?([a-z][a-z,]*)/g)].map((m) => m[1]!);
}

const badRoles = (lists: string[]) =>
  lists.flatMap((list) =>
    list.split(',').filter((r) => r !== 'all' && !(SERVER_ROLES as readonly string[]).includes(r)),
  );

/** KEY=value lines of an environment file; with `commented`, also `#KEY=value` lines. */
function envFile(text: string, commented = false): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = (commented ? /^#?([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/).exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`, filled from `env`. */
const interpolations = (text: string) =>
  [...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}/g)].map((m) => m[1]!);
const interpolate = (value: string, env: Record<string, string>) =>
  value.replace(
    /\$\{([A-Z][A-Z0-9_]*)(?::?-([^}]*))?(?::?\?[^}]*)?\}/g,
    (_, name: string, fallback?: string) => env[name] || fallback || '',
  );

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  image?: string;
}

const commandLine = (s: ComposeService) =>
  Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');
const runsInvigil = (s: ComposeService) => commandLine(s).includes('apps/server/dist/cli.js');

function findPromtool(): string | undefined {
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

describe('the helpers of this test', () => {
  it('find misspelt settings, unknown commands and roles', () => {
    const text = 'Set `REDIS_URI=redis://x` and `WORKER=2`, then `QUEUES`; keep `REDIS_URL`.';
    expect(unknownNames(namesIn(text, true))).toEqual(['QUEUES', 'REDIS_URI', 'WORKER']);
    const usage = cliUsage();
    const bad = commandsIn(
      '`invigil strat` `invigil user --email x` `invigil migrate-storage --to s3 --fast`',
    )
      .map((u) => checkCommand(u, usage))
      .filter((why) => why !== undefined);
    expect(bad).toEqual([
      'unknown command "strat"',
      '"user" without "add"',
      '"migrate-storage" has no --fast',
    ]);
    expect(badRoles(roleListsIn('start --roles=api,wss ROLES=worker'))).toEqual(['wss']);
    expect(commandsIn('User=invigil\n/etc/invigil/invigil.env invigil-worker.service')).toEqual([]);
  });
});

describe('docs/deploy.md', () => {
  const guide = read(GUIDE);
  const rows = [...guide.matchAll(/^\| `([A-Z][A-Z0-9_]*)` *\|([^|]*)\|/gm)].map((m) => ({
    name: m[1]!,
    defaultCell: m[2]!,
  }));

  it('names only settings the server has', () => {
    expect(unknownNames(namesIn(guide, true))).toEqual([]);
  });

  it('lists every setting once in its tables', () => {
    const listed = rows.map((r) => r.name);
    expect(listed.filter((n, i) => listed.indexOf(n) !== i)).toEqual([]);
    expect([...SETTINGS].filter((n) => !listed.includes(n))).toEqual([]);
    expect(listed.filter((n) => !SETTINGS.has(n))).toEqual([]);
  });

  it('gives each setting the default the server uses', () => {
    const wrong = rows.flatMap(({ name, defaultCell }) => {
      const schema = ENV_SCHEMA[name as keyof typeof ENV_SCHEMA];
      const parsed = schema.safeParse(undefined);
      if (!parsed.success || !['string', 'number', 'boolean'].includes(typeof parsed.data)) {
        return [];
      }
      return defaultCell.includes(`\`${String(parsed.data)}\``)
        ? []
        : [`${name}: ${defaultCell.trim()} (server: ${String(parsed.data)})`];
    });
    expect(wrong).toEqual([]);
  });

  it('runs only commands, options and roles the CLI knows', () => {
    const usage = cliUsage();
    const code = codeOf(guide).join('\n');
    const uses = commandsIn(code);
    expect(uses.map((u) => u.command)).toEqual(
      expect.arrayContaining(['start', 'worker', 'migrate', 'migrate-storage', 'user', 'config']),
    );
    expect(uses.map((u) => checkCommand(u, usage)).filter((w) => w !== undefined)).toEqual([]);
    expect(roleListsIn(code).length).toBeGreaterThan(0);
    expect(badRoles(roleListsIn(code))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const targets = [...guide.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#'))
      .map((t) => t.replace(/#.*$/, ''));
    expect(targets.length).toBeGreaterThan(5);
    const dir = path.dirname(path.join(repo, GUIDE));
    expect(targets.filter((t) => !existsSync(path.resolve(dir, t)))).toEqual([]);
  });
});

describe('deploy/compose', () => {
  const text = read(COMPOSE);
  const compose = parseYaml(text, { merge: true }) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const envExample = envFile(read(COMPOSE_ENV));
  const invigil = Object.entries(services).filter(([, s]) => runsInvigil(s));

  it('parses, and has every part of the scaled-out layout', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'redis',
        'minio',
        'minio-init',
        'migrate',
        'api-1',
        'api-2',
        'worker',
        'caddy',
        'prometheus',
        'grafana',
      ]),
    );
    expect(invigil.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'migrate', 'worker']);
    expect(commandLine(services['api-1']!)).toMatch(/ start --roles=api,ws,ingest$/);
    expect(commandLine(services['api-2']!)).toBe(commandLine(services['api-1']!));
    expect(commandLine(services.worker!)).toMatch(/ worker$/);
  });

  it('gives Invigil only settings it has, and runs only commands and roles it knows', () => {
    const keys = invigil.flatMap(([, s]) => Object.keys(s.environment ?? {}));
    expect(keys.filter((k) => !SETTINGS.has(k))).toEqual([]);
    const usage = cliUsage();
    const lines = [text, ...invigil.map(([, s]) => commandLine(s))].join('\n');
    const uses = commandsIn(lines);
    expect(uses.length).toBeGreaterThanOrEqual(3);
    expect(uses.map((u) => checkCommand(u, usage)).filter((w) => w !== undefined)).toEqual([]);
    expect(badRoles(roleListsIn(lines))).toEqual([]);
  });

  it('names only known variables, each defined in .env.example, which holds no stale ones', () => {
    const envText = read(COMPOSE_ENV);
    const named = new Set([
      ...namesIn(text),
      ...interpolations(text),
      ...Object.values(services).flatMap((s) => Object.keys(s.environment ?? {})),
    ]);
    expect(unknownNames(named)).toEqual([]);
    expect(unknownNames(namesIn(envText))).toEqual([]);
    const used = new Set(interpolations(text));
    expect([...used].filter((n) => !(n in envExample))).toEqual([]);
    expect(Object.keys(envExample).filter((n) => !used.has(n))).toEqual([]);
  });

  it('keeps secrets out of compose.yaml', () => {
    const secretish = Object.values(services).flatMap((s) =>
      Object.entries(s.environment ?? {}).filter(
        ([k, v]) => /PASSWORD|SECRET|TOKEN/.test(k) && !/^\$\{[A-Z0-9_]+(:-)?\}$/.test(String(v)),
      ),
    );
    expect(secretish).toEqual([]);
    // Passwords inside URLs (DATABASE_URL) come from .env too.
    const inUrls = [...text.matchAll(/:\/\/[^:\s/]+:([^@\s]+)@/g)].map((m) => m[1]!);
    expect(inUrls.length).toBeGreaterThan(0);
    expect(inUrls.filter((p) => !/^\$\{[A-Z0-9_]+\}$/.test(p))).toEqual([]);
  });

  it('configures each Invigil service with values the server accepts (.env.example filled in)', () => {
    for (const [name, s] of invigil) {
      const env = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v ?? ''), envExample),
        ]),
      );
      const config = (() => {
        try {
          return loadConfig(env);
        } catch (err) {
          throw new Error(`${name}: ${(err as Error).message}`);
        }
      })();
      expect(config.database.kind, name).toBe('postgres');
      expect(config.blobStore, name).toBe('s3');
      expect(config.redisUrl, name).toBeDefined();
      expect(config.metrics.port, name).toBeDefined();
    }
  });

  it('mounts only files that exist, and the proxy and Prometheus reach the Invigil services', () => {
    const dir = path.dirname(path.join(repo, COMPOSE));
    const sources = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => v.split(':')[0]!)
      .filter((src) => src.startsWith('.'));
    expect(sources.filter((src) => !existsSync(path.resolve(dir, src)))).toEqual([]);

    const portOf = (service: string, key: 'PORT' | 'METRICS_PORT') =>
      String(services[service]?.environment?.[key]);
    const upstreams = /reverse_proxy ([^{\n]+)\{/.exec(read(CADDYFILE))?.[1]?.trim().split(/\s+/);
    expect(upstreams).toEqual(['api-1:8080', 'api-2:8080']);
    for (const u of upstreams!) {
      const [host, port] = u.split(':');
      expect(portOf(host!, 'PORT')).toBe(port);
    }
    const prometheus = parseYaml(read(COMPOSE_PROMETHEUS)) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) =>
      c.static_configs.flatMap((s) => s.targets),
    );
    expect(targets.map((t) => t.split(':')[0]).sort()).toEqual(['api-1', 'api-2', 'worker']);
    for (const t of targets) {
      const [host, port] = t.split(':');
      expect(portOf(host!, 'METRICS_PORT')).toBe(port);
    }
  });

  it('promtool accepts its Prometheus configuration with the alert rules', ({ skip }) => {
    const promtool = findPromtool();
    if (!promtool) {
      const reason = 'promtool is not installed (apt-get install prometheus)';
      if (process.env.CI === 'true') throw new Error(`${reason}; CI requires it`);
      skip(reason);
      return;
    }
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'invigil-compose-prometheus-'));
    try {
      copyFileSync(path.join(repo, COMPOSE_PROMETHEUS), path.join(tmp, 'prometheus.yml'));
      copyFileSync(path.join(repo, 'deploy/prometheus/alerts.yml'), path.join(tmp, 'alerts.yml'));
      const res = spawnSync(promtool, ['check', 'config', 'prometheus.yml'], {
        cwd: tmp,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('deploy/systemd', () => {
  const envText = read(SYSTEMD_ENV);
  const units = UNITS.map((file) => ({ file, text: read(file) }));

  it('names only settings the server has', () => {
    expect(unknownNames(namesIn(envText))).toEqual([]);
    for (const { file, text } of units) {
      const assigned = [...text.matchAll(/^Environment=([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
      expect(
        assigned.filter((n) => !SETTINGS.has(n)),
        file,
      ).toEqual([]);
      expect(unknownNames(namesIn(text)), file).toEqual([]);
    }
  });

  it('run only commands and roles the CLI knows, as a dedicated user with the shared settings', () => {
    const usage = cliUsage();
    const started = units.map(({ file, text }) => {
      const exec = /^ExecStart=(.+)$/m.exec(text)?.[1] ?? '';
      const uses = commandsIn(exec);
      expect(uses, file).toHaveLength(1);
      expect(checkCommand(uses[0]!, usage), file).toBeUndefined();
      expect(badRoles(roleListsIn(text)), file).toEqual([]);
      expect(text, file).toMatch(/^User=invigil$/m);
      expect(text, file).toMatch(/^EnvironmentFile=\/etc\/invigil\/invigil\.env$/m);
      expect(text, file).toMatch(/^ProtectSystem=strict$/m);
      expect(text, file).toMatch(/^ReadWritePaths=\/var\/lib\/invigil$/m);
      return uses[0]!.command;
    });
    expect(started).toEqual(['start', 'worker', 'start']);
    expect(commandsIn(envText).map((u) => checkCommand(u, usage))).toEqual([undefined]);
  });

  it('has example values the server accepts, the commented ones too', () => {
    for (const commented of [false, true]) {
      const env = envFile(envText, commented);
      expect(Object.keys(env).length).toBeGreaterThan(10);
      expect(() => loadConfig(env)).not.toThrow();
    }
    expect(loadConfig(envFile(envText)).dataDir).toBe('/var/lib/invigil');
  });
});
