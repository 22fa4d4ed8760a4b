import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';

/**
 * A TCP relay on loopback in front of one upstream whose replies can be made to vanish: while
 * swallowing, every byte from the client still reaches the upstream (it does the work, e.g.
 * counts a hit) but nothing it answers reaches the client — a reply lost on the way back
 * (issue #24). Connections that lost bytes are cut when swallowing ends, since their streams
 * no longer line up. A connect the upstream refuses, or an upstream that goes away, cuts the
 * client's connection as a dead host's would.
 */
export class ReplySwallower {
  private swallowing = false;
  /** Replies swallowed so far (chunks, not requests). */
  swallowedChunks = 0;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; lost: boolean }>();

  private readonly server: Server;
  private listeningPort = 0;

  private constructor(targetPort: number) {
    this.server = createServer((client) => this.accept(client, targetPort));
  }

  /** Listen on a free loopback port, relaying to `targetPort` on 127.0.0.1. */
  static async start(targetPort: number): Promise<ReplySwallower> {
    const relay = new ReplySwallower(targetPort);
    await new Promise<void>((resolve) =>
      relay.server.listen({ host: '127.0.0.1', port: 0 }, resolve),
    );
    relay.listeningPort = (relay.server.address() as AddressInfo).port;
    return relay;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** From now on, drop whatever the upstream answers. */
  swallow(): void {
    this.swallowing = true;
  }

  /** Relay replies again; connections that lost some are cut. */
  release(): void {
    this.swallowing = false;
    for (const pair of this.pairs) {
      if (pair.lost) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    }
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const pair = { client, upstream, lost: false };
    this.pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (this.swallowing) {
        pair.lost = true;
        this.swallowedChunks++;
      } else if (!pair.lost) client.write(chunk);
    });
  }
}
