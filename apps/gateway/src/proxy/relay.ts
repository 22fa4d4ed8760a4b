import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { type Dispatcher, errors } from 'undici';
import type { ClientGone } from './client-gone';
import { clientHeaders } from './headers';

export interface RelayRequest {
  path: string;
  method: string;
  headers: Record<string, string | string[]>;
  body: Readable | null;
  /**
   * Response headers are due this many ms after dispatch, waiting for a connection and
   * connecting included (undici's own headersTimeout starts only once the request is written,
   * so a connect that hangs would cost UPSTREAM_CONNECT_TIMEOUT_MS on top).
   */
  headersTimeout: number;
}

export interface RelayHooks {
  /** Response headers arrived (status, the upstream's `x-served-by`); called once. */
  responded(status: number, servedBy: string | undefined): void;
  /** Last say on the client's headers (e.g. `connection: close` while draining). */
  decorate(headers: string[]): void;
}

/** Why a relay failed, and whether the client already got part of the response. */
export class RelayError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly responded: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'RelayError';
  }
}

/**
 * One upstream exchange, relayed straight into the client's response: undici's low-level
 * `dispatch()` with a handler that writes each chunk as it arrives, pausing the upstream
 * while the client's socket is full. Compared with `request()` plus piping its body stream
 * this skips a Readable and a promise per request (docs/performance.md). Resolves when the response is complete; rejects
 * with a {@link RelayError}.
 */
export function relay(
  pool: Dispatcher,
  request: RelayRequest,
  res: ServerResponse,
  client: ClientGone,
  hooks: RelayHooks,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let responded = false;
    let settled = false;
    let resume: (() => void) | undefined;
    let abortUpstream: ((reason: Error) => void) | undefined;
    const onDrain = () => resume?.();
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.unwatch();
      reject(new RelayError(err, responded));
    };
    // The attempt's one deadline (the x-request-deadline the upstream was given). Past it while
    // the request is still waiting for its connection, the attempt fails at once (and is
    // retried elsewhere); should that connection come up later, the request is never sent.
    const timer = setTimeout(() => {
      const late = new errors.HeadersTimeoutError(
        `no response headers within ${request.headersTimeout} ms of dispatch`,
      );
      if (abortUpstream) abortUpstream(late);
      else fail(late);
    }, request.headersTimeout);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(controller) {
        if (settled) {
          controller.abort(new errors.HeadersTimeoutError('connected after the attempt gave up'));
          return;
        }
        abortUpstream = (reason) => controller.abort(reason);
        // The reason is undici's default: an aborted exchange is classified as the client's doing.
        client.watch(() => controller.abort(new errors.RequestAbortedError()));
      },
      onResponseStart(controller, status) {
        clearTimeout(timer);
        responded = true;
        resume = () => controller.resume();
        // The raw list keeps the upstream's names and order; an HTTP/1.1 Pool hands it over as
        // Buffers (undici's HTTP/1.1 client, client-h1), the type also allows HTTP/2's forms.
        const raw = controller.rawHeaders as Buffer[];
        const { headers, servedBy, sized } = clientHeaders(raw);
        hooks.responded(status, servedBy);
        hooks.decorate(headers);
        res.writeHead(status, headers);
        // A stream with nothing to send yet (SSE, long poll) gets its headers now; a body that
        // arrived with the headers (the usual case) leaves with them, in one write.
        if (!sized) setImmediate(() => res.headersSent || res.destroyed || res.flushHeaders());
      },
      onResponseData(controller, chunk) {
        if (res.write(chunk)) return;
        controller.pause();
        res.once('drain', onDrain);
      },
      onResponseEnd() {
        settled = true;
        client.unwatch();
        res.end();
        resolve();
      },
      onResponseError: (_controller, err) => fail(err),
    };
    pool.dispatch(
      {
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
        // The timer above is the attempt's deadline; undici's would only start later.
        headersTimeout: 0,
      },
      handler,
    );
  });
}
