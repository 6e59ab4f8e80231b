import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled `invigil` command (built by the integration project's global setup). */
export const CLI_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../dist/cli.js',
);

/**
 * One `invigil` process (`start`, `worker`, …) started from the built CLI exactly as operators
 * run it, its output kept (the last 20 kB) to explain a failure.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private out = '';

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [CLI_PATH, ...args], { env });
    const keep = (d: Buffer) => (this.out = (this.out + d.toString()).slice(-20_000));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once the start line is printed; throws with the output if the process ended first. */
  async started(ms = 90_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!/listening on http:\/\//.test(this.out)) {
      if (!this.running || Date.now() > deadline) {
        throw new Error(`${this.name} did not start:\n${this.out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Send `signal` (SIGKILL: a crash) and wait until the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }

  /** SIGTERM (requests finish, connections close), then SIGKILL if that hangs. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** What the process printed (the last 20 kB). */
  output(): string {
    return this.out;
  }
}
