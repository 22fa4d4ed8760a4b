import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayError } from '../errors/gateway-errors';
import { BodyLimit } from './body-limit';
import { ClientGone } from './client-gone';
import type { DrainState } from './drain-state';
import type { AttemptHooks, AttemptRequest, Exchange, TunnelTraffic } from './exchange';
import { RelayError, relay } from './relay';

/**
 * The tail of a plain request: each attempt is relayed through the upstream's pool straight
 * into the client's response (relay.ts); errors are answered as JSON from the catalogue.
 */
export class HttpExchange implements Exchange {
  readonly kind = 'request';
  readonly hasBody: boolean;
  private readonly client: ClientGone;
  /** The request body, counted against MAX_BODY_BYTES; piped at the first attempt only. */
  private body: BodyLimit | null | undefined;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly requestId: string,
    private readonly maxBodyBytes: number,
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

  async forward(attempt: AttemptRequest, hooks: AttemptHooks): Promise<void> {
    // A request that was refused never reads its body; one that is forwarded streams it once
    // (a body is never replayed: the retry rule does not retry requests that have one).
    if (this.body === undefined)
      this.body = this.hasBody ? this.req.pipe(new BodyLimit(this.maxBodyBytes)) : null;
    try {
      await relay(
        attempt.pool,
        {
          path: this.req.url ?? '/',
          method: this.req.method ?? 'GET',
          headers: attempt.headers,
          body: this.body,
          headersTimeout: attempt.timeoutMs,
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
    const body = error.body;
    res.writeHead(error.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-request-id': this.requestId,
      // An unread request body cannot stay on a keep-alive connection; nor can a draining one.
      ...(this.drain.active || (this.hasBody && !this.req.readableEnded)
        ? { connection: 'close' }
        : {}),
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

function hasRequestBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
  );
}
