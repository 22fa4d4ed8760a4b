import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Attributes } from '@opentelemetry/api';
import type { SpanSink } from './lean-tracer';
import { type SpanRecord, encodeTraceRequest } from './otlp-proto';

/** Batching like the SDK's BatchSpanProcessor, with the same `OTEL_BSP_*` meanings. */
export interface BatchSettings {
  /** OTEL_BSP_SCHEDULE_DELAY: longest a finished span waits before it is sent (ms). */
  scheduleDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans waiting at most; more are dropped (and counted). */
  maxQueueSize: number;
  /** OTEL_BSP_MAX_EXPORT_BATCH_SIZE: spans per request at most; a full batch goes at once. */
  maxExportBatchSize: number;
  /** OTEL_EXPORTER_OTLP_TIMEOUT: bound on one export request (ms). */
  exportTimeoutMs: number;
}

/** Sends encoded batches somewhere; resolves when done, rejects on failure. */
export type BatchTransport = (body: Buffer, spanCount: number) => Promise<void>;

/** Batches sent at once at most: a slow collector never costs more than this in memory. */
const MAX_CONCURRENT_EXPORTS = 2;

/**
 * Collects finished spans and sends them in batches: when a batch is full, else every
 * `scheduleDelayMs`. Never blocks or throws into the request path: when the queue is full or
 * the collector fails, spans are dropped and counted ({@link BatchExporter.dropped}).
 */
export class BatchExporter implements SpanSink {
  private queue: SpanRecord[] = [];
  private inFlight = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private droppedSpans = 0;
  private exportedSpans = 0;

  constructor(
    private readonly resource: Attributes,
    private readonly settings: BatchSettings,
    private readonly transport: BatchTransport,
    private readonly onFailure: (err: Error) => void,
  ) {
    this.timer = setInterval(() => this.flushSome(), settings.scheduleDelayMs);
    this.timer.unref();
  }

  /** Spans dropped so far (queue full, or their batch failed). */
  get dropped(): number {
    return this.droppedSpans;
  }

  get exported(): number {
    return this.exportedSpans;
  }

  add(span: SpanRecord): void {
    if (this.queue.length >= this.settings.maxQueueSize) {
      this.droppedSpans++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.settings.maxExportBatchSize) this.flushSome();
  }

  /** Send queued spans, a batch at a time, while fewer than the concurrency bound are out. */
  private flushSome(): void {
    while (this.queue.length > 0 && this.inFlight.size < MAX_CONCURRENT_EXPORTS) {
      const batch = this.queue.splice(0, this.settings.maxExportBatchSize);
      const sending = this.send(batch).finally(() => {
        this.inFlight.delete(sending);
        if (this.queue.length >= this.settings.maxExportBatchSize) this.flushSome();
      });
      this.inFlight.add(sending);
    }
  }

  private async send(batch: SpanRecord[]): Promise<void> {
    try {
      await this.transport(encodeTraceRequest(this.resource, batch), batch.length);
      this.exportedSpans += batch.length;
    } catch (err) {
      this.droppedSpans += batch.length;
      this.onFailure(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Send everything queued and wait for it (bounded by the export timeout per batch). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      this.flushSome();
      await Promise.all(this.inFlight);
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

/**
 * OTLP/HTTP with protobuf bodies (`POST …/v1/traces`, `application/x-protobuf`) over a
 * keep-alive connection pool; any 2xx is success (OTLP/HTTP spec: the body may carry a partial
 * success, which only says how many were rejected, so it is not read).
 */
export function otlpHttpTransport(
  endpoint: string,
  headers: Record<string, string>,
  timeoutMs: number,
): BatchTransport {
  const url = new URL(endpoint);
  const https = url.protocol === 'https:';
  const agent = https
    ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_CONCURRENT_EXPORTS })
    : new HttpAgent({ keepAlive: true, maxSockets: MAX_CONCURRENT_EXPORTS });
  const send = https ? httpsRequest : httpRequest;
  return (body) =>
    new Promise<void>((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: {
            ...headers,
            'content-type': 'application/x-protobuf',
            'content-length': body.length,
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`OTLP endpoint answered ${status}`));
          });
          res.once('error', reject);
        },
      );
      req.once('timeout', () => req.destroy(new Error(`OTLP export timed out (${timeoutMs} ms)`)));
      req.once('error', reject);
      req.end(body);
    });
}

/** `OTEL_TRACES_EXPORTER=console`: each finished span as one JSON line on stdout (debugging). */
export const consoleSink: SpanSink = {
  add: (span) =>
    process.stdout.write(
      `${JSON.stringify({
        ...span,
        startEpochMs: performance.timeOrigin + span.start,
        endEpochMs: performance.timeOrigin + span.end,
      })}\n`,
    ),
};
