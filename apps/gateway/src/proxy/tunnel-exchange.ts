import { type IncomingMessage, request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GatewayError } from '../errors/gateway-errors';
import type { AttemptHooks, AttemptRequest, Exchange, TunnelTraffic } from './exchange';

/** Open tunnels' sockets, so that shutdown can cut them (DataPlane.close). */
export class OpenTunnels {
  private readonly sockets = new Set<Duplex>();

  /** Open tunnels (each holds two sockets). */
  get open(): number {
    return this.sockets.size / 2;
  }

  add(socket: Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/**
 * The tail of an `Upgrade` request (WebSocket): the handshake goes to the picked upstream with
 * the same header rules as any request; after its `101` the two sockets are piped together
 * byte for byte until either side closes. An upstream that declines the upgrade has its answer
 * relayed as is. Every attempt opens its own connection (an upgraded one cannot go back to a
 * pool).
 */
export class TunnelExchange implements Exchange {
  readonly kind = 'upgrade';
  // An upgrade request has no body of its own; what follows the handshake is the tunnel's (one
  // that declares a body is not upgraded but served as a plain request: data-plane.ts).
  readonly hasBody = false;
  readonly streamedBody = false;
  private answered = false;
  private gone = false;
  private finalStatus = 0;
  private readonly whenFinished: ((traffic?: TunnelTraffic) => void)[] = [];
  private traffic?: TunnelTraffic;
  private done = false;
  /** Told the handshake's outcome (the status the client got): ends the server span. */
  onHandshake?: (status: number) => void;

  constructor(
    readonly req: IncomingMessage,
    private readonly client: Duplex,
    private readonly head: Buffer,
    readonly requestId: string,
    private readonly connectTimeoutMs: number,
    private readonly tunnels: OpenTunnels,
  ) {
    client.on('error', () => client.destroy());
    client.once('close', () => {
      if (!this.answered) this.gone = true;
    });
  }

  get clientGone(): boolean {
    return this.gone;
  }

  get responded(): boolean {
    return this.answered;
  }

  get status(): number {
    return this.finalStatus;
  }

  readBody(): Promise<void> {
    return Promise.resolve();
  }

  forward(attempt: AttemptRequest, hooks: AttemptHooks): Promise<void> {
    const { upstream } = attempt;
    return new Promise<void>((resolve, reject) => {
      const upstreamReq = request({
        host: upstream.address,
        port: upstream.spec.port,
        method: this.req.method,
        path: attempt.path,
        headers: {
          ...attempt.headers,
          connection: 'Upgrade',
          upgrade: this.req.headers.upgrade ?? 'websocket',
        },
        agent: false,
        timeout: Math.min(this.connectTimeoutMs, attempt.timeoutMs),
      });
      const leave = () => upstreamReq.destroy(clientClosed());
      this.client.once('close', leave);
      upstreamReq.on('timeout', () => upstreamReq.destroy(timedOut()));
      upstreamReq.on('error', (err) => {
        this.client.off('close', leave);
        reject(err);
      });
      upstreamReq.on('response', (res) => {
        // The upstream answered without switching protocols: relay that answer, then close.
        this.client.off('close', leave);
        upstreamReq.setTimeout(0);
        this.answered = true;
        this.finalStatus = res.statusCode ?? 502;
        hooks.answered(this.finalStatus, servedByOf(res.rawHeaders));
        this.onHandshake?.(this.finalStatus);
        this.client.write(
          statusLine(this.finalStatus, res.statusMessage) + rawHeaders(res.rawHeaders),
        );
        res.pipe(this.client);
        res.once('end', () => this.finish());
        resolve();
      });
      upstreamReq.on('upgrade', (res, upstreamSocket: Duplex, upstreamHead: Buffer) => {
        this.client.off('close', leave);
        upstreamReq.setTimeout(0);
        this.answered = true;
        this.finalStatus = 101;
        hooks.answered(101, servedByOf(res.rawHeaders));
        this.onHandshake?.(101);
        this.client.write(statusLine(101, res.statusMessage) + rawHeaders(res.rawHeaders));
        this.pipe(upstreamSocket, upstreamHead);
        resolve();
      });
      upstreamReq.end();
    });
  }

  answerError(error: GatewayError): void {
    this.finalStatus = error.status;
    this.onHandshake?.(error.status);
    const client = this.client;
    if (client.destroyed || this.answered || error.code === 'CLIENT_CLOSED_REQUEST') {
      client.destroy();
      return;
    }
    const body = error.body;
    client.end(
      statusLine(error.status, undefined) +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${this.requestId}\r\nconnection: close\r\n\r\n` +
        body,
    );
  }

  cut(): void {
    this.client.destroy();
  }

  onFinished(done: (traffic?: TunnelTraffic) => void): void {
    if (this.done || !this.answered) done(this.traffic);
    else this.whenFinished.push(done);
  }

  /** The two sockets, piped both ways; both close when either does. */
  private pipe(upstreamSocket: Duplex, upstreamHead: Buffer): void {
    const client = this.client;
    const traffic: TunnelTraffic = { bytesFromClient: this.head.length, bytesFromUpstream: 0 };
    this.traffic = traffic;
    this.tunnels.add(client);
    this.tunnels.add(upstreamSocket);
    if (upstreamHead.length > 0) {
      traffic.bytesFromUpstream += upstreamHead.length;
      client.write(upstreamHead);
    }
    if (this.head.length > 0) upstreamSocket.write(this.head);
    client.on('data', (chunk: Buffer) => (traffic.bytesFromClient += chunk.length));
    upstreamSocket.on('data', (chunk: Buffer) => (traffic.bytesFromUpstream += chunk.length));
    const close = () => {
      client.destroy();
      upstreamSocket.destroy();
      this.finish();
    };
    client.once('close', close);
    upstreamSocket.once('close', close);
    upstreamSocket.on('error', close);
    upstreamSocket.pipe(client).pipe(upstreamSocket);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    for (const done of this.whenFinished) done(this.traffic);
  }
}

/** An error the transport mapping (fromTransportError) reads as a timeout. */
function timedOut(): Error {
  return Object.assign(new Error('upstream did not answer the upgrade in time'), {
    code: 'ETIMEDOUT',
  });
}

/** An error the transport mapping reads as the client's leaving. */
function clientClosed(): Error {
  return Object.assign(new Error('the client closed the connection'), { code: 'UND_ERR_ABORTED' });
}

function servedByOf(raw: string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].toLowerCase() === 'x-served-by') return raw[i + 1];
  return undefined;
}

function statusLine(status: number, message: string | undefined): string {
  return `HTTP/1.1 ${status} ${message ?? ''}\r\n`;
}

function rawHeaders(raw: string[]): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${out}\r\n`;
}
