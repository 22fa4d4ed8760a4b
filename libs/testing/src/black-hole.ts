import { spawn } from 'node:child_process';
import { type Socket, connect } from 'node:net';

/**
 * A loopback port where TCP connects hang, like a host that vanished from the network (a
 * killed container's address): a listener whose process is stopped (SIGSTOP) with its accept
 * queue full, so the kernel drops further SYNs and clients wait for their connect timeout.
 */
export class BlackHole {
  private constructor(
    readonly port: number,
    private readonly pid: number,
    private readonly fillers: Socket[],
  ) {}

  static async start(): Promise<BlackHole> {
    const child = spawn(
      process.execPath,
      [
        '-e',
        "require('node:net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 }," +
          ' function () { process.stdout.write(this.address().port + "\\n"); })',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once('exit', (code) => reject(new Error(`black hole listener exited (${code})`)));
    });
    child.stdout.destroy();
    process.kill(child.pid as number, 'SIGSTOP');
    // Fill the accept queue (backlog + 1 on Linux) until a connect no longer completes.
    const fillers: Socket[] = [];
    for (let i = 0; i < 16; i++) {
      const socket = connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      fillers.push(socket);
      const connected = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 300);
        socket.once('connect', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!connected) return new BlackHole(port, child.pid as number, fillers);
    }
    process.kill(child.pid as number, 'SIGKILL');
    throw new Error('black hole: connects kept completing; the accept queue never filled');
  }

  stop(): void {
    for (const socket of this.fillers) socket.destroy();
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
