import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { GatewayError } from '../errors/gateway-errors';

/** Bounds on reading a request body (docs/gateway.md, "Request bodies"). */
export interface BodyLimits {
  /** MAX_BODY_BYTES (client_max_body_size): larger bodies get 413. */
  maxBytes: number;
  /** CLIENT_BODY_BUFFER_BYTES: bodies up to this are read whole before an upstream is picked. */
  bufferBytes: number;
  /** CLIENT_BODY_TIMEOUT_MS (client_body_timeout): longest wait for the client's next bytes. */
  clientTimeoutMs: number;
  /** UPSTREAM_BODY_TIMEOUT_MS (proxy_send_timeout): longest the upstream may leave a streamed body unread. */
  upstreamTimeoutMs: number;
}

/**
 * A body to send upstream: read whole (a Buffer, which every attempt can send again), or too
 * large for that and streamed (sent once, by the first attempt).
 */
export type RequestBody = Buffer | StreamedBody;

/**
 * Read the body of `req` before any upstream is involved (nginx `proxy_request_buffering on`):
 * a client that sends slowly, stalls or leaves costs no upstream anything, and its fault is
 * answered here (408, 413, 499) instead of as an attempt failure. Bodies larger than
 * `bufferBytes` are streamed instead, from the bytes read so far: see {@link StreamedBody}.
 */
export function readRequestBody(req: IncomingMessage, limits: BodyLimits): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const fail = (code: 'BODY_TOO_LARGE' | 'CLIENT_BODY_TIMEOUT' | 'CLIENT_CLOSED_REQUEST') => {
      stop();
      req.pause();
      reject(new GatewayError(code));
    };
    const timer = setTimeout(() => fail('CLIENT_BODY_TIMEOUT'), limits.clientTimeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) return fail('BODY_TOO_LARGE');
      chunks.push(chunk);
      timer.refresh();
      if (size > limits.bufferBytes) {
        stop();
        req.pause();
        resolve(new StreamedBody(req, chunks, size, limits));
      }
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    // Closed before its end: the client left (IncomingMessage's 'error' comes with it).
    const onClose = () => fail('CLIENT_CLOSED_REQUEST');
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.on('error', () => {});
  });
}

/**
 * A body too large to buffer, streamed to the upstream as it arrives. Whose fault a stall is
 * depends on who stalls: while the upstream asks for more and the client sends nothing,
 * CLIENT_BODY_TIMEOUT_MS runs (the client's: 408); while the client's bytes wait for the upstream
 * to read them (backpressure), UPSTREAM_BODY_TIMEOUT_MS runs (the upstream's: 504). Either
 * fails the attempt with that error, which transport-failures.ts passes on as is.
 */
export class StreamedBody extends Readable {
  private seen: number;
  /** The one deadline running: for the client's next bytes, or for the upstream to read. */
  private timer?: NodeJS.Timeout;
  private waitingFor: 'client' | 'upstream' = 'upstream';
  private ended = false;

  constructor(
    private readonly req: IncomingMessage,
    prefix: Buffer[],
    seen: number,
    private readonly limits: BodyLimits,
  ) {
    super();
    // Its errors are the attempt's (undici listens while it sends the body, and the proxy answers
    // from them); a body no attempt took, or took and let go, must not crash the process when a
    // deadline destroys it later.
    this.on('error', () => {});
    this.seen = seen;
    for (const chunk of prefix) this.push(chunk);
    // Until the upstream asks, the bytes read so far wait for it.
    this.wait('upstream');
    req.on('data', this.onData);
    req.once('end', this.onEnd);
    req.once('close', this.onClose);
  }

  private wait(on: 'client' | 'upstream'): void {
    clearTimeout(this.timer);
    this.waitingFor = on;
    this.timer =
      on === 'client'
        ? setTimeout(
            () => this.destroy(new GatewayError('CLIENT_BODY_TIMEOUT')),
            this.limits.clientTimeoutMs,
          )
        : setTimeout(
            () => this.destroy(new GatewayError('UPSTREAM_TIMEOUT')),
            this.limits.upstreamTimeoutMs,
          );
  }

  private readonly onData = (chunk: Buffer): void => {
    this.seen += chunk.length;
    if (this.seen > this.limits.maxBytes) {
      this.destroy(new GatewayError('BODY_TOO_LARGE'));
      return;
    }
    if (this.push(chunk)) this.timer?.refresh();
    else {
      // The upstream has enough for now: wait for it, not the client.
      this.req.pause();
      this.wait('upstream');
    }
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    clearTimeout(this.timer);
    this.push(null);
  };

  private readonly onClose = (): void => {
    if (!this.ended) this.destroy(new GatewayError('CLIENT_CLOSED_REQUEST'));
  };

  override _read(): void {
    if (this.ended) return;
    // The upstream asks for more: from now on it is the client we wait for.
    if (this.waitingFor === 'upstream') this.wait('client');
    this.req.resume();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('close', this.onClose);
    this.req.pause();
    done(err);
  }
}
