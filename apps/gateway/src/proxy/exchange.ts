import type { IncomingMessage } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GatewayError } from '../errors/gateway-errors';
import type { Upstream } from '../upstreams/upstream';
import type { OutgoingHeaders } from './headers';
import type { BodyLimits } from './request-body';

/** What one attempt reports back to the pipeline while it runs. */
export interface AttemptHooks {
  /** The upstream answered (its status line and headers arrived); called at most once. */
  answered(status: number, servedBy: string | undefined): void;
}

/** One attempt's request to an upstream. */
export interface AttemptRequest {
  upstream: Upstream;
  /** The normal origin-form target (request-target.ts): what the refusal rules saw. */
  path: string;
  /** The upstream's keep-alive pool (plain requests; a tunnel opens its own connection). */
  pool: Dispatcher;
  headers: OutgoingHeaders;
  /** Bound on the wait for the upstream's answer (what is left of the retry budget). */
  timeoutMs: number;
}

/**
 * The tail of the pipeline: what differs between a plain request (relayed through a pool
 * into the client's response: http-exchange.ts) and an `Upgrade` (a handshake, then a byte
 * tunnel: tunnel-exchange.ts). Everything before — refusal rules, eligibility, the pick,
 * passive health, the retry rule, spans — and the recording after are the same steps for both
 * (proxy.ts).
 */
export interface Exchange {
  /** `request` or `upgrade`: how metrics and the access log tell them apart. */
  readonly kind: 'request' | 'upgrade';
  readonly req: IncomingMessage;
  readonly requestId: string;
  /** The request has a body (read by `readBody` before any upstream is picked). */
  readonly hasBody: boolean;
  /** Its body was too large to buffer and is streamed: it cannot be replayed on another upstream. */
  readonly streamedBody: boolean;
  /** The client went away before its answer was complete. */
  readonly clientGone: boolean;
  /** Part of an answer already went to the client: it cannot be answered again. */
  readonly responded: boolean;
  /** The status the client got (101 for an open tunnel). */
  readonly status: number;
  /** Read the request body before any upstream is involved (request-body.ts); rejects with the client's fault. */
  readBody(limits: BodyLimits): Promise<void>;
  /**
   * One attempt. Resolves once the answer is relayed (a request) or the handshake answered
   * (an upgrade); rejects with the transport's error.
   */
  forward(attempt: AttemptRequest, hooks: AttemptHooks): Promise<void>;
  /** Answer with a catalogue error, or cut the connection if an answer already began. */
  answerError(error: GatewayError): void;
  /** Cut the client's connection: an answer began and the upstream failed mid-way. */
  cut(): void;
  /**
   * Called once the exchange is over: at once for a request, when the tunnel closes for an
   * upgrade (with its byte counts).
   */
  onFinished(done: (traffic?: TunnelTraffic) => void): void;
}

/** What went through a tunnel, for its access-log line. */
export interface TunnelTraffic {
  bytesFromClient: number;
  bytesFromUpstream: number;
}
