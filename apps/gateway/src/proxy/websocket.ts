import { type IncomingMessage, request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Balancer } from '../balancer/balancer';
import { GatewayError } from '../errors/gateway-errors';
import type { UpstreamRegistry } from '../upstreams/upstream-registry';
import { forwardRequestHeaders, requestIdOf } from './headers';

/**
 * `Upgrade` requests (WebSocket) are tunnelled: the handshake goes to a balanced upstream with
 * the same header rules as any request, and after its `101` the two sockets are piped together
 * byte for byte. An upstream that declines the upgrade has its answer relayed as is.
 */
export class UpgradeTunnel {
  private readonly sockets = new Set<Duplex>();

  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly balancer: Balancer,
    private readonly connectTimeoutMs: number,
  ) {}

  /** Open tunnels (each counts both its sockets). */
  get open(): number {
    return this.sockets.size / 2;
  }

  readonly handle = (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    client.on('error', () => client.destroy());
    const upstream = this.balancer.pick(this.registry.upstreams, Date.now(), new Set());
    if (!upstream) return refuse(client, new GatewayError('NO_HEALTHY_UPSTREAM'));

    const headers = forwardRequestHeaders(req, requestIdOf(req), new Set());
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? 'websocket';
    const upstreamReq = request({
      host: upstream.address,
      port: upstream.spec.port,
      method: req.method,
      path: req.url,
      headers,
      agent: false,
      timeout: this.connectTimeoutMs,
    });
    upstream.inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        upstream.inFlight--;
      }
    };

    upstreamReq.on('timeout', () => upstreamReq.destroy(new GatewayError('UPSTREAM_TIMEOUT')));
    upstreamReq.on('error', (err) => {
      release();
      if (!(err instanceof GatewayError)) upstream.recordFailure(Date.now());
      refuse(client, err instanceof GatewayError ? err : new GatewayError('UPSTREAM_UNAVAILABLE'));
    });
    upstreamReq.on('response', (res) => {
      // The upstream answered without switching protocols: relay that answer and close.
      release();
      client.write(
        statusLine(res.statusCode ?? 502, res.statusMessage) + rawHeaders(res.rawHeaders),
      );
      res.pipe(client);
    });
    upstreamReq.on('upgrade', (res, upstreamSocket, upstreamHead) => {
      upstreamReq.setTimeout(0);
      upstream.recordSuccess();
      client.write(statusLine(101, res.statusMessage) + rawHeaders(res.rawHeaders));
      if (upstreamHead.length > 0) client.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      this.track(client, upstreamSocket, release);
      upstreamSocket.pipe(client).pipe(upstreamSocket);
    });
    upstreamReq.end();
  };

  /** Shutdown: cut every open tunnel. */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private track(client: Duplex, upstreamSocket: Duplex, release: () => void): void {
    this.sockets.add(client);
    this.sockets.add(upstreamSocket);
    const close = () => {
      release();
      this.sockets.delete(client);
      this.sockets.delete(upstreamSocket);
      client.destroy();
      upstreamSocket.destroy();
    };
    client.once('close', close);
    upstreamSocket.once('close', close);
    upstreamSocket.on('error', close);
  }
}

function refuse(client: Duplex, error: GatewayError): void {
  if (client.destroyed) return;
  const body = error.body;
  client.end(
    statusLine(error.status, undefined) +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n` +
      body,
  );
}

function statusLine(status: number, message: string | undefined): string {
  return `HTTP/1.1 ${status} ${message ?? ''}\r\n`;
}

function rawHeaders(raw: string[]): string {
  let out = '';
  for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${out}\r\n`;
}
