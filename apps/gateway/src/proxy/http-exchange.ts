import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayError } from '../errors/gateway-errors';
import { ClientGone } from './client-gone';
import type { DrainState } from './drain-state';
import type { AttemptHooks, AttemptRequest, Exchange, TunnelTraffic } from './exchange';
import { RelayError, relay } from './relay';
import { type BodyLimits, type RequestBody, StreamedBody, readRequestBody } from './request-body';

/**
 * Connections the gateway is closing: it answered with `Connection: close` because it could
 * not trust, or did not read, what followed on them (a request's framing, an unread body).
 * A request Node parsed from the same bytes afterwards (pipelined) is never forwarded.
 */
const closing = new WeakSet<object>();

/** The connection of `req` is being closed: later requests on it are dropped (proxy.ts). */
export function isClosing(req: IncomingMessage): boolean {
  return closing.has(req.socket);
}

/**
 * The tail of a plain request: each attempt is relayed through the upstream's pool straight
 * into the client's response (relay.ts); errors are answered as JSON from the catalogue.
 */
export class HttpExchange implements Exchange {
  readonly kind = 'request';
  readonly hasBody: boolean;
  private readonly client: ClientGone;
  /** The request body, once read (request-body.ts): null when there is none. */
  private body: RequestBody | null = null;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly requestId: string,
    private readonly drain: DrainState,
  ) {
    this.hasBody = hasRequestBody(req);
    this.client = new ClientGone(res);
  }

  get clientGone(): boolean {
    return this.client.gone;
  }

  get responded(): boolean {
    return this.res.headersSent;
  }

  get status(): number {
    return this.res.statusCode;
  }

  get streamedBody(): boolean {
    return this.body instanceof StreamedBody;
  }

  async readBody(limits: BodyLimits): Promise<void> {
    const body = await readRequestBody(this.req, limits);
    this.body = body;
    // A streamed body lives as long as its response: its deadlines and listeners go with it
    // (no upstream picked, a refused connection, a failed attempt: nothing else ends them).
    if (body instanceof StreamedBody) this.res.once('close', () => body.destroy());
  }

  async forward(attempt: AttemptRequest, hooks: AttemptHooks): Promise<void> {
    const req = this.req;
    try {
      await relay(
        attempt.pool,
        {
          path: attempt.path,
          method: req.method ?? 'GET',
          headers: attempt.headers,
          body: this.body,
          headersTimeout: attempt.timeoutMs,
          trailersAllowed: req.method !== 'HEAD' && req.httpVersionMinor >= 1,
          informationalAllowed: req.httpVersionMajor > 1 || req.httpVersionMinor >= 1,
        },
        this.res,
        this.client,
        {
          responded: (status, servedBy) => hooks.answered(status, servedBy),
          // The request id goes back to the client in the header list given to writeHead()
          // (not setHeader(), which would make Node merge two lists); while draining,
          // keep-alive clients are asked to reconnect (to a gateway that is staying).
          decorate: (headers) => {
            headers.push('x-request-id', this.requestId);
            if (this.drain.active) headers.push('connection', 'close');
          },
        },
      );
    } catch (err) {
      throw err instanceof RelayError ? err.cause : err;
    }
  }

  answerError(error: GatewayError): void {
    const res = this.res;
    if (error.code === 'CLIENT_CLOSED_REQUEST' || res.headersSent || res.destroyed) {
      res.statusCode = error.status;
      res.destroy();
      return;
    }
    // An unread request body cannot stay on a keep-alive connection, nor can framing the
    // gateway refused (RFC 9112 §6.3: the connection is closed after such an answer).
    const close =
      this.drain.active || (this.hasBody && !this.req.readableEnded) || error.closesConnection;
    if (close) closing.add(this.req.socket);
    const body = error.body;
    res.writeHead(error.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': this.requestId,
      ...(close ? { connection: 'close' } : {}),
    });
    res.end(this.req.method === 'HEAD' ? undefined : body);
  }

  /** Cut a response that began: bytes went out, no second answer is possible. */
  cut(): void {
    this.res.destroy();
  }

  onFinished(done: (traffic?: TunnelTraffic) => void): void {
    done();
  }
}

/** The request has a body (RFC 9112 §6.3: Transfer-Encoding, or a Content-Length above 0). */
export function hasRequestBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
  );
}
