import type { GatewayError } from '../errors/gateway-errors';

/**
 * nginx retries only these (proxy_next_upstream without `non_idempotent`): safe or idempotent
 * methods, RFC 9110 §9.2.2.
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Everything the retry decision depends on, for one failed attempt. */
export interface RetryInput {
  method: string;
  /** The request's body is streamed (too large to buffer): it cannot be replayed. A buffered one can. */
  streamedBody: boolean;
  error: GatewayError;
  /** Attempts made so far, the failed one included (1 after the first try). */
  attempts: number;
  /** RETRY_TRIES: attempts allowed in all. */
  maxAttempts: number;
  /** Milliseconds left of RETRY_TIMEOUT_MS. */
  timeLeftMs: number;
  /** The client went away: nobody is waiting for another attempt. */
  clientGone: boolean;
  /** Bytes already went to the client: answering again is impossible. */
  responded: boolean;
}

export type RetryDecision =
  | { retry: true; reason: 'retryable_failure' }
  | {
      retry: false;
      reason:
        | 'responded'
        | 'client_gone'
        | 'not_idempotent'
        | 'streamed_body'
        | 'not_retryable'
        | 'tries_exhausted'
        | 'time_exhausted';
    };

/**
 * The one retry rule of the data plane (plain requests and upgrades alike), nginx's
 * `proxy_next_upstream error timeout` with `proxy_next_upstream_tries`/`_timeout`: another
 * upstream is tried only for an idempotent request, its body (if any) buffered, whose failure was the
 * upstream's (connect error, reset before a response, timeout), while tries and time are left
 * and the client still waits — and never once a byte of the answer went out. Pure: the same
 * input gives the same decision and its reason (the table in retry-rule.spec.ts).
 */
export function retryDecision(input: RetryInput): RetryDecision {
  if (input.responded) return { retry: false, reason: 'responded' };
  if (input.clientGone) return { retry: false, reason: 'client_gone' };
  if (!IDEMPOTENT.has(input.method)) return { retry: false, reason: 'not_idempotent' };
  if (input.streamedBody) return { retry: false, reason: 'streamed_body' };
  if (!input.error.retryable) return { retry: false, reason: 'not_retryable' };
  if (input.attempts >= input.maxAttempts) return { retry: false, reason: 'tries_exhausted' };
  if (input.timeLeftMs <= 0) return { retry: false, reason: 'time_exhausted' };
  return { retry: true, reason: 'retryable_failure' };
}
