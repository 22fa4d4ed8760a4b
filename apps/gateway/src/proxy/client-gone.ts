import type { ServerResponse } from 'node:http';

/**
 * Notices a client that leaves before its response is complete, and aborts the upstream
 * exchange running for it. One listener and two fields per request: an AbortController (an
 * EventTarget, a signal, a listener per attempt) cost the gateway about a tenth of its CPU per
 * proxied request (docs/performance.md).
 */
export class ClientGone {
  /** True once the client closed the connection before the response was complete. */
  gone = false;
  private abortExchange?: () => void;

  constructor(res: ServerResponse) {
    res.once('close', () => {
      if (res.writableFinished) return;
      this.gone = true;
      this.abortExchange?.();
    });
  }

  /** Abort this exchange if the client leaves while it runs (at once if it already left). */
  watch(abort: () => void): void {
    if (this.gone) abort();
    else this.abortExchange = abort;
  }

  /** The exchange is over: leaving now concerns nothing upstream. */
  unwatch(): void {
    this.abortExchange = undefined;
  }
}
