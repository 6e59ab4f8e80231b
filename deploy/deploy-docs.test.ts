import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ENV_SCHEMA, loadConfig } from '../apps/server/src/config/config.js';
import { formatMasterKey, generateMasterKey } from '../apps/server/src/crypto/master-keys.js';
import {
  badRoles,
  checkCommand,
  checkLinks,
  cliUsage,
  codeOf,
  commandLine,
  commandsIn,
  type ComposeService,
  envFile,
  findPromtool,
  interpolate,
  interpolations,
  namesIn,
  read,
  repo,
  roleListsIn,
  runsInvigil,
  SETTINGS,
  unknownNames,
} from './doc-checks.js';

/**
 * Keeps the operator's guide (docs/deploy.md) and the examples in deploy/compose and
 * deploy/systemd true to the code: the settings they name exist, every setting is documented
 * with its default, the commands and roles they run are ones the CLI knows, and the example
 * values are ones the server accepts.
 */

const GUIDE = 'docs/deploy.md';
const COMPOSE = 'deploy/compose/compose.yaml';
const COMPOSE_ENV = 'deploy/compose/.env.example';
const COMPOSE_README = 'deploy/compose/README.md';
const CADDYFILE = 'deploy/compose/Caddyfile';
const COMPOSE_PROMETHEUS = 'deploy/compose/prometheus.yml';
const SYSTEMD_ENV = 'deploy/systemd/invigil.env.example';
const UNITS = [
  'deploy/systemd/invigil.service',
  'deploy/systemd/invigil-worker.service',
  'deploy/systemd/invigil@.service',
];

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

  it('links only to files and headings that exist', () => {
    const { links, broken } = checkLinks(GUIDE);
    expect(links.length).toBeGreaterThan(5);
    expect(broken).toEqual([]);
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

  it('has a README that names only known settings, commands and links', () => {
    const readme = read(COMPOSE_README);
    expect(unknownNames(namesIn(readme, true))).toEqual([]);
    const usage = cliUsage();
    const uses = commandsIn(codeOf(readme).join('\n'));
    expect(uses.map((u) => u.command)).toEqual(['user']);
    expect(uses.map((u) => checkCommand(u, usage))).toEqual([undefined]);
    const { links, broken } = checkLinks(COMPOSE_README);
    expect(links.length).toBeGreaterThanOrEqual(3);
    expect(broken).toEqual([]);
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
    // The values an operator must generate: real keys in their place.
    const key = () => formatMasterKey(generateMasterKey('k1'));
    const filledIn = { ...envExample, MASTER_KEY: key(), AUDIT_KEY: key() };
    for (const [name, s] of invigil) {
      const env = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v ?? ''), filledIn),
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
