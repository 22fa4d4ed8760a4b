import { logRequest } from '@app/observability';
import type { Logger } from 'pino';
import type { TunnelTraffic } from './exchange';

export interface AccessLogEntry {
  method: string;
  path: string;
  userAgent: string | undefined;
  status: number;
  durationMs: number;
  upstream: string;
  requestId: string;
  /** An upgrade's tunnel, when one was open: the line is written when it closes. */
  tunnel?: TunnelTraffic;
}

/** Where the data plane reports each finished request (nginx's access_log). */
export interface AccessLog {
  write(entry: AccessLogEntry): void;
}

/** ACCESS_LOG=false: the hot path still calls write(), which does nothing. */
export const noAccessLog: AccessLog = { write: () => {} };

/**
 * JSON lines in the same shape as the web nodes' request lines (plus `upstream` and
 * `request_id`), with the trace ids the logger's mixin adds.
 */
export function pinoAccessLog(logger: Logger): AccessLog {
  return {
    write: (e) =>
      logRequest(logger, {
        method: e.method,
        path: e.path,
        userAgent: e.userAgent,
        status: e.status,
        durationMs: e.durationMs,
        extra: e.tunnel
          ? {
              upstream: e.upstream,
              request_id: e.requestId,
              bytes_from_client: e.tunnel.bytesFromClient,
              bytes_from_upstream: e.tunnel.bytesFromUpstream,
            }
          : { upstream: e.upstream, request_id: e.requestId },
      }),
  };
}
