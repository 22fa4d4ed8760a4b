import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { waitFor } from './wait';

export interface RedisServerOptions {
  /** Append-only file on (as in production), so a restart keeps the data. Default true. */
  appendOnly?: boolean;
}

/** A real `redis-server` on an ephemeral port with its own data directory. */
export class RedisServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: Required<RedisServerOptions>,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'oc-redis-')), {
      appendOnly: true,
      ...options,
    });
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Start (or restart, on the same port and data directory) and wait until it answers PING. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        this.options.appendOnly ? 'yes' : 'no',
        '--appendfsync',
        'always',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await waitFor(() => (this.child ? pingOnce(this.port) : Promise.reject(new Error('exited'))), {
      timeoutMs: 10_000,
      what: `redis-server on ${this.port}`,
    });
  }

  /** Send a signal without waiting for an exit: SIGSTOP/SIGCONT freeze and thaw it (a hang). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Stop the server: SIGKILL simulates a crash, SIGTERM a clean shutdown. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
    this.child = undefined;
  }

  /** Stop and delete the data directory. */
  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves true when the server answers PING, undefined while it does not yet. */
function pingOnce(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (value: true | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(500, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG') ? true : undefined));
  });
}
