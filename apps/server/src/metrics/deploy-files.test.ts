import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exposedSeriesNames } from './server-metrics.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const prometheusDir = path.join(repo, 'deploy', 'prometheus');
const alertsFile = path.join(prometheusDir, 'alerts.yml');
const alertTestsFile = path.join(prometheusDir, 'alerts.test.yml');
const dashboardFile = path.join(repo, 'deploy', 'grafana', 'invigil.json');

/** `promtool` on the PATH (Debian package prometheus), or undefined. */
function findPromtool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat('/usr/bin')) {
    const file = path.join(dir, 'promtool');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * The `expr` of every rule in a rule file as we write them: inline, or a block scalar (`|`,
 * `>`) indented below its key. Good enough for our own files, checked by counting rules.
 */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    const [, indent = '', value = ''] = m;
    if (!/^[|>][-+]?$/.test(value)) {
      exprs.push(value.replace(/^'(.*)'$/, '$1'));
      return;
    }
    const body: string[] = [];
    for (const next of lines.slice(i + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      body.push(next.trim());
    }
    exprs.push(body.join(' ').trim());
  });
  return exprs;
}

/** Every query of a Grafana dashboard (panels inside rows too). */
function dashboardExpressions(json: unknown): string[] {
  type Panel = { targets?: { expr?: string }[]; panels?: Panel[] };
  const walk = (panels: Panel[] = []): string[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? []).map((t) => t.expr ?? '').filter((e) => e !== ''),
      ...walk(p.panels),
    ]);
  return walk((json as { panels?: Panel[] }).panels);
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The series names a PromQL expression reads: identifiers left once strings, label matchers,
 * ranges, grouping clauses and numbers are taken out, and that are not function calls.
 */
function seriesNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, '');
  const names = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!);
  return names.filter((n) => !KEYWORDS.has(n.toLowerCase()));
}

describe('seriesNamesIn', () => {
  it('finds the series and nothing else', () => {
    expect(
      seriesNamesIn(
        'histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{route!~"/x/(y|z)"}[5m]))) > 2 and on () max(b) / clamp_min(c{state="in_progress"}, 1) >= 0.1 or absent(d) * 1e9',
      ),
    ).toEqual(['a_bucket', 'b', 'c', 'd']);
  });
});

describe('deploy/: alert rules and the Grafana dashboard', () => {
  const alerts = readFileSync(alertsFile, 'utf8');
  const alertTests = readFileSync(alertTestsFile, 'utf8');
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as unknown;
  const ruleNames = [...alerts.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
  const exprs = ruleExpressions(alerts);
  const queries = dashboardExpressions(dashboard);

  it('promtool finds the rules valid and their unit tests passing', ({ skip }) => {
    const promtool = findPromtool();
    if (!promtool) {
      const reason = 'promtool is not installed (apt-get install prometheus)';
      if (process.env.CI === 'true') throw new Error(`${reason}; CI requires it`);
      console.warn(`\n[skip] promtool checks of deploy/prometheus skipped: ${reason}\n`);
      skip(reason);
      return;
    }
    const run = (args: string[], cwd = prometheusDir) => {
      const res = spawnSync(promtool, args, { cwd, encoding: 'utf8', timeout: 60_000 });
      expect(res.status, `promtool ${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
      return res.stdout;
    };
    expect(run(['check', 'rules', 'alerts.yml'])).toContain(`${ruleNames.length} rules found`);
    run(['test', 'rules', 'alerts.test.yml']);
    // The example configuration, with its token file where promtool can find one.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-prometheus-'));
    try {
      copyFileSync(alertsFile, path.join(dir, 'alerts.yml'));
      const tokenFile = path.join(dir, 'token');
      writeFileSync(tokenFile, 'x'.repeat(32));
      const example = readFileSync(path.join(prometheusDir, 'prometheus.example.yml'), 'utf8');
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        example.replace('/etc/prometheus/invigil-metrics-token', tokenFile),
      );
      run(['check', 'config', 'prometheus.yml'], dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every rule has a severity, a summary and a description, and a test firing and one not', () => {
    expect(ruleNames.length).toBeGreaterThan(10);
    expect(exprs).toHaveLength(ruleNames.length);
    expect(alerts.match(/^\s*severity: (critical|warning)$/gm)).toHaveLength(ruleNames.length);
    expect(alerts.match(/^\s*summary: /gm)).toHaveLength(ruleNames.length);
    expect(alerts.match(/^\s*description: /gm)).toHaveLength(ruleNames.length);
    const cases = [...alertTests.matchAll(/alertname: (\S+)\s*\n\s*exp_alerts:( \[\])?/g)];
    for (const name of ruleNames) {
      const mine = cases.filter((c) => c[1] === name);
      expect(
        mine.some((c) => c[2] === undefined),
        `${name} is tested firing`,
      ).toBe(true);
      expect(
        mine.some((c) => c[2] !== undefined),
        `${name} is tested not firing`,
      ).toBe(true);
    }
    const unknown = cases.map((c) => c[1]).filter((n) => !ruleNames.includes(n!));
    expect(unknown).toEqual([]);
  });

  it('rules and dashboard read only series the server exposes, and every family is shown', () => {
    const exposed = new Set(exposedSeriesNames());
    const read = new Map<string, string>();
    for (const e of [...exprs, ...queries]) for (const n of seriesNamesIn(e)) read.set(n, e);
    expect(queries.length).toBeGreaterThan(20);
    expect([...read.keys()].filter((n) => !exposed.has(n))).toEqual([]);
    // Each of our own metrics is on the dashboard or in a rule (a histogram by any of its series).
    const family = (n: string) => n.replace(/_(bucket|sum|count)$/, '');
    const shown = new Set([...read.keys()].map(family));
    const ours = [...exposed].filter((n) => n.startsWith('invigil_')).map(family);
    expect([...new Set(ours)].filter((f) => !shown.has(f))).toEqual([]);
  });
});
