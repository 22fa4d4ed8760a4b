import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitFor } from './wait';

/** A built app (`dist/apps/<name>/main.js`) run as its own Node process, as in production. */
export class NodeProcess {
  readonly stdoutLines: string[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      this.stdoutLines.push(...lines.filter((l) => l.trim() !== ''));
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  /** Spawn a built app with exactly `env` (plus PATH): the developer's environment cannot leak in. */
  static start(app: string, env: Record<string, string>): NodeProcess {
    const main = resolve(__dirname, '../../../dist/apps', app, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    return NodeProcess.startScript(main, env);
  }

  /** Spawn any script the same way, optionally from another working directory. */
  static startScript(script: string, env: Record<string, string>, cwd?: string): NodeProcess {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd,
    });
    return new NodeProcess(child);
  }

  /** stdout lines parsed as JSON (the apps log JSON only). */
  jsonLines(): Record<string, unknown>[] {
    return this.stdoutLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Wait for a log line whose `msg` matches, and return the match. */
  waitForLog(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitFor(
      () => {
        for (const line of this.jsonLines()) {
          const match = typeof line.msg === 'string' ? line.msg.match(pattern) : null;
          if (match) return match;
        }
        return undefined;
      },
      { timeoutMs, what: `log line ${pattern}; stderr so far: ${this.stderr.slice(0, 500)}` },
    );
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal);
  }

  /** Kill if still running and wait for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
