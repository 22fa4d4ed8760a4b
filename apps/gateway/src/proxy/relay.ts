import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { type Dispatcher, errors } from 'undici';
import type { ClientGone } from './client-gone';
import { clientHeaders } from './headers';

export interface RelayRequest {
  path: string;
  method: string;
  headers: Record<string, string | string[]>;
  /** A buffered body (sent at once) or a streamed one (the deadline starts when it is sent). */
  body: Buffer | Readable | null;
  /**
   * Response headers are due this many ms after the request has been sent: after dispatch for
   * a request without a body or with a buffered one (waiting for a connection and connecting
   * included: undici's own headersTimeout starts only once the request is written, so a
   * connect that hangs would cost UPSTREAM_CONNECT_TIMEOUT_MS on top), after its last byte for a
   * streamed body (which has deadlines of its own meanwhile: request-body.ts).
   */
  headersTimeout: number;
  /** The client's request may take trailers in its answer (HTTP/1.1, not HEAD). */
  trailersAllowed: boolean;
  /** The client may be sent 1xx answers (HTTP/1.1 and later: RFC 9110 §15.2). */
  informationalAllowed: boolean;
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
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.unwatch();
      reject(new RelayError(err, responded));
    };
    // The attempt's one deadline (the x-request-deadline the upstream was given), from when the
    // request has been sent. Past it while the request is still waiting for its connection,
    // the attempt fails at once (and is retried elsewhere); should that connection come up
    // later, the request is never sent.
    const startDeadline = () => {
      if (settled || responded) return;
      timer = setTimeout(() => {
        const late = new errors.HeadersTimeoutError(
          `no response headers within ${request.headersTimeout} ms of sending`,
        );
        if (abortUpstream) abortUpstream(late);
        else fail(late);
      }, request.headersTimeout);
    };
    if (request.body instanceof Readable) request.body.once('end', startDeadline);
    else startDeadline();
    let trailersAnnounced = false;
    let wroteBody = false;
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
        // The raw list keeps the upstream's names and order; an HTTP/1.1 Pool hands it over as
        // Buffers (undici's HTTP/1.1 client, client-h1), the type also allows HTTP/2's forms.
        const raw = controller.rawHeaders as Buffer[];
        // 1xx (RFC 9110 §15.2): 103 Early Hints goes on to the client ahead of the answer; the
        // rest are for this hop only. The deadline still runs for the final answer.
        if (status < 200) {
          if (status === 103 && request.informationalAllowed) earlyHints(res, raw);
          return;
        }
        clearTimeout(timer);
        responded = true;
        resume = () => controller.resume();
        const { headers, servedBy, sized, trailers } = clientHeaders(
          raw,
          // 204 and 304 have no body, hence no chunked framing either.
          request.trailersAllowed && status !== 204 && status !== 304,
        );
        trailersAnnounced = trailers;
        hooks.responded(status, servedBy);
        hooks.decorate(headers);
        res.writeHead(status, headers);
        // A stream with nothing to send yet (SSE, long poll) gets its headers now; a body that
        // arrived with the headers (the usual case) leaves with them, in one write. (writeHead
        // only stores the headers: `headersSent` is true at once, so it cannot tell.)
        if (!sized) setImmediate(() => wroteBody || res.destroyed || res.flushHeaders());
      },
      onResponseData(controller, chunk) {
        wroteBody = true;
        if (res.write(chunk)) return;
        controller.pause();
        res.once('drain', onDrain);
      },
      onResponseEnd(controller) {
        settled = true;
        client.unwatch();
        // Trailers the upstream announced go on when the client's answer can carry them
        // (chunked: RFC 9112 §7.1.2); otherwise neither the announcement nor they are sent.
        const raw = controller.rawTrailers;
        if (trailersAnnounced && Array.isArray(raw) && raw.length > 0 && res.chunkedEncoding)
          addTrailers(res, raw);
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

/**
 * Relay a 103's Link fields (RFC 8297: what Early Hints are for); its other fields, hop-by-hop
 * ones included, stay behind. A hint Node will not write (an invalid Link) is dropped.
 */
function earlyHints(res: ServerResponse, raw: Buffer[]): void {
  const hints: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    if (name !== 'link') continue;
    const value = raw[i + 1].toString('latin1');
    const prior = hints[name];
    hints[name] =
      prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  if (hints.link === undefined) return;
  try {
    res.writeEarlyHints(hints);
  } catch {
    // Nothing is lost: an early hint is only ever a hint.
  }
}

function addTrailers(res: ServerResponse, raw: readonly (Buffer | string)[]): void {
  const fields: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2)
    fields.push([raw[i].toString('latin1'), raw[i + 1].toString('latin1')]);
  try {
    res.addTrailers(fields);
  } catch {
    // A trailer field Node will not write: the answer itself is complete without it.
  }
}
