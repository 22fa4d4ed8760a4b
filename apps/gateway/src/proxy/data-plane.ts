import cluster from 'node:cluster';
import { type IncomingMessage, STATUS_CODES, type Server, createServer } from 'node:http';
import { GatewayError } from '../errors/gateway-errors';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayConfig } from '../config/gateway.config';
import type { ProxyHandler } from './proxy';
import { hasRequestBody } from './http-exchange';
import type { DrainState } from './drain-state';

type ServerConfig = Pick<
  GatewayConfig,
  | 'PORT'
  | 'HOST'
  | 'CLIENT_HEADER_TIMEOUT_MS'
  | 'CLIENT_KEEPALIVE_TIMEOUT_MS'
  | 'SHUTDOWN_TIMEOUT_MS'
>;

/**
 * The data plane's own listener: plain `node:http`, not Nest's router, so a proxied request
 * pays for nothing but proxying. Nest owns its lifecycle (GatewayCore, gateway.core.ts).
 */
export class DataPlane {
  readonly server: Server;
  private inFlight = 0;
  private drained?: () => void;

  constructor(
    private readonly config: ServerConfig,
    private readonly proxy: ProxyHandler,
    private readonly drain: DrainState,
  ) {
    this.server = createServer(
      {
        // Slowloris: headers must arrive within this, or the connection is closed (408)...
        headersTimeout: config.CLIENT_HEADER_TIMEOUT_MS,
        // ...checked this often (Node's default, 30 s, would let a slow client linger).
        connectionsCheckingInterval: Math.min(1000, config.CLIENT_HEADER_TIMEOUT_MS),
        // The whole request (headers and body, not the response) within Node's default 5 min.
        requestTimeout: 300_000,
        keepAliveTimeout: config.CLIENT_KEEPALIVE_TIMEOUT_MS,
        // RFC 9112 §3.2: a request with two Hosts is answered 400. Joined, two become one value
        // the Host rule refuses (refusals.ts); and no field a client repeats is silently lost
        // on its way upstream (Node would keep only the first of some).
        joinDuplicateHeaders: true,
        // An upgrade that declares a body is served as a plain request (RFC 9110 §7.8: a
        // server may ignore Upgrade): its body is read and answered like any other, instead of
        // bytes that are neither body nor tunnel.
        shouldUpgradeCallback: (req: IncomingMessage) => !hasRequestBody(req),
        // insecureHTTPParser stays off (Node's default): llhttp's strict mode refuses obs-fold,
        // bare LF, Content-Length with Transfer-Encoding and the other ambiguous framings
        // (docs/gateway.md, "HTTP/1.1 framing").
      },
      proxy.handle,
    );
    this.server.on('request', (_req, res) => {
      this.inFlight++;
      res.once('close', () => {
        this.inFlight--;
        if (this.inFlight === 0) this.drained?.();
      });
    });
    // Upgrades run the same pipeline as plain requests; only the tail is a tunnel. CONNECT too
    // (Node hands it over like an upgrade): the pipeline refuses it — its authority-form target
    // at step 2 (400 INVALID_TARGET), any other target by the CONNECT rule (refusals.ts: 405).
    this.server.on('upgrade', proxy.handleUpgrade);
    this.server.on('connect', proxy.handleUpgrade);
    this.server.on('clientError', (err: Error, socket: Duplex) =>
      onClientError(err, socket, proxy.clientFault),
    );
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    const host = ['0.0.0.0', '::'].includes(this.config.HOST) ? '127.0.0.1' : this.config.HOST;
    return `http://${host}:${port}`;
  }

  listen(): Promise<void> {
    // Under GATEWAY_WORKERS > 1 each worker binds its own socket with SO_REUSEPORT (nginx's
    // `listen … reuseport`): the kernel spreads new connections over the workers, and a worker
    // that dies takes only its own accept queue with it. node:cluster's default instead has the
    // primary accept and hand each connection over; one handed to a worker as it died was never
    // closed, and its client hung (workers.e2e-spec.ts found it).
    const own = cluster.isWorker;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const options = { port: this.config.PORT, host: this.config.HOST };
      this.server.listen(own ? { ...options, exclusive: true, reusePort: true } : options, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /**
   * Stop accepting, let in-flight requests finish (their responses carry `Connection: close`),
   * then close. Past SHUTDOWN_TIMEOUT_MS every connection is cut. Resolves true if drained.
   */
  async close(): Promise<boolean> {
    this.drain.begin();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const idle =
      this.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => (this.drained = r));
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      idle.then(() => true),
      new Promise<boolean>(
        (r) => (timer = setTimeout(() => r(false), this.config.SHUTDOWN_TIMEOUT_MS)),
      ),
    ]);
    clearTimeout(timer);
    this.proxy.tunnels.destroyAll();
    this.server.closeAllConnections();
    await closed;
    return drained;
  }
}

/** What llhttp's (and Node's) refusals are in the catalogue, by their code; any other is MALFORMED_REQUEST. */
const PARSE_ERRORS: Record<string, GatewayError> = {
  HPE_HEADER_OVERFLOW: new GatewayError('HEADERS_TOO_LARGE'),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: new GatewayError('BODY_TOO_LARGE'),
  ERR_HTTP_REQUEST_TIMEOUT: new GatewayError('CLIENT_HEADER_TIMEOUT'),
};
const MALFORMED = new GatewayError('MALFORMED_REQUEST');

/**
 * A request Node's parser refused (llhttp, strict): answered from the catalogue, counted as the
 * client's fault, the connection closed — what Node does by default, but in the catalogue's
 * shape. Except for bytes after a request that asked to close (`Connection: close`,
 * HPE_CLOSED_CONNECTION): RFC 9112 §9.6 says they are ignored, so the answer in flight to that
 * request is finished (Node's default cut it and answered 400 instead).
 */
function onClientError(
  err: Error & { code?: string },
  socket: Duplex,
  fault: (error: GatewayError) => void,
): void {
  if (err.code === 'HPE_CLOSED_CONNECTION' && !socket.destroyed) return;
  const error = PARSE_ERRORS[err.code ?? ''] ?? MALFORMED;
  // A reset or a connection gone mid-request is no answerable mistake.
  if (err.code !== 'ECONNRESET') fault(error);
  if (socket.writable && (socket as Socket).bytesWritten === 0) {
    const body = error.body;
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
